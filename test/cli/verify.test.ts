/** verify, compare --impl and the diagnosis, through the real command. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'bptt-verify-'));
const mod = (name: string) => fileURLToPath(new URL(`../modules/${name}`, import.meta.url));

function withEnv<T>(env: Record<string, string>, f: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  return f().finally(() => {
    process.env = saved;
  });
}

describe('compare --impl names the bug pattern of a user module', () => {
  const base = ['compare', '--steps', '8', '--bias', '--initial-state', '--json', '--no-steps-detail', '--reference', 'ops'];
  it.each([
    ['transposed', 'transposed', ['W']],
    ['mean-over-time', 'scaled', ['U', 'W', 'V', 'b', 'c']],
    ['sign-flipped', 'sign-flipped', ['U', 'W', 'V']],
    ['no-recurrence', 'no-recurrence', ['U', 'W', 'b']],
    ['truncated-2', 'truncated-k', ['U', 'W', 'b']],
    ['state-off-by-one', 'state-off-by-one', ['W']],
    ['missing-activation-derivative', 'missing-activation-derivative', ['U', 'W', 'b']],
    ['last-step-only', 'last-step-only', ['V', 'c']],
    ['W-not-transposed', 'W-not-transposed', ['U', 'W', 'b', 'initialState']],
    ['derivative-at-previous-state', 'derivative-at-previous-state', ['U', 'W', 'b', 'initialState']],
  ])('BPTT_BUG=%s gives the pattern "%s"', async (bug, pattern, tensors) => {
    const run = await withEnv({ BPTT_BUG: bug }, () => cli([...base, '--impl', mod('buggy-module.ts'), '--out', bug], dir));
    expect(run.code).toBe(1);
    const c = JSON.parse(run.stdout).cases[0];
    const named = Object.fromEntries(c.diagnosis.map((d: { tensor: string; pattern: string }) => [d.tensor, d.pattern]));
    for (const t of tensors) expect(named[t], `${t}: ${JSON.stringify(c.diagnosis)}`).toBe(pattern);
    expect(c.diagnosis.every((d: { pattern: string }) => d.pattern === pattern)).toBe(true);
    if (pattern === 'scaled') expect(c.diagnosis[0].detail).toMatch(/α = 0\.125.*mean over time \(1\/T\)/);
    const md = readFileSync(join(dir, bug, 'report.md'), 'utf8');
    expect(md).toMatch(new RegExp(`\\*\\*\\w+: ${pattern}\\*\\*`));
  });

  it('claims no pattern when none fits, and passes a correct module', async () => {
    const ok = await withEnv({ BPTT_BUG: 'none' }, () => cli([...base, '--impl', mod('buggy-module.ts'), '--out', 'ok'], dir));
    expect(ok.code).toBe(0);
    // the last output dropped: no pattern (with --initial-state, ∂L/∂s₋₁ would equal --truncate T−2's, which is right to say)
    const odd = await withEnv({ BPTT_BUG: 'last-step-dropped' }, () => cli([...base.filter((x) => x !== '--initial-state'), '--impl', mod('buggy-module.ts'), '--out', 'odd'], dir));
    expect(odd.code).toBe(1);
    expect(JSON.parse(odd.stdout).cases[0].diagnosis ?? []).toEqual([]);
    expect(readFileSync(join(dir, 'odd/report.md'), 'utf8')).toContain('No known bug pattern fits the failing tensors.');
  });

  it.each([
    ['throws.mjs', [], /--impl module ".*throws\.mjs" threw on case .*: dW not implemented yet/],
    ['never.mjs', ['--timeout', '0.5'], /did not settle within --timeout 0\.5 s/],
    ['wrong-shape.mjs', [], /gradients\.W is 1×2, expected H×H = 16×16/],
    ['no-export.mjs', [], /exports no function "gradients"/],
    ['missing.mjs', [], /cannot be read \(no such file\)/],
    ['syntax-error.mjs', [], /--impl module ".*syntax-error\.mjs" failed to load \(.*\), expected a module that imports cleanly/],
  ])('a module that fails (%s) gets exit 2 and one line', async (file, extra, pattern) => {
    const run = await cli(['compare', '--impl', mod(file), ...extra, '--out', 'bad'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(pattern);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a --timeout of 0 or below', async () => {
    const run = await cli(['compare', '--impl', mod('throws.mjs'), '--timeout', '0'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--timeout is "0", expected a positive number/);
  });
});

describe('verify', () => {
  it('passes gradients computed outside TypeScript (PyTorch float64: test/fixtures/README.md)', async () => {
    const run = await cli(['verify', '--case', fixturePath('rnn-sigmoid-bias-batch.case.json'), '--grads', fixturePath('rnn-sigmoid-bias-batch.grads.json'), '--json', '--out', 'v1'], dir);
    expect(run.code).toBe(0);
    const c = JSON.parse(run.stdout).cases[0];
    expect(new Set(c.rows.map((r: { a: string; r: string }) => `${r.a} vs ${r.r}`))).toEqual(
      new Set(['yours vs tfjs-layers', 'yours vs tfjs-ops', 'tfjs-layers vs tfjs-ops', 'yours vs fd', 'tfjs-layers vs fd', 'tfjs-ops vs fd']),
    );
  });

  it('names the pattern of a wrong gradients file, reports a missing tensor per tensor, and writes JUnit', async () => {
    // the clipped PyTorch gradients are the true ones × 0.5/‖g‖: a scaled gradient
    const run = await cli(['verify', '--case', fixturePath('rnn-tanh.case.json'), '--grads', fixturePath('rnn-tanh.clipnorm0.5.grads.json'), '--reference', 'ops', '--junit', 'junit.xml', '--json', '--out', 'v2'], dir);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).cases[0].diagnosis.map((d: { pattern: string }) => d.pattern)).toEqual(['scaled', 'scaled', 'scaled']);
    const xml = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(join(dir, 'junit.xml'), 'utf8'));
    const cases = xml.testsuites.testsuite.testcase as { '@_name': string; failure?: { '@_message': string } }[];
    expect(cases.map((t) => t['@_name'])).toEqual(['loss', 'U', 'W', 'V']);
    expect(cases.find((t) => t['@_name'] === 'W')!.failure!['@_message']).toMatch(/yours vs tfjs-ops: relErrNorm .*Diagnosis: scaled/);
    expect(cases.find((t) => t['@_name'] === 'loss')!.failure).toBeUndefined();
    expect(xml.testsuites['@_failures']).toBe('3');

    const partial = JSON.parse(readFileSync(fixturePath('rnn-tanh.grads.json'), 'utf8'));
    delete partial.gradients.V;
    writeFileSync(join(dir, 'partial.json'), JSON.stringify(partial));
    const p = await cli(['verify', '--case', fixturePath('rnn-tanh.case.json'), '--grads', 'partial.json', '--reference', 'ops', '--json', '--out', 'v3'], dir);
    expect(p.code).toBe(1);
    const v = JSON.parse(p.stdout).cases[0].rows.find((r: { tensor: string }) => r.tensor === 'V');
    expect(v).toMatchObject({ pass: false, reason: 'yours gives no V' });
  });

  it('appends the Markdown summary to GITHUB_STEP_SUMMARY', async () => {
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '# earlier step\n');
    const run = await withEnv({ GITHUB_STEP_SUMMARY: summary }, () =>
      cli(['verify', '--case', fixturePath('rnn-tanh.case.json'), '--grads', fixturePath('rnn-tanh.grads.json'), '--reference', 'ops', '--out', 'v4'], dir),
    );
    expect(run.code).toBe(0);
    const text = readFileSync(summary, 'utf8');
    expect(text).toMatch(/^# earlier step\n# bptt-check verify: PASS/);
  });

  it.each([
    ['an extra tensor', (g: any) => (g.gradients.Z = [[1]]), /gradients\.Z is not a tensor of this case, expected only U, W, V/],
    ['a wrong shape', (g: any) => g.gradients.W.pop(), /gradients\.W is 5×6, expected H×H = 6×6/],
    ['a transposed non-square tensor', (g: any) => (g.gradients.U = g.gradients.U[0].map((_: number, j: number) => g.gradients.U.map((r: number[]) => r[j]))), /gradients\.U is 5×6, expected H×I = 6×5 \(that is the transpose/],
    ['a newer schemaVersion', (g: any) => (g.schemaVersion = 2), /schemaVersion is 2, expected 1/],
    ['a malformed file', null, /is not valid JSON/],
    ['an unreadable path', 'missing', /gradients file ".*nowhere\.json" cannot be read \(no such file\)/],
  ] as [string, ((g: any) => void) | null | 'missing', RegExp][])('%s gets exit 2 naming the tensor or field, and nothing written', async (_what, edit, pattern) => {
    const g = JSON.parse(readFileSync(fixturePath('rnn-tanh.grads.json'), 'utf8'));
    const path = join(dir, `bad-${_what.replace(/ /g, '-')}.json`);
    if (edit !== 'missing') writeFileSync(path, edit ? (edit(g), JSON.stringify(g)) : '{"loss": ');
    const run = await cli(['verify', '--case', fixturePath('rnn-tanh.case.json'), '--grads', edit === 'missing' ? join(dir, 'nowhere.json') : path, '--out', 'never'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(pattern);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('gate-order diagnosis', () => {
  it('names two swapped gate blocks: a GRU written out in PyTorch’s order r, z, n', async () => {
    expect((await cli(['case', '--cell', 'gru', '--bias', '--steps', '6', '--seed', '4', '--out', 'gru.case.json'], dir)).code).toBe(0);
    const g = await cli(['grads', '--case', 'gru.case.json', '--impl', 'hand'], dir);
    const file = JSON.parse(g.stdout);
    for (const x of ['U', 'W', 'b']) [file.gradients[`${x}_z`], file.gradients[`${x}_r`]] = [file.gradients[`${x}_r`], file.gradients[`${x}_z`]];
    writeFileSync(join(dir, 'gru-swapped.json'), JSON.stringify(file));
    const run = await cli(['verify', '--case', 'gru.case.json', '--grads', 'gru-swapped.json', '--reference', 'ops', '--json', '--out', 'gate'], dir);
    expect(run.code).toBe(1);
    const d = JSON.parse(run.stdout).cases[0].diagnosis as { tensor: string; pattern: string; detail: string }[];
    expect(d.map((x) => `${x.tensor}:${x.pattern}`).sort()).toEqual(['U_r:gate-order', 'U_z:gate-order', 'W_r:gate-order', 'W_z:gate-order', 'b_r:gate-order', 'b_z:gate-order']);
    expect(d.find((x) => x.tensor === 'W_z')!.detail).toMatch(/W_z holds the gradient of W_r: gates z and r are swapped/);
  });
});
