/**
 * The localisation by experiment, through user code: a student's RNN (test/modules/loc-student.mjs) with one
 * mistake per module, run through the real command. What each finding must be follows from the mistake:
 * W in place of Wᵀ is right for one step (nothing is carried back) and for H = 1 (W is its own transpose);
 * f′ left out is wrong at every step; db of the last step only is right for T = 1; a state carried from
 * one row into the next is right for row 0 alone; ∂L/∂s₋₁ left zero is right without an initial state.
 */
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BIN, cli, type Run } from '../helpers/cli.js';
import type { LocalisationJson, ReportJson } from '../../src/report/json-types.js';
import { parseCase } from '../../src/model/validate.js';

const module = (name: string) => fileURLToPath(new URL(`../modules/${name}.mjs`, import.meta.url));
const SIZES = ['--steps', '8', '--hidden-size', '6', '--input-size', '5', '--output-size', '4'];

interface Localised {
  run: Run;
  cwd: string;
  report: ReportJson;
  l: LocalisationJson;
}

async function localised(name: string, flags: string[] = [], env: Record<string, string> = {}): Promise<Localised> {
  const cwd = mkdtempSync(join(tmpdir(), `bptt-localise-${name}-`));
  const run = await cli(['compare', '--impl', module(name), ...SIZES, ...flags], cwd, env);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(1);
  const report = JSON.parse(readFileSync(join(cwd, 'reports', 'report.json'), 'utf8')) as ReportJson;
  return { run, cwd, report, l: report.cases[0]!.localisation! };
}

/** The minimal case the run wrote, validated as a case file. */
function minimalCase(x: Localised) {
  const file = join(x.cwd, 'reports', 'minimal.case.json');
  expect(existsSync(file)).toBe(true);
  return parseCase(JSON.parse(readFileSync(file, 'utf8')), 'minimal.case.json');
}

/** Runs the reproduce command the console printed, through a POSIX shell as the user would paste it. */
function reproduce(x: Localised): Promise<Run> {
  const line = x.run.stdout.split('\n').find((l) => l.startsWith('reproduce the smallest failing case: '));
  expect(line).toBeDefined();
  const command = line!.slice('reproduce the smallest failing case: '.length);
  expect(command).toBe(x.l.minimal!.command);
  expect(command.startsWith('bptt-check compare --case reports/minimal.case.json --impl ')).toBe(true);
  const shell = command.replace(/^bptt-check /, `'${process.execPath}' '${BIN}' `);
  return new Promise((resolve) =>
    execFile('/bin/sh', ['-c', shell], { cwd: x.cwd, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

const volume = (s: { B: number; T: number; H: number; I: number; K: number }) => s.B * s.T * s.H * s.I * s.K;

describe('compare --impl localises a failing module by experiment', () => {
  it('W for Wᵀ in the recursion: correct for T′ = 1, wrong from T′ = 2; minimal H = 2; the printed command reproduces it', async () => {
    const x = await localised('loc-w-not-transposed');
    expect(x.l.against).toBe('tfjs-ops');
    expect({ ...x.l.prefix, errors: undefined }).toEqual({ batch: 1, steps: 8, shortestFailing: 2, passesAt: 1 });
    expect(x.l.batch).toEqual({ second: 'row 0 reversed', alone: true, together: true });
    expect(x.l.minimal!.sizes).toMatchObject({ B: 1, T: 2, H: 2 });
    expect(x.l.lines.join('\n')).toContain('correct for T′ = 1, wrong from T′ = 2');
    expect(x.run.stdout).toContain('localisation: correct for T′ = 1, wrong from T′ = 2');
    const c = minimalCase(x);
    expect([c.batch, c.steps, c.model.hiddenSize]).toEqual([1, 2, 2]);
    expect(volume(x.l.minimal!.sizes)).toBeLessThan(volume(x.l.minimal!.from));
    const again = await reproduce(x);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('FAIL');
    // its report goes beside the case, not over the report that holds it: the command works again
    expect(x.l.minimal!.command).toContain(' --out reports/minimal');
    expect(existsSync(join(x.cwd, 'reports', 'minimal.case.json'))).toBe(true);
    expect((await reproduce(x)).code).toBe(1);
    // the reports say it too: Markdown and HTML carry the lines and the command
    const md = readFileSync(join(x.cwd, 'reports', 'report.md'), 'utf8');
    expect(md).toContain('## Localisation');
    expect(md).toContain(x.l.minimal!.command!);
    const html = readFileSync(join(x.cwd, 'reports', 'report.html'), 'utf8');
    expect(html).toContain('id="reproduce-minimal"');
  }, 120_000);

  it('a float32 subject (detected) is localised at the case’s tolerances: its float32 rounding passes at T′ = 1, the mistake fails from T′ = 2', async () => {
    const x = await localised('loc-float32', ['--fd', 'full']);
    expect(x.report.cases[0]!.dtype).toEqual({ dtype: 'float32', source: 'detected' });
    expect({ ...x.l.prefix, errors: undefined }).toEqual({ batch: 1, steps: 8, shortestFailing: 2, passesAt: 1 });
    expect(x.l.minimal!.sizes).toMatchObject({ T: 2, H: 2 });
  }, 60_000);

  it('f′ left out: wrong already at T′ = 1, in one step; the minimal case has one step', async () => {
    const x = await localised('loc-no-derivative');
    expect({ ...x.l.prefix, errors: undefined }).toEqual({ batch: 1, steps: 8, shortestFailing: 1 });
    expect(x.l.lines.join('\n')).toContain('wrong already at T′ = 1');
    expect(x.l.lines.join('\n')).toContain('the error is in one step');
    // (H is shrunk only as far as f′ = 1 − s² stays far enough from 1 on the case's small states to fail)
    expect(x.l.minimal!.sizes).toMatchObject({ B: 1, T: 1 });
    expect(volume(x.l.minimal!.sizes)).toBeLessThan(volume(x.l.minimal!.from));
    expect(minimalCase(x).steps).toBe(1);
  }, 60_000);

  it('a state carried from one row into the next: row 0 alone passes, rows 0 and 1 fail; the minimal case keeps two rows', async () => {
    const x = await localised('loc-carry-state', ['--batch', '2']);
    expect(x.l.batch).toEqual({ second: 'row 1', alone: false, together: true });
    expect(x.l.lines.join('\n')).toContain('a leak across the sequences of a batch');
    expect(x.l.minimal!.sizes.B).toBe(2);
    expect(minimalCase(x).batch).toBe(2);
    const again = await reproduce(x);
    expect(again.code).toBe(1);
  }, 120_000);

  it('∂L/∂s₋₁ left zero: fails only with an initial state, which the minimal case keeps', async () => {
    const x = await localised('loc-zero-initial', ['--initial-state']);
    expect(x.l.initialState).toEqual({ failsWithout: false });
    expect(x.l.lines.join('\n')).toContain('fails only with an initial state: look at ∂L/∂s_{−1} and the first step');
    expect(x.l.minimal!.sizes.initialState).toBe(true);
    expect(minimalCase(x).initialState).not.toBeNull();
  }, 60_000);

  it('db of the last step only: fails only with biases, correct for T′ = 1 (one step is the last)', async () => {
    const x = await localised('loc-last-step-bias', ['--bias']);
    expect(x.l.bias).toEqual({ failsWithout: false });
    expect(x.l.lines.join('\n')).toContain('fails only with biases: look at db, dc');
    expect(x.l.prefix).toMatchObject({ shortestFailing: 2, passesAt: 1 });
    expect(x.l.minimal!.sizes).toMatchObject({ bias: true, T: 2 });
    expect(minimalCase(x).model.bias).toBe(true);
  }, 60_000);

  it('asks the module once per check (1 + the localisation’s checks), and --no-shrink once, writing no minimal.case.json over the last one', async () => {
    const calls = join(mkdtempSync(join(tmpdir(), 'bptt-localise-calls-')), 'calls.txt');
    const x = await localised('loc-counts-calls', [], { LOC_CALLS: calls });
    const asked = readFileSync(calls, 'utf8').trim().split('\n');
    expect(asked.length).toBe(1 + x.l.checks);
    expect(x.l.checks).toBeGreaterThan(3);
    expect(existsSync(join(x.cwd, 'reports', 'minimal.case.json'))).toBe(true);
    // the same report directory, --no-shrink: one call, and the dir replaced as a whole (no minimal case left from before)
    const once = join(mkdtempSync(join(tmpdir(), 'bptt-localise-calls-')), 'calls.txt');
    const run = await cli(['compare', '--impl', module('loc-counts-calls'), ...SIZES, '--no-shrink'], x.cwd, {
      LOC_CALLS: once,
    });
    expect(run.code).toBe(1);
    expect(readFileSync(once, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(x.cwd, 'reports', 'minimal.case.json'))).toBe(false);
    const report = JSON.parse(readFileSync(join(x.cwd, 'reports', 'report.json'), 'utf8')) as ReportJson;
    expect(report.cases[0]!.localisation).toBeUndefined();
    expect(run.stdout).not.toContain('localisation:');
  }, 120_000);

  it('leaves a passing module alone: asked once, no localisation, no minimal case', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'bptt-localise-pass-'));
    const run = await cli(['compare', '--impl', module('student-rnn'), ...SIZES], cwd);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('localisation:');
    expect(existsSync(join(cwd, 'reports', 'minimal.case.json'))).toBe(false);
  }, 60_000);

  it('verify: a gradients file cannot be asked again, so a failing one is not localised', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'bptt-localise-verify-'));
    expect((await cli(['case', ...SIZES, '--out', 'case.json'], cwd)).code).toBe(0);
    expect((await cli(['grads', '--case', 'case.json', '--out', 'grads.json'], cwd)).code).toBe(0);
    const g = JSON.parse(readFileSync(join(cwd, 'grads.json'), 'utf8')) as { gradients: { W: number[][] } };
    g.gradients.W = g.gradients.W.map((row) => row.map((w) => 2 * w)); // a student's dW twice too large
    writeFileSync(join(cwd, 'grads.json'), JSON.stringify(g));
    const run = await cli(['verify', '--case', 'case.json', '--grads', 'grads.json', '--reference', 'ops'], cwd);
    expect(run.code).toBe(1);
    const report = JSON.parse(readFileSync(join(cwd, 'reports', 'report.json'), 'utf8')) as ReportJson;
    expect(report.cases[0]!.localisation).toBeUndefined();
    expect(existsSync(join(cwd, 'reports', 'minimal.case.json'))).toBe(false);
  }, 60_000);

  it('quotes a module path for the shell and escapes it in each report: the pasted command still fails the minimal case', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'bptt-localise-quote-'));
    const name = `it's <b>$HOME.mjs`;
    copyFileSync(module('loc-student'), join(cwd, 'loc-student.mjs'));
    copyFileSync(module('loc-no-derivative'), join(cwd, name));
    const run = await cli(['compare', '--impl', name, ...SIZES], cwd);
    expect(run.code).toBe(1);
    const report = JSON.parse(readFileSync(join(cwd, 'reports', 'report.json'), 'utf8')) as ReportJson;
    const l = report.cases[0]!.localisation!;
    expect(l.minimal!.command).toBe(
      `bptt-check compare --case reports/minimal.case.json --impl 'it'\\''s <b>$HOME.mjs' --out reports/minimal`,
    );
    expect(readFileSync(join(cwd, 'reports', 'report.html'), 'utf8')).toContain(
      `--impl &#39;it&#39;\\&#39;&#39;s &lt;b&gt;$HOME.mjs&#39; --out reports/minimal</pre>`,
    );
    expect(readFileSync(join(cwd, 'reports', 'report.md'), 'utf8')).toContain(`\n${l.minimal!.command}\n\`\`\``);
    const again = await reproduce({ run, cwd, report, l });
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('');
  }, 120_000);

  it('a run interrupted while it localises leaves the report directory as the last run wrote it: its report, its minimal case', async () => {
    const x = await localised('loc-w-not-transposed');
    const before = ['report.json', 'minimal.case.json'].map((f) => readFileSync(join(x.cwd, 'reports', f), 'utf8'));
    const calls = join(x.cwd, 'calls.txt');
    const child = spawn(process.execPath, [BIN, 'compare', '--impl', module('loc-slow'), ...SIZES], {
      cwd: x.cwd,
      env: { ...process.env, LOC_CALLS: calls },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // interrupted once the localisation has asked the module twice more (each call takes 300 ms)
    while (!existsSync(calls) || readFileSync(calls, 'utf8').trim().split('\n').length < 3)
      await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    await exited;
    const after = ['report.json', 'minimal.case.json'].map((f) => readFileSync(join(x.cwd, 'reports', f), 'utf8'));
    expect(after).toEqual(before);
  }, 120_000);

  it('a many-to-one case with a mean loss: the prefixes with no loss step are not failures (user code gives 0/0 there)', async () => {
    const x = await localised('loc-many-to-one-mean', ['--last-step-only', '--reduction', 'mean']);
    // only the whole sequence has a loss: the shortest failing prefix is all 8 steps, the 7 before it pass
    expect({ ...x.l.prefix, errors: undefined }).toEqual({ batch: 1, steps: 8, shortestFailing: 8, passesAt: 7 });
    expect(x.report.cases[0]!.rows.find((r) => r.tensor === 'loss' && r.r === 'tfjs-ops')?.pass).toBe(true);
  });
});
