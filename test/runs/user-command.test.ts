/**
 * The command subject (runs/user-command.ts) from the library: what a command is told on its stdin, one
 * process serving many cases in order, its process group killed at close, and the numpy example
 * (examples/python/my_bptt.py, through python/bptt_check.py) against the PyTorch fixtures of full BPTT,
 * WildML's truncation, detaching and clipping by norm — an implementation bptt-check did not write.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openCommandSubject } from '../../src/runs/user-command.js';
import type { ModuleSubject } from '../../src/runs/user-module.js';
import { caseToFile } from '../../src/model/case.js';
import { generateCase, GENERATE_DEFAULTS } from '../../src/model/generate.js';
import { handGradients } from '../../src/bptt/index.js';
import { fixtureCase, fixtureGrads, relErr, worstRelErr } from '../helpers/fixtures.js';
import { findPython } from '../helpers/python.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/python/my_bptt.py', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bptt-command-'));
const python = findPython();
const opened: ModuleSubject[] = [];
const open = async (command: string, timeoutSeconds = 30) => {
  const s = await openCommandSubject(command, timeoutSeconds);
  opened.push(s);
  return s;
};
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});

/** Whether a process runs (Linux /proc: a killed process not yet reaped is a zombie, state Z, and runs no more). */
function running(pid: number): boolean {
  try {
    const state = /\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

const small = (seed: number) =>
  generateCase({ ...GENERATE_DEFAULTS, inputSize: 3, hiddenSize: 2, outputSize: 3, steps: 3, seed });

/** A python3 script (no numpy) that writes each request line to `log` and answers an error naming its pid. */
function echoScript(log: string): string {
  const path = join(dir, `echo-${Math.random().toString(36).slice(2)}.py`);
  writeFileSync(
    path,
    [
      'import json, os, sys',
      'for line in sys.stdin:',
      `    open(${JSON.stringify(log)}, "a").write(line)`,
      '    r = json.loads(line)',
      '    print(json.dumps({"id": r["id"], "error": "pid %d" % os.getpid()}), flush=True)',
      '',
    ].join('\n'),
  );
  return path;
}

describe.skipIf(!python)('a command subject, from the library', () => {
  it('is told one line per case: its id, the case in the case-file shape, the options that are set', async () => {
    const log = join(dir, 'requests.jsonl');
    const s = await open(`${python} ${echoScript(log)}`);
    const cases = [small(1), small(2), small(3)];
    const errors: string[] = [];
    const variants = [{}, { truncate: 2 }, { clipValue: 0.5, clipNorm: 1, truncate: undefined }];
    for (const [k, c] of cases.entries())
      errors.push(await s.gradients(c, variants[k]!).then(String, (e: Error) => e.message));
    const requests = readFileSync(log, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(requests.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(requests.map((r) => r.case)).toEqual(cases.map((c) => JSON.parse(JSON.stringify(caseToFile(c)))));
    expect(requests.map((r) => r.options)).toEqual([{}, { truncate: 2 }, { clipValue: 0.5, clipNorm: 1 }]);
    // each answer was an error: one line naming the command and the case; one process answered all three
    expect(errors[0]).toMatch(/^`implCmd` ".*echo-.*\.py" failed on case rnn-tanh-.*seed1: "pid \d+"$/);
    expect(new Set(errors.map((e) => /pid (\d+)/.exec(e)![1])).size).toBe(1);
  });

  it('writes the next request only once the previous one is answered, even when asked for several at once', async () => {
    const script = join(dir, 'one-at-a-time.py');
    writeFileSync(
      script,
      [
        'import json, os, select, time',
        'def line():',
        '    out = b""',
        '    while not out.endswith(b"\\n"):',
        '        ch = os.read(0, 1)',
        '        if not ch: raise SystemExit(0)',
        '        out += ch',
        '    return json.loads(out)',
        'while True:',
        '    r = line()',
        '    time.sleep(0.2)',
        '    more = select.select([0], [], [], 0)[0]',
        '    print(json.dumps({"id": r["id"], "error": "pipelined" if more else "alone"}), flush=True)',
        '',
      ].join('\n'),
    );
    const s = await open(`${python} ${script}`);
    const said = await Promise.all(
      [1, 2, 3].map((k) => s.gradients(small(k), {}).then(String, (e: Error) => e.message)),
    );
    expect(said.map((m) => /"(\w+)"$/.exec(m)?.[1])).toEqual(['alone', 'alone', 'alone']);
  });

  it('refuses an answer to another request than the next one, naming both ids', async () => {
    const script = join(dir, 'wrong-id.py');
    writeFileSync(
      script,
      'import sys\nfor line in sys.stdin:\n    print(\'{"id": 7, "loss": 1, "gradients": {}}\', flush=True)\n',
    );
    const s = await open(`${python} ${script}`);
    await expect(s.gradients(small(1), {})).rejects.toThrow(
      /answered request 7 when request 1 \(case rnn-tanh-\S+\) was next, expected the answers in the order of the requests/,
    );
  });

  it('kills the whole process group at close, what the command started included', async () => {
    const pidFile = join(dir, 'grandchild.pid');
    const s = await open(`sleep 300 & echo $! > ${pidFile}; cat`);
    for (let i = 0; i < 50 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 20));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(running(pid)).toBe(true); // the sleep runs
    await s.close();
    let alive = true;
    for (let i = 0; i < 100 && alive; i++) {
      await new Promise((r) => setTimeout(r, 20));
      alive = running(pid);
    }
    expect(alive).toBe(false);
    await expect(s.gradients(small(1), {})).rejects.toThrow(/exited before answering case .*closed by the tool/);
  });

  it('never keeps a program alive: one that opens a command subject, asks a case and never closes it exits at once', async () => {
    const script = join(dir, 'forgets-close.mjs');
    const dist = (f: string) => JSON.stringify(fileURLToPath(new URL(`../../dist/src/${f}`, import.meta.url)));
    writeFileSync(
      script,
      [
        `import { openCommandSubject } from ${dist('runs/user-command.js')};`,
        `import { generateCase, GENERATE_DEFAULTS } from ${dist('model/generate.js')};`,
        `const s = await openCommandSubject(${JSON.stringify(`${python} ${EXAMPLE}`)}, 30);`,
        'const g = await s.gradients(generateCase({ ...GENERATE_DEFAULTS, steps: 3 }), {});',
        "console.log('loss', g.loss > 0);",
      ].join('\n'),
    );
    const t0 = Date.now();
    const out = execFileSync(process.execPath, [script], { encoding: 'utf8', timeout: 20_000 });
    expect(out).toBe('loss true\n');
    expect(Date.now() - t0).toBeLessThan(15_000); // not the 30 s of the timeout, nor forever
  });

  it('is killed when the program ends by process.exit without closing it, whatever the command is doing', async () => {
    const script = join(dir, 'exits-early.mjs');
    const pidFile = join(dir, 'exits-early.pid');
    const dist = JSON.stringify(fileURLToPath(new URL('../../dist/src/runs/user-command.js', import.meta.url)));
    writeFileSync(
      script,
      [
        `import { existsSync } from 'node:fs';`,
        `import { openCommandSubject } from ${dist};`,
        `await openCommandSubject(${JSON.stringify(`sleep 300 & echo $! > ${pidFile}; wait`)}, 30);`,
        `while (!existsSync(${JSON.stringify(pidFile)})) await new Promise((r) => setTimeout(r, 20));`,
        'process.exit(0);',
      ].join('\n'),
    );
    execFileSync(process.execPath, [script], { encoding: 'utf8', timeout: 20_000 });
    const pid = Number(readFileSync(pidFile, 'utf8'));
    let alive = true;
    for (let i = 0; i < 100 && alive; i++) {
      await new Promise((r) => setTimeout(r, 20));
      alive = running(pid);
    }
    expect(alive).toBe(false);
  });

  it("the numpy example's adjoints are ∂L/∂s_t of every row and step, as the hand side keeps them (full BPTT and detaching)", () => {
    const c = generateCase({ ...GENERATE_DEFAULTS, batch: 2, steps: 7, bias: true, initialState: true, seed: 5 });
    const options = [{}, { detachEvery: 3 }];
    const input = options.map((o, k) => JSON.stringify({ id: k + 1, case: caseToFile(c), options: o })).join('\n');
    const answers = execFileSync(python!, [EXAMPLE], { input: `${input}\n`, encoding: 'utf8' })
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: number; adjoints: { s: number[][][] } });
    expect(answers.map((a) => a.id)).toEqual([1, 2]);
    for (const [k, o] of options.entries()) {
      const s = answers[k]!.adjoints.s;
      expect([s.length, s[0]!.length, s[0]![0]!.length]).toEqual([2, 7, c.model.hiddenSize]);
      const kept = handGradients(c, { ...o, keepSteps: true }).steps!.ds;
      expect(relErr(s.flat(2), kept)).toBeLessThan(1e-12);
    }
    // and detaching changes them: the check above can tell the two apart
    expect(relErr(answers[1]!.adjoints.s.flat(2), answers[0]!.adjoints.s.flat(2))).toBeGreaterThan(1e-3);
  });

  const variants = [
    { fixture: 'rnn-tanh', file: 'rnn-tanh.grads.json', options: {} },
    { fixture: 'rnn-linear-s0', file: 'rnn-linear-s0.grads.json', options: {} },
    { fixture: 'rnn-relu-dense', file: 'rnn-relu-dense.grads.json', options: {} },
    { fixture: 'rnn-sigmoid-bias-batch', file: 'rnn-sigmoid-bias-batch.grads.json', options: {} },
    { fixture: 'rnn-linear-s0', file: 'rnn-linear-s0.truncate2.grads.json', options: { truncate: 2 } },
    { fixture: 'rnn-linear-s0', file: 'rnn-linear-s0.detach2.grads.json', options: { detachEvery: 2 } },
    { fixture: 'rnn-tanh', file: 'rnn-tanh.clipnorm0.5.grads.json', options: { clipNorm: 0.5 } },
  ];
  it('the numpy example agrees with PyTorch autograd on every plain-RNN fixture and variant, in one process', async () => {
    const s = await open(`${python} ${EXAMPLE}`);
    for (const v of variants) {
      const g = await s.gradients(fixtureCase(v.fixture), v.options);
      expect({ file: v.file, err: worstRelErr(g, fixtureGrads(v.file)) < 1e-10 }).toEqual({ file: v.file, err: true });
    }
    // and the truncated gradient is not the full one there (the window of 2 steps cuts something)
    const full = await s.gradients(fixtureCase('rnn-linear-s0'), {});
    expect(worstRelErr(full, fixtureGrads('rnn-linear-s0.truncate2.grads.json'))).toBeGreaterThan(1e-3);
  });
});
