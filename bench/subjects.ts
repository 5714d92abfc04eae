/**
 * The user's code as the subject, whole processes, side by side with the built-in hand side: `compare` and
 * `suite` with the numpy example (`--impl-cmd`), and the localisation of a failing numpy subject down to its
 * minimal case (with and without `--no-shrink`). Rows are left out, with a line saying why, where no python3
 * can import numpy.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './summary.js';

type Add = (r: BenchRow) => void;
type Time = (f: () => unknown, reps: number, warmup?: number) => Promise<number>;

const root = fileURLToPath(new URL('../..', import.meta.url));
const python = ['/usr/bin/python3', 'python3'].find(
  (py) => spawnSync(py, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0,
);

export async function subjectRows(add: Add, timeMs: Time, bin: string, out: string): Promise<void> {
  if (!python) {
    console.log('  (no python3 with numpy: the --impl-cmd rows are left out; apt-get install python3-numpy)');
    return;
  }
  const good = `${python} examples/python/my_bptt.py`;
  const buggy = `${python} examples/python/my_bptt_buggy.py`;
  // exit 1 (a failing check) is an answer, not an error, for the buggy subject
  const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: root, stdio: 'ignore' }).status;
  const compare =
    (impl: string, ...more: string[]) =>
    () =>
      run(['compare', '--impl-cmd', impl, '--out', `${out}-cmd`, ...more]);
  if (compare(good)() !== 0) {
    console.log(`  (compare --impl-cmd "${good}" did not pass: the --impl-cmd rows are left out)`);
    return;
  }
  const hand = await timeMs(() => run(['compare', '--out', `${out}-hand`]), 5, 1);
  const cmd = await timeMs(compare(good), 5, 1);
  add({ name: 'compare (default case), built-in hand side, whole process', value: hand / 1000, unit: 's' });
  add({
    name: `compare --impl-cmd "python3 examples/python/my_bptt.py", whole process`,
    value: cmd / 1000,
    unit: 's',
    target: '< 2 s',
    ok: cmd < 2000,
  });
  const t0 = performance.now();
  execFileSync(process.execPath, [bin, 'suite', '--out', `${out}-suite-hand`], { cwd: root, stdio: 'ignore' });
  const suiteHand = performance.now() - t0;
  const t1 = performance.now();
  const status = run(['suite', '--impl-cmd', good, '--out', `${out}-suite-cmd`]);
  const suiteCmd = performance.now() - t1;
  add({ name: 'suite (56 default cases), built-in hand side, whole process', value: suiteHand / 1000, unit: 's' });
  add({
    name: `suite --impl-cmd (the numpy example), whole process${status === 0 ? '' : ` (exit ${status})`}`,
    value: suiteCmd / 1000,
    unit: 's',
    target: '< 20 s',
    ok: suiteCmd < 20_000 && status === 0,
  });
  const noShrink = await timeMs(compare(buggy, '--no-shrink'), 3, 1);
  const shrink = await timeMs(compare(buggy), 3, 0);
  add({
    name: 'compare --impl-cmd, a failing numpy subject, --no-shrink, whole process',
    value: noShrink / 1000,
    unit: 's',
  });
  add({
    name: '  the same, localised and shrunk to minimal.case.json, whole process',
    value: shrink / 1000,
    unit: 's',
    target: '< 10 s',
    ok: shrink < 10_000,
  });
}
