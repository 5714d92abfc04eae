// The correct BPTT (examples/my-bptt.mjs) that writes its process id to $BPTT_TEST_STARTS each time it is
// loaded: a test counts how often the tool started it, and checks that every process it started is gone.
import { appendFileSync } from 'node:fs';

appendFileSync(process.env.BPTT_TEST_STARTS, `${process.pid}\n`);
export { gradients } from '../../examples/my-bptt.mjs';
