/**
 * An --impl module runs isolated: hostile modules written as a student would (test/modules/hostile/) go
 * through the real command, and each ends in exit 2 with one line, nothing written or touched, or (the
 * correct ones) a clean report and a prompt exit.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BIN, type Run } from '../helpers/cli.js';
import { fixtureGrads, fixturePath } from '../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'bptt-isolation-'));
const hostile = (name: string) => fileURLToPath(new URL(`../modules/hostile/${name}`, import.meta.url));
const kase = fixturePath('rnn-tanh.case.json');

/** The real command, killed after `limitMs` (a hang is then a failure, not a stuck test); with its wall time. */
function cliTimed(args: string[], limitMs: number): Promise<Run & { ms: number; killed: boolean }> {
  const start = performance.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: dir, timeout: limitMs, maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        const e = err as (Error & { code?: number; killed?: boolean }) | null;
        resolve({
          code: e ? (e.code ?? 1) : 0,
          stdout,
          stderr,
          ms: performance.now() - start,
          killed: Boolean(e?.killed),
        });
      },
    );
  });
}

/** Every file under `root` with its contents: equal before and after means nothing was written or touched. */
function snapshot(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files[p.slice(root.length)] = readFileSync(p, 'utf8');
    }
  };
  walk(root);
  return files;
}

/** An --out directory holding an earlier run's report, as a user's would. */
function earlierReport(name: string): string {
  const out = join(dir, name);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'report.json'), '{"earlier": true}\n');
  writeFileSync(join(out, 'notes.txt'), 'mine\n');
  return out;
}

const CASE_ID = 'rnn-tanh';
const where = (file: string) => `--impl module ${JSON.stringify(hostile(file))}`;

describe('a hostile --impl module is exit 2 with one line, and --out is left as it was', () => {
  it.each([
    [
      'exit-at-import.mjs',
      [],
      `${where('exit-at-import.mjs')}: the module exited before answering (exit code 0, while loading), expected gradients(case, options) to return its result without process.exit`,
    ],
    [
      'exit-in-gradients.mjs',
      [],
      `${where('exit-in-gradients.mjs')}: the module exited before answering (exit code 0, on case ${CASE_ID}), expected gradients(case, options) to return its result without process.exit`,
    ],
    [
      'unhandled-rejection.mjs',
      [],
      `${where('unhandled-rejection.mjs')} left an error uncaught on case ${CASE_ID} (Error: shape check not written yet), expected every promise awaited or caught`,
    ],
    [
      'throwing-getter.mjs',
      [],
      `${where('throwing-getter.mjs')} gave an answer on case ${CASE_ID} that cannot be read (Error: loss is computed in the next homework), expected plain data: { loss, gradients } of numbers and arrays`,
    ],
    [
      'syntax-error.mjs',
      [],
      `${where('syntax-error.mjs')} failed to load (SyntaxError: missing ) after argument list at ${hostile('syntax-error.mjs')}:4), expected a module that imports cleanly`,
    ],
    [
      'endless-loop.mjs',
      ['--timeout', '1'],
      `${where('endless-loop.mjs')} did not settle within --timeout 1 s on case ${CASE_ID} and was stopped, expected a result or a promise that settles`,
    ],
    [
      'loads-forever.mjs',
      ['--timeout', '1'],
      `${where('loads-forever.mjs')} did not finish loading within --timeout 1 s and was stopped, expected a module that imports in time`,
    ],
    [
      'kills-itself.mjs',
      [],
      `${where('kills-itself.mjs')}: the module exited before answering (killed by SIGKILL, on case ${CASE_ID}), expected gradients(case, options) to return its result without process.exit`,
    ],
    // blocked in a system call (execSync): a worker thread could not be stopped there and the tool hung at exit
    [
      'blocks-in-a-call.mjs',
      ['--timeout', '1'],
      `${where('blocks-in-a-call.mjs')} did not settle within --timeout 1 s on case ${CASE_ID} and was stopped, expected a result or a promise that settles`,
    ],
    [
      'sends-null.mjs',
      [],
      `${where('sends-null.mjs')} gave an answer on case ${CASE_ID} that cannot be read (sent bptt-check a message it does not speak (the module writes on its IPC channel: process.send)), expected plain data: { loss, gradients } of numbers and arrays`,
    ],
  ])('%s', async (file, extra, message) => {
    const out = earlierReport(`refused-${file}`);
    const before = snapshot(out);
    const run = await cliTimed(
      ['compare', '--case', kase, '--impl', hostile(file), ...extra, '--reference', 'ops', '--json', '--out', out],
      30_000,
    );
    expect(run.killed).toBe(false);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    // the tool's one line, after whatever the module itself wrote to stderr
    const ours = run.stderr
      .trim()
      .split('\n')
      .filter((l) => l !== 'computing the gradients of rnn');
    expect(ours).toEqual([`bptt-check: ${message}`]);
    expect(snapshot(out)).toEqual(before);
  });

  it.each([
    ['fills-heap.mjs', 'arrays pushed forever', 'it reached its heap limit of 1024 MB'],
    [
      'fills-typed-arrays.mjs',
      'Float64Arrays, outside the heap',
      'it grew to more than 2048 MB (its heap and what lives outside it: typed arrays, buffers)',
    ],
  ])(
    'a module that fills its memory (%s: %s) is stopped at the limit named in the one line, within seconds',
    async (file, _what, detail) => {
      const out = earlierReport(`refused-${file}`);
      const before = snapshot(out);
      const run = await cliTimed(
        ['compare', '--case', kase, '--impl', hostile(file), '--reference', 'ops', '--out', out],
        60_000,
      );
      expect(run.killed).toBe(false);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `bptt-check: ${where(file)} ran out of memory on case ${CASE_ID}: ${detail}, expected a module within the limits of an --impl module (1024 MB of heap, 2048 MB in all)\n`,
      );
      expect(snapshot(out)).toEqual(before);
    },
    70_000,
  );

  it('a synchronous endless loop is stopped at --timeout: the run ends about --timeout after it starts', async () => {
    const run = await cliTimed(
      [
        'compare',
        '--case',
        kase,
        '--impl',
        hostile('endless-loop.mjs'),
        '--timeout',
        '2',
        '--reference',
        'ops',
        '--out',
        'loop',
      ],
      30_000,
    );
    expect(run.code).toBe(2);
    expect(run.ms).toBeGreaterThan(2000);
    expect(run.ms).toBeLessThan(20_000);
  });
});

describe('a correct module that misbehaves around its answer still gets a clean report', () => {
  it("console.log in the module goes to stderr: --json's stdout is the report, with the PyTorch loss", async () => {
    const run = await cliTimed(
      ['compare', '--case', kase, '--impl', hostile('logs.mjs'), '--reference', 'ops', '--json', '--out', 'logs'],
      30_000,
    );
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { cases: { loss: { yours: number } }[] };
    expect(report.cases[0]!.loss.yours).toBeCloseTo(fixtureGrads('rnn-tanh.grads.json').loss, 12);
    expect(run.stderr).toContain('student-rnn loaded\n');
    expect(run.stderr).toContain('gradients called with hidden size 6\n');
  });

  it("a raw write to file descriptor 1 in the module goes to stderr too: --json's stdout is the report", async () => {
    const run = await cliTimed(
      ['compare', '--case', kase, '--impl', hostile('writes-fd1.mjs'), '--reference', 'ops', '--json', '--out', 'fd1'],
      30_000,
    );
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { cases: { loss: { yours: number } }[] };
    expect(report.cases[0]!.loss.yours).toBeCloseTo(fixtureGrads('rnn-tanh.grads.json').loss, 12);
    expect(run.stderr).toContain('epoch 1: computing the gradients of rnn\n');
  });

  it('a FIFO given as the module is refused without opening it (importing it would wait forever)', async () => {
    const fifo = join(dir, 'homework.mjs');
    execFileSync('mkfifo', [fifo]);
    const run = await cliTimed(['compare', '--case', kase, '--impl', fifo, '--out', 'fifo'], 20_000);
    expect(run.killed).toBe(false);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `bptt-check: --impl module ${JSON.stringify(fifo)} is not a regular file (a FIFO, a device or a directory), expected a module file\n`,
    );
  });

  it("a result that is an instance of the student's class, loss behind a getter, is read in the module's process and passes", async () => {
    const run = await cliTimed(
      [
        'compare',
        '--case',
        kase,
        '--impl',
        hostile('class-result.mjs'),
        '--reference',
        'ops',
        '--json',
        '--out',
        'class',
      ],
      30_000,
    );
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { cases: { loss: { yours: number } }[] };
    expect(report.cases[0]!.loss.yours).toBeCloseTo(fixtureGrads('rnn-tanh.grads.json').loss, 12);
  });

  it('timers the module leaves running (a 60 s setInterval, a 1 h setTimeout) do not keep the command alive', async () => {
    const run = await cliTimed(
      ['compare', '--case', kase, '--impl', hostile('leaves-timer.mjs'), '--reference', 'ops', '--out', 'timers'],
      30_000,
    );
    expect(run.killed).toBe(false);
    expect(run.code).toBe(0);
    expect(run.ms).toBeLessThan(20_000); // the interval's first tick is at 60 s
    expect(run.stderr).not.toContain('still alive');
  });
});

describe('a TypeScript module (loaded through tsx in the worker)', () => {
  it('with a syntax error gets one line with the error and its file:line', async () => {
    // written here, not kept in test/modules: the typecheck of the repository would trip on it
    const typo = join(dir, 'typo.ts');
    writeFileSync(
      typo,
      [
        '// A student module in TypeScript with a typo on line 4.',
        "import { readFileSync } from 'node:fs';",
        'export function gradients(kase: { model: { hiddenSize: number } }) {',
        '  const s = new Array(kase.model.hiddenSize.fill(0);',
        '  return { loss: 0, gradients: { s, readFileSync } };',
        '}',
        '',
      ].join('\n'),
    );
    const run = await cliTimed(['compare', '--case', kase, '--impl', typo, '--out', 'typo'], 30_000);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `bptt-check: --impl module ${JSON.stringify(typo)} failed to load (SyntaxError: Expected ")" but found ";" at ${typo}:4), expected a module that imports cleanly\n`,
    );
  });
});

describe('--timeout is bounded by what a timer can hold', () => {
  it('--timeout 1e9 (past the 2³¹−1 ms a Node timer holds) is refused with exit 2 naming the flag and the cap', async () => {
    const out = earlierReport('refused-timeout');
    const before = snapshot(out);
    const run = await cliTimed(
      [
        'compare',
        '--case',
        kase,
        '--impl',
        fileURLToPath(new URL('../modules/never.mjs', import.meta.url)),
        '--timeout',
        '1e9',
        '--out',
        out,
      ],
      30_000,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('bptt-check: --timeout is "1e9", expected at most 86400 seconds (a day)\n');
    expect(snapshot(out)).toEqual(before);
  });

  it('--timeout 86400, the cap itself, is accepted and a correct module passes', async () => {
    const run = await cliTimed(
      [
        'compare',
        '--case',
        kase,
        '--impl',
        hostile('logs.mjs'),
        '--timeout',
        '86400',
        '--reference',
        'ops',
        '--out',
        'cap',
      ],
      30_000,
    );
    expect(run.code).toBe(0);
  });
});
