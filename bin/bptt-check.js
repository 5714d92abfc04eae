#!/usr/bin/env node
// The bptt-check command: runs the compiled CLI (npm ci builds it through the prepare script).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    'bptt-check: dist/ is missing, expected a built package; run `npm ci` (or `npm run build`) first\n',
  );
  process.exit(2);
}
const { tuneV8 } = await import(new URL('../dist/src/tuning.js', import.meta.url).href);
tuneV8(); // before any work: see src/tuning.ts
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
