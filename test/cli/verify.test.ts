/** verify, compare --impl and the diagnosis, through the real command. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
  const base = [
    'compare',
    '--steps',
    '8',
    '--bias',
    '--initial-state',
    '--json',
    '--no-steps-detail',
    '--reference',
    'ops',
  ];
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
    const run = await withEnv({ BPTT_BUG: bug }, () =>
      cli([...base, '--impl', mod('buggy-module.ts'), '--out', bug], dir),
    );
    expect(run.code).toBe(1);
    const c = JSON.parse(run.stdout).cases[0];
    const named = Object.fromEntries(
      c.diagnosis.map((d: { tensor: string; pattern: string }) => [d.tensor, d.pattern]),
    );
    for (const t of tensors) expect(named[t], `${t}: ${JSON.stringify(c.diagnosis)}`).toBe(pattern);
    expect(c.diagnosis.every((d: { pattern: string }) => d.pattern === pattern)).toBe(true);
    if (pattern === 'scaled') expect(c.diagnosis[0].detail).toMatch(/α = 0\.125.*mean over time \(1\/T\)/);
    const md = readFileSync(join(dir, bug, 'report.md'), 'utf8');
    expect(md).toMatch(new RegExp(`\\*\\*\\w+: ${pattern}\\*\\*`));
  });

  it('claims no pattern when none fits, and passes a correct module', async () => {
    const ok = await withEnv({ BPTT_BUG: 'none' }, () =>
      cli([...base, '--impl', mod('buggy-module.ts'), '--out', 'ok'], dir),
    );
    expect(ok.code).toBe(0);
    // the last output dropped: no pattern (with --initial-state, ∂L/∂s₋₁ would equal --truncate T−2's, which is right to say)
    const odd = await withEnv({ BPTT_BUG: 'last-step-dropped' }, () =>
      cli([...base.filter((x) => x !== '--initial-state'), '--impl', mod('buggy-module.ts'), '--out', 'odd'], dir),
    );
    expect(odd.code).toBe(1);
    expect(JSON.parse(odd.stdout).cases[0].diagnosis ?? []).toEqual([]);
    expect(readFileSync(join(dir, 'odd/report.md'), 'utf8')).toContain(
      'No known bug pattern fits the failing tensors.',
    );
  });

  it.each([
    ['throws.mjs', [], /--impl module ".*throws\.mjs" threw on case .*: dW not implemented yet/],
    ['never.mjs', ['--timeout', '0.5'], /did not settle within --timeout 0\.5 s/],
    ['wrong-shape.mjs', [], /gradients\.W is 1×2, expected H×H = 16×16/],
    ['no-export.mjs', [], /exports no function "gradients"/],
    ['missing.mjs', [], /cannot be read \(no such file\)/],
    [
      'syntax-error.mjs',
      [],
      /--impl module ".*syntax-error\.mjs" failed to load \(.*\), expected a module that imports cleanly/,
    ],
  ])('a module that fails (%s) gets exit 2 and one line', async (file, extra, pattern) => {
    const run = await cli(['compare', '--impl', mod(file), ...extra, '--out', 'bad'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(pattern);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  const student = fileURLToPath(new URL('../../examples/my-bptt.mjs', import.meta.url));
  const needsTerms =
    'the per-step check needs the contribution of each step to dW, dU and db, which user code does not return (its adjoints, when it returns them, are checked step by step)';
  it.each([
    [['--steps-detail'], `--steps-detail is given with --impl, expected no --steps-detail: ${needsTerms}`],
    [
      ['--output-step', '3', '--steps-detail'],
      `--steps-detail is given with --impl, expected no --steps-detail: ${needsTerms}`,
    ],
    [['--output-step', '3'], `--output-step is given with --impl, expected no --output-step: ${needsTerms}`],
  ])('refuses --impl with %j (exit 2, the reason, nothing written)', async (extra, message) => {
    const out = `steps-refused-${extra.length}`;
    const run = await cli(
      ['compare', '--case', fixturePath('rnn-tanh.case.json'), '--impl', student, ...extra, '--out', out],
      dir,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`bptt-check: ${message}\n`);
    expect(existsSync(join(dir, out))).toBe(false);
  });

  it('says in the console, report.md and report.html why the per-step check did not run for a module', async () => {
    const run = await cli(
      [
        'compare',
        '--case',
        fixturePath('rnn-tanh.case.json'),
        '--impl',
        student,
        '--reference',
        'ops',
        '--out',
        'steps-note',
      ],
      dir,
    );
    expect(run.code).toBe(0);
    const note = `per-step check not run: ${needsTerms}`;
    expect(run.stdout).toContain(`note: ${note}`);
    expect(readFileSync(join(dir, 'steps-note/report.md'), 'utf8')).toContain(`Note: ${note}.`);
    const html = readFileSync(join(dir, 'steps-note/report.html'), 'utf8');
    expect(html).toContain(
      `<p>No per-step detail in this run (${note}): the error-against-step chart is left out.</p>`,
    );
    expect(html).not.toMatch(/needs full BPTT/);
    expect(existsSync(join(dir, 'steps-note/steps.csv'))).toBe(false);
  });

  it('refuses a --timeout of 0 or below', async () => {
    const run = await cli(['compare', '--impl', mod('throws.mjs'), '--timeout', '0'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--timeout is "0", expected a positive number/);
  });
});

describe('verify', () => {
  it('passes gradients computed outside TypeScript (PyTorch float64: test/fixtures/README.md)', async () => {
    const run = await cli(
      [
        'verify',
        '--case',
        fixturePath('rnn-sigmoid-bias-batch.case.json'),
        '--grads',
        fixturePath('rnn-sigmoid-bias-batch.grads.json'),
        '--json',
        '--out',
        'v1',
      ],
      dir,
    );
    expect(run.code).toBe(0);
    const c = JSON.parse(run.stdout).cases[0];
    expect(new Set(c.rows.map((r: { a: string; r: string }) => `${r.a} vs ${r.r}`))).toEqual(
      new Set([
        'yours vs tfjs-layers',
        'yours vs tfjs-ops',
        'tfjs-layers vs tfjs-ops',
        'yours vs fd',
        'tfjs-layers vs fd',
        'tfjs-ops vs fd',
      ]),
    );
  });

  it('names the pattern of a wrong gradients file, reports a missing tensor per tensor, and writes JUnit', async () => {
    // the clipped PyTorch gradients are the true ones × 0.5/‖g‖: a scaled gradient
    const run = await cli(
      [
        'verify',
        '--case',
        fixturePath('rnn-tanh.case.json'),
        '--grads',
        fixturePath('rnn-tanh.clipnorm0.5.grads.json'),
        '--reference',
        'ops',
        '--junit',
        'junit.xml',
        '--json',
        '--out',
        'v2',
      ],
      dir,
    );
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).cases[0].diagnosis.map((d: { pattern: string }) => d.pattern)).toEqual([
      'scaled',
      'scaled',
      'scaled',
    ]);
    const xml = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(join(dir, 'junit.xml'), 'utf8'));
    const cases = xml.testsuites.testsuite.testcase as { '@_name': string; failure?: { '@_message': string } }[];
    expect(cases.map((t) => t['@_name'])).toEqual(['loss', 'U', 'W', 'V']);
    expect(cases.find((t) => t['@_name'] === 'W')!.failure!['@_message']).toMatch(
      /yours vs tfjs-ops: relErrNorm .*Diagnosis: scaled/,
    );
    expect(cases.find((t) => t['@_name'] === 'loss')!.failure).toBeUndefined();
    expect(xml.testsuites['@_failures']).toBe('3');

    const partial = JSON.parse(readFileSync(fixturePath('rnn-tanh.grads.json'), 'utf8'));
    delete partial.gradients.V;
    writeFileSync(join(dir, 'partial.json'), JSON.stringify(partial));
    const p = await cli(
      [
        'verify',
        '--case',
        fixturePath('rnn-tanh.case.json'),
        '--grads',
        'partial.json',
        '--reference',
        'ops',
        '--json',
        '--out',
        'v3',
      ],
      dir,
    );
    expect(p.code).toBe(1);
    const v = JSON.parse(p.stdout).cases[0].rows.find((r: { tensor: string }) => r.tensor === 'V');
    expect(v).toMatchObject({ pass: false, reason: 'yours gives no V' });
  });

  it('appends the Markdown summary to GITHUB_STEP_SUMMARY', async () => {
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '# earlier step\n');
    const run = await withEnv({ GITHUB_STEP_SUMMARY: summary }, () =>
      cli(
        [
          'verify',
          '--case',
          fixturePath('rnn-tanh.case.json'),
          '--grads',
          fixturePath('rnn-tanh.grads.json'),
          '--reference',
          'ops',
          '--out',
          'v4',
        ],
        dir,
      ),
    );
    expect(run.code).toBe(0);
    const text = readFileSync(summary, 'utf8');
    expect(text).toMatch(/^# earlier step\n# bptt-check verify: PASS/);
  });

  it.each([
    [
      'an extra tensor',
      (g: any) => (g.gradients.Z = [[1]]),
      /gradients\.Z is not a tensor of this case, expected only U, W, V/,
    ],
    ['a wrong shape', (g: any) => g.gradients.W.pop(), /gradients\.W is 5×6, expected H×H = 6×6/],
    [
      'a transposed non-square tensor',
      (g: any) =>
        (g.gradients.U = g.gradients.U[0].map((_: number, j: number) => g.gradients.U.map((r: number[]) => r[j]))),
      /gradients\.U is 5×6, expected H×I = 6×5 \(that is the transpose/,
    ],
    ['a newer schemaVersion', (g: any) => (g.schemaVersion = 2), /schemaVersion is 2, expected 1/],
    ['a malformed file', null, /is not valid JSON/],
    ['an unreadable path', 'missing', /gradients file ".*nowhere\.json" cannot be read \(no such file\)/],
  ] as [string, ((g: any) => void) | null | 'missing', RegExp][])(
    '%s gets exit 2 naming the tensor or field, and nothing written',
    async (_what, edit, pattern) => {
      const g = JSON.parse(readFileSync(fixturePath('rnn-tanh.grads.json'), 'utf8'));
      const path = join(dir, `bad-${_what.replace(/ /g, '-')}.json`);
      if (edit !== 'missing') writeFileSync(path, edit ? (edit(g), JSON.stringify(g)) : '{"loss": ');
      const run = await cli(
        [
          'verify',
          '--case',
          fixturePath('rnn-tanh.case.json'),
          '--grads',
          edit === 'missing' ? join(dir, 'nowhere.json') : path,
          '--out',
          'never',
        ],
        dir,
      );
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(pattern);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    },
  );
});

describe('gate-order diagnosis', () => {
  it('names two swapped gate blocks: a GRU written out in PyTorch’s order r, z, n', async () => {
    expect(
      (await cli(['case', '--cell', 'gru', '--bias', '--steps', '6', '--seed', '4', '--out', 'gru.case.json'], dir))
        .code,
    ).toBe(0);
    const g = await cli(['grads', '--case', 'gru.case.json', '--impl', 'hand'], dir);
    const file = JSON.parse(g.stdout);
    for (const x of ['U', 'W', 'b'])
      [file.gradients[`${x}_z`], file.gradients[`${x}_r`]] = [file.gradients[`${x}_r`], file.gradients[`${x}_z`]];
    writeFileSync(join(dir, 'gru-swapped.json'), JSON.stringify(file));
    const run = await cli(
      [
        'verify',
        '--case',
        'gru.case.json',
        '--grads',
        'gru-swapped.json',
        '--reference',
        'ops',
        '--json',
        '--out',
        'gate',
      ],
      dir,
    );
    expect(run.code).toBe(1);
    const d = JSON.parse(run.stdout).cases[0].diagnosis as { tensor: string; pattern: string; detail: string }[];
    expect(d.map((x) => `${x.tensor}:${x.pattern}`).sort()).toEqual([
      'U_r:gate-order',
      'U_z:gate-order',
      'W_r:gate-order',
      'W_z:gate-order',
      'b_r:gate-order',
      'b_z:gate-order',
    ]);
    expect(d.find((x) => x.tensor === 'W_z')!.detail).toMatch(
      /W_z holds the gradient of W_r: gates z and r are swapped/,
    );
  });
});

const rowsOf = (stdout: string) =>
  JSON.parse(stdout).cases[0].rows as { tensor: string; a: string; r: string; pass: boolean; reason?: string }[];

describe('a tensor missing from the side under test is a failing row of its own, with finite differences on too', () => {
  it('verify (fd full by default) of a file without initialState: exit 1, a failing row per pair, every other tensor checked', async () => {
    expect((await cli(['case', '--initial-state', '--bias', '--seed', '5', '--out', 'c5.json'], dir)).code).toBe(0);
    const g = JSON.parse((await cli(['grads', '--impl', 'hand', '--case', 'c5.json'], dir)).stdout);
    delete g.gradients.initialState;
    writeFileSync(join(dir, 'no-s0.json'), JSON.stringify(g));
    const run = await cli(['verify', '--case', 'c5.json', '--grads', 'no-s0.json', '--json', '--out', 'miss1'], dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const rows = rowsOf(run.stdout);
    const missing = rows.filter((r) => r.tensor === 'initialState' && r.a === 'yours');
    expect(missing.map((r) => r.r)).toEqual(['tfjs-layers', 'tfjs-ops', 'fd']);
    expect(missing.every((r) => !r.pass && r.reason === 'yours gives no initialState')).toBe(true);
    const others = rows.filter((r) => r.tensor !== 'initialState');
    expect(new Set(others.filter((r) => r.r === 'fd').map((r) => r.tensor))).toEqual(
      new Set(['U', 'W', 'b', 'V', 'c']),
    );
    expect(others.every((r) => r.pass)).toBe(true);
    expect(JSON.parse(run.stdout).cases[0].disagreement).toMatch(/; yours gives no initialState, which the case has$/);
    // a tensor not given has no measures: every format says so instead of NaN
    const md = readFileSync(join(dir, 'miss1/report.md'), 'utf8');
    expect(md).toMatch(/\| initialState \| 1×16 \| yours vs fd \| not given \| not given \| not given \| not given \|/);
    for (const f of ['report.md', 'report.html', 'summary.csv'])
      expect(readFileSync(join(dir, 'miss1', f), 'utf8')).not.toMatch(/\bNaN\b/);
    // the per-step check did not run for the reason that holds for a file, not "needs full BPTT"
    const html = readFileSync(join(dir, 'miss1/report.html'), 'utf8');
    expect(html).toContain(
      'No per-step detail in this run (per-step check not run: a gradients file holds the total gradients, not the per-step terms it needs)',
    );
    expect(md).toMatch(/the pair yours vs fd is held to atol 1e-8, rtol 0\.000001\./);
  });

  it('diagnoses the other failing tensors of a file that also lacks one (V missing, W transposed)', async () => {
    const g = JSON.parse((await cli(['grads', '--impl', 'hand', '--case', 'c5.json'], dir)).stdout);
    delete g.gradients.V;
    g.gradients.W = g.gradients.W[0].map((_: number, j: number) => g.gradients.W.map((r: number[]) => r[j]));
    writeFileSync(join(dir, 'no-v-wt.json'), JSON.stringify(g));
    const run = await cli(['verify', '--case', 'c5.json', '--grads', 'no-v-wt.json', '--json', '--out', 'miss2'], dir);
    expect(run.code).toBe(1);
    const c = JSON.parse(run.stdout).cases[0];
    expect(c.diagnosis.map((d: { tensor: string; pattern: string }) => `${d.tensor}:${d.pattern}`)).toEqual([
      'W:transposed',
    ]);
    expect(
      c.rows
        .filter((r: { tensor: string; a: string }) => r.tensor === 'V' && r.a === 'yours')
        .every((r: { reason?: string }) => r.reason === 'yours gives no V'),
    ).toBe(true);
  });

  it('compare --impl with a module that gives no V and --fd fast: exit 1, "gives no V", no full rerun of V, the rest checked', async () => {
    const run = await cli(
      ['compare', '--impl', mod('no-v.mjs'), '--bias', '--initial-state', '--fd', 'fast', '--json', '--out', 'miss3'],
      dir,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const rows = rowsOf(run.stdout);
    const v = rows.filter((r) => r.tensor === 'V' && r.a === 'yours');
    expect(v.map((r) => r.r)).toEqual(['tfjs-layers', 'tfjs-ops', 'fd']);
    expect(v.every((r) => !r.pass && r.reason === 'yours gives no V')).toBe(true);
    expect(rows.some((r) => r.r === 'fd (full rerun)')).toBe(false);
    expect(new Set(rows.filter((r) => r.a === 'yours' && r.r === 'fd').map((r) => r.tensor))).toEqual(
      new Set(['U', 'W', 'b', 'V', 'c', 'initialState']),
    );
    expect(rows.filter((r) => r.tensor !== 'V').every((r) => r.pass)).toBe(true);
  });
});

describe('clipping is applied to the references only: the side under test is compared as it gives its gradients', () => {
  it('a module that never clips fails under --clip-value (it used to be clipped by the harness and pass)', async () => {
    const run = await cli(
      ['compare', '--impl', mod('ignores-clip.mjs'), '--bias', '--clip-value', '0.05', '--json', '--out', 'clip1'],
      dir,
    );
    expect(run.code).toBe(1);
    const failing = new Set(
      rowsOf(run.stdout)
        .filter((r) => !r.pass)
        .map((r) => `${r.tensor} ${r.a} vs ${r.r}`),
    );
    expect(failing.has('W yours vs tfjs-ops')).toBe(true);
    expect([...failing].every((f) => f.includes('yours vs'))).toBe(true);
  });

  it('a module that honours options.clipValue and options.clipNorm passes, against fd too; the report lists only the sides clipped here', async () => {
    const run = await cli(
      [
        'compare',
        '--impl',
        mod('student-rnn.mjs'),
        '--bias',
        '--initial-state',
        '--clip-value',
        '0.05',
        '--clip-norm',
        '0.5',
        '--fd',
        'full',
        '--json',
        '--out',
        'clip2',
      ],
      dir,
    );
    expect(run.code).toBe(0);
    const c = JSON.parse(run.stdout).cases[0];
    expect(Object.keys(c.clip).sort()).toEqual(['tfjs-layers', 'tfjs-ops']);
    expect(c.clip['tfjs-ops'].normAfter).toBeCloseTo(0.5, 5);
  });

  it('examples/my-bptt.mjs clips itself and passes --clip-value 0.05', async () => {
    const example = fileURLToPath(new URL('../../examples/my-bptt.mjs', import.meta.url));
    expect(
      (await cli(['compare', '--impl', example, '--bias', '--clip-value', '0.05', '--out', 'clip3'], dir)).code,
    ).toBe(0);
  });

  it('verify --clip-norm compares the file as given: PyTorch’s clip_grad_norm_ output passes, the unclipped gradients fail', async () => {
    const args = ['verify', '--case', fixturePath('rnn-tanh.case.json'), '--clip-norm', '0.5', '--json'];
    const clipped = await cli(
      [...args, '--grads', fixturePath('rnn-tanh.clipnorm0.5.grads.json'), '--out', 'clip4'],
      dir,
    );
    expect(clipped.stderr).toBe('');
    expect(clipped.code).toBe(0);
    const raw = await cli([...args, '--grads', fixturePath('rnn-tanh.grads.json'), '--out', 'clip5'], dir);
    expect(raw.code).toBe(1);
    expect(
      rowsOf(raw.stdout)
        .filter((r) => !r.pass)
        .every((r) => r.a === 'yours'),
    ).toBe(true);
  });
});

describe('compare --impl holds the module to the precision of its output', () => {
  const args = ['compare', '--impl', mod('float32-rnn.mjs'), '--bias', '--initial-state', '--fd', 'full', '--json'];

  it('a module that computes in float32 (Float32Array) passes, detected as float32', async () => {
    const run = await cli([...args, '--out', 'f32'], dir);
    expect(run.code).toBe(0);
    const c = JSON.parse(run.stdout).cases[0];
    expect(c.dtype).toEqual({ dtype: 'float32', source: 'detected' });
    expect(c.notes.filter((n: string) => n.startsWith('float32 detected'))).toHaveLength(1);
  });

  it('the same module held to --dtype float64 fails on its fd pair alone; the float64 module passes --dtype float64', async () => {
    const run = await cli([...args, '--dtype', 'float64', '--out', 'f32as64'], dir);
    expect(run.code).toBe(1);
    expect([
      ...new Set(
        rowsOf(run.stdout)
          .filter((r) => !r.pass)
          .map((r) => `${r.a} vs ${r.r}`),
      ),
    ]).toEqual(['yours vs fd']);
    const f64 = await cli(
      ['compare', '--impl', mod('student-rnn.mjs'), '--bias', '--fd', 'full', '--dtype', 'float64', '--out', 'f64'],
      dir,
    );
    expect(f64.code).toBe(0);
  });

  it('--dtype without --impl exits 2: the built-in side is float64', async () => {
    const run = await cli(['compare', '--dtype', 'float32', '--out', 'never'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /--dtype is float32 for the subject hand \(the built-in hand-written BPTT\), which computes in float64, expected no --dtype/,
    );
  });
});
