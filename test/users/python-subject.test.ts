/**
 * A student's numpy BPTT as the subject of the real `bptt-check compare --impl-cmd`: the example of
 * examples/python/ (through python/bptt_check.py) passes every variant it is told to do, a student who
 * ignores the options does not, the buggy example gets its pattern named, and every fault of a command
 * is exit 2 with one line of the tool's naming the command, the case and what happened (the user's own
 * stderr lines aside, passed through), while a NaN answer is a failing row (exit 1).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { findPython } from '../helpers/python.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/python/', import.meta.url));
const PYTHON_DIR = fileURLToPath(new URL('../../python/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bptt-python-subject-'));
const python = findPython();
if (!python)
  console.warn(
    'test/users/python-subject.test.ts skipped: no python3 that can import numpy (apt-get install python3-numpy)',
  );

const example = (name: string) => `${python} ${join(EXAMPLES, name)}`;
/** Writes a student's script that serves `body` (the lines of gradients(case, options), numpy as np) and returns its command. */
function student(name: string, lines: string[], before: string[] = []): string {
  const header = ['import os, sys', 'import numpy as np', `sys.path.insert(0, ${JSON.stringify(PYTHON_DIR)})`];
  const fn = [
    'from bptt_check import serve',
    ...before,
    'def gradients(case, options):',
    ...lines.map((l) => `    ${l}`),
  ];
  writeFileSync(join(dir, name), [...header, ...fn, 'serve(gradients)', ''].join('\n'));
  return `${python} ${name}`;
}
/** A student who runs the correct example but never looks at the options (so never truncates, detaches or clips). */
const ignoresOptions = (() => {
  if (!python) return '';
  writeFileSync(
    join(dir, 'ignores_options.py'),
    [
      'import runpy, sys',
      `sys.path.insert(0, ${JSON.stringify(PYTHON_DIR)})`,
      'import bptt_check',
      'serve = bptt_check.serve',
      'bptt_check.serve = lambda fn: serve(lambda case, options: fn(case, {}))',
      `runpy.run_path(${JSON.stringify(join(EXAMPLES, 'my_bptt.py'))})`,
      '',
    ].join('\n'),
  );
  return `${python} ignores_options.py`;
})();

type Row = { tensor: string; a: string; r: string; pass: boolean; reason?: string };
const compare = (command: string, ...flags: string[]) =>
  cli(
    ['compare', '--impl-cmd', command, '--json', '--out', `out-${Math.random().toString(36).slice(2)}`, ...flags],
    dir,
  );
/** The tool's own lines on stderr (each starts "bptt-check:"), and the others (the user's, passed through). */
const stderrOf = (stderr: string) => {
  const lines = stderr.split('\n').filter((l) => l !== '');
  return {
    tool: lines.filter((l) => l.startsWith('bptt-check:')),
    user: lines.filter((l) => !l.startsWith('bptt-check:')),
  };
};
/** The default case of compare. */
const CASE_ID = 'rnn-tanh-nobias-tok-I8-H16-K8-T10-B1-seed1';

describe.skipIf(!python)('a numpy BPTT through bptt-check compare --impl-cmd', () => {
  const variants = [
    [],
    ['--truncate', '4'],
    ['--detach-every', '3'],
    ['--clip-norm', '1'],
    ['--batch', '2', '--initial-state'],
  ];
  it.each(variants.map((v) => [v.join(' ') || 'full BPTT', v] as const))(
    'the correct example passes with %s, and a student ignoring the options fails where they matter',
    async (_name, flags) => {
      const run = await compare(example('my_bptt.py'), ...flags);
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      const rows: Row[] = JSON.parse(run.stdout).cases[0].rows;
      expect(rows.filter((r) => r.a === 'yours').length).toBeGreaterThanOrEqual(4);
      if (flags[0] === '--truncate' || flags[0] === '--detach-every' || flags[0] === '--clip-norm') {
        const wrong = await compare(ignoresOptions, ...flags);
        expect(wrong.code).toBe(1);
        const failing = JSON.parse(wrong.stdout).cases[0].rows.filter((r: Row) => !r.pass && r.a === 'yours');
        expect(failing.map((r: Row) => r.tensor)).toContain('W');
      }
    },
  );

  it('the buggy example fails (exit 1) with W named state-off-by-one', async () => {
    const run = await compare(example('my_bptt_buggy.py'));
    expect(run.code).toBe(1);
    const c = JSON.parse(run.stdout).cases[0];
    expect(c.diagnosis.map((d: { tensor: string; pattern: string }) => [d.tensor, d.pattern])).toEqual([
      ['W', 'state-off-by-one'],
    ]);
    expect(c.rows.filter((r: Row) => !r.pass).every((r: Row) => r.tensor === 'W')).toBe(true);
  });

  it("the user's print() inside the function goes to stderr, and the run still passes", async () => {
    writeFileSync(
      join(dir, 'prints.py'),
      [
        'import runpy, sys',
        `sys.path.insert(0, ${JSON.stringify(PYTHON_DIR)})`,
        'import bptt_check',
        'serve = bptt_check.serve',
        'def noisy(fn):',
        '    def g(case, options):',
        '        print("computing", case.id, case)',
        '        return fn(case, options)',
        '    return g',
        'bptt_check.serve = lambda fn: serve(noisy(fn))',
        `runpy.run_path(${JSON.stringify(join(EXAMPLES, 'my_bptt.py'))})`,
        '',
      ].join('\n'),
    );
    const run = await compare(`${python} prints.py`);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(new RegExp(`^computing ${CASE_ID} Case\\(`, 'm'));
  });

  it('the minimal server of docs/formats.md speaks the protocol: its zero gradients are failing rows, not a fault', async () => {
    const doc = readFileSync(fileURLToPath(new URL('../../docs/formats.md', import.meta.url)), 'utf8');
    const block = /## Subject protocol\n[\s\S]*?```python\n([\s\S]*?)```/.exec(doc)![1]!;
    const body = [
      '    m = case["model"]',
      '    z = lambda r, c: [[0.0] * c for _ in range(r)]',
      '    H, I, K = m["hiddenSize"], m["inputSize"], m["outputSize"]',
      '    return {"loss": 0.0, "gradients": {"U": z(H, I), "W": z(H, H), "V": z(K, H)}}',
    ].join('\n');
    expect(block).toContain('    raise NotImplementedError\n');
    writeFileSync(join(dir, 'minimal_server.py'), block.replace('    raise NotImplementedError', body));
    const run = await compare(`${python} minimal_server.py`);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 1, stderr: '' });
    const failing = JSON.parse(run.stdout).cases[0].rows.filter((r: Row) => r.a === 'yours' && !r.pass);
    expect(failing.map((r: Row) => r.tensor).sort()).toEqual(['U', 'V', 'W', 'W', 'loss', 'loss', 'U', 'V'].sort());
  });

  describe('faults: exit 2 and one line naming the command and what happened', () => {
    it('a command that cannot be started names the exit code and what the shell said', async () => {
      const run = await compare('no-such-bptt-program --serve');
      expect(run.code).toBe(2);
      const { tool, user } = stderrOf(run.stderr);
      expect(tool).toEqual([
        expect.stringMatching(
          /^bptt-check: --impl-cmd "no-such-bptt-program --serve" cannot be started \(exit code 127: .*no-such-bptt-program: not found\), expected a command the shell can run from /,
        ),
      ]);
      expect(user).toEqual([expect.stringMatching(/no-such-bptt-program: not found$/)]);
    });

    it('a command that exits mid-run names the case it was given, the exit code and its last stderr line', async () => {
      const cmd = student('exits.py', ['print("giving up on", case.id, file=sys.stderr)', 'os._exit(3)']);
      const run = await compare(cmd);
      expect(run.code).toBe(2);
      const { tool, user } = stderrOf(run.stderr);
      expect(tool).toEqual([
        `bptt-check: --impl-cmd "${cmd}" exited before answering case ${CASE_ID} (exit code 3; the last line of its stderr: "giving up on ${CASE_ID}"), expected it to answer every request line until its stdin closes`,
      ]);
      expect(user).toEqual([`giving up on ${CASE_ID}`]);
    });

    it('a stray print on stdout, outside the function, is shown as what it printed', async () => {
      const cmd = student(
        'stray.py',
        ['import time', 'time.sleep(30)  # killed here: the stray line was read as the answer'],
        ['print("loading my model...")'],
      );
      const run = await compare(cmd);
      expect(run.code).toBe(2);
      const { tool, user } = stderrOf(run.stderr);
      expect(tool).toEqual([
        expect.stringMatching(
          new RegExp(
            `^bptt-check: --impl-cmd "${cmd}" printed a line (that is not a JSON answer on|before it was asked for) case ${CASE_ID}: "loading my model\\.\\.\\.", expected only answer lines on its stdout`,
          ),
        ),
      ]);
      expect(user).toEqual([]);
    });

    it('a tensor of the wrong shape is named, and a transpose is said to be one', async () => {
      const cmd = student('transposed.py', [
        'return 1.0, {"U": np.zeros((case.I, case.H)), "W": np.zeros((case.H, case.H)), "V": np.zeros((case.K, case.H))}',
      ]);
      const run = await compare(cmd);
      expect(run.code).toBe(2);
      expect(stderrOf(run.stderr)).toEqual({
        tool: [
          `bptt-check: --impl-cmd "${cmd}" answered for case ${CASE_ID}: gradients.U is 8×16, expected H×I = 16×8 (that is the transpose: math layout is rows × columns as in the case params)`,
        ],
        user: [],
      });
    });

    it('an exception in the function is named with the case, its traceback on stderr', async () => {
      const cmd = student('raises.py', ['return 1 / 0']);
      const run = await compare(cmd);
      expect(run.code).toBe(2);
      const { tool, user } = stderrOf(run.stderr);
      expect(tool).toEqual([
        `bptt-check: --impl-cmd "${cmd}" failed on case ${CASE_ID}: "ZeroDivisionError: division by zero"`,
      ]);
      expect(user[0]).toBe('Traceback (most recent call last):');
      expect(user.at(-1)).toBe('ZeroDivisionError: division by zero');
    });

    it('no answer within --timeout: stopped, and the line names the case and the timeout', async () => {
      const cmd = student('sleeps.py', ['import time', 'time.sleep(60)']);
      const t0 = Date.now();
      const run = await compare(cmd, '--timeout', '1');
      expect(run.code).toBe(2);
      expect(Date.now() - t0).toBeLessThan(20_000);
      expect(stderrOf(run.stderr)).toEqual({
        tool: [
          `bptt-check: --impl-cmd "${cmd}" did not answer case ${CASE_ID} within --timeout 1 s and was stopped, expected one answer line per request line`,
        ],
        user: [],
      });
    });

    it('--impl with --impl-cmd is refused', async () => {
      const run = await cli(['compare', '--impl', 'my.mjs', '--impl-cmd', 'python3 my.py'], dir);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        'bptt-check: --impl is "my.mjs" together with --impl-cmd "python3 my.py", expected one of the two\n',
      );
    });
  });

  describe('a NaN answer is a failing row, not a fault', () => {
    it('sent by serve() as "NaN" strings', async () => {
      const cmd = student('nan.py', [
        'U = np.zeros((case.H, case.I)); U[0, 0] = np.nan',
        'return float("nan"), {"U": U, "W": np.zeros((case.H, case.H)), "V": np.zeros((case.K, case.H))}',
      ]);
      const run = await compare(cmd);
      expect(run.code).toBe(1);
      const rows: Row[] = JSON.parse(run.stdout).cases[0].rows;
      for (const tensor of ['loss', 'U'])
        expect(rows.find((r) => r.tensor === tensor && r.a === 'yours')).toMatchObject({
          pass: false,
          reason: expect.stringMatching(/non-finite values \(NaN or ±Inf\) in the implementation/),
        });
    });

    it("written as bare NaN tokens by Python's json.dumps, without serve()", async () => {
      writeFileSync(
        join(dir, 'bare_nan.py'),
        [
          'import json, sys',
          'for line in sys.stdin:',
          '    m = json.loads(line)["case"]["model"]',
          '    H, I, K = m["hiddenSize"], m["inputSize"], m["outputSize"]',
          '    z = lambda r, c: [[0.0] * c for _ in range(r)]',
          '    U = z(H, I); U[0][0] = float("inf")',
          '    print(json.dumps({"loss": float("nan"), "gradients": {"U": U, "W": z(H, H), "V": z(K, H)}}), flush=True)',
          '',
        ].join('\n'),
      );
      const run = await compare(`${python} bare_nan.py`);
      expect(run.code).toBe(1);
      const rows: Row[] = JSON.parse(run.stdout).cases[0].rows;
      expect(
        rows.filter((r) => r.a === 'yours' && !r.pass && /non-finite/.test(r.reason ?? '')).map((r) => r.tensor),
      ).toEqual(expect.arrayContaining(['loss', 'U']));
    });
  });
});
