/**
 * A student's numpy LSTM and GRU BPTT (examples/python/gated_bptt.py, plain loops over t, driven by
 * test/users/numpy_gated.py) checked through the real CLI: `bptt-check case` writes the case, the numpy code
 * writes the gradients file, `bptt-check verify` passes it against the tfjs references and the finite
 * differences. Independent expected values: the PyTorch float64 fixtures, the float64 finite differences,
 * and for truncation and detaching (which verify does not take) the `grads` files of the hand side and
 * tfjs-ops.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { fixturePath, relErr } from '../helpers/fixtures.js';
import { findPython } from '../helpers/python.js';

const DRIVER = fileURLToPath(new URL('./numpy_gated.py', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bptt-numpy-gated-'));

const python = findPython();
if (!python)
  console.warn(
    'test/users/numpy-gated.test.ts skipped: no python3 that can import numpy (apt-get install python3-numpy)',
  );

const numpy = (kase: string, out: string, ...flags: string[]) =>
  execFileSync(python!, [DRIVER, kase, out, ...flags], { cwd: dir });

type Nested = number | Nested[];
interface GradsFile {
  loss: number;
  gradients: Record<string, Nested>;
  adjoints?: Record<string, Nested>;
}
const read = (file: string): GradsFile => JSON.parse(readFileSync(join(dir, file), 'utf8')) as GradsFile;
const flat = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);

/** The worst ‖a − r‖/‖r‖ over the loss and every tensor of r; a tensor missing from a fails. */
function worst(a: GradsFile, r: GradsFile): number {
  expect(Object.keys(a.gradients).sort()).toEqual(Object.keys(r.gradients).sort());
  let e = relErr([a.loss], [r.loss]);
  for (const [name, v] of Object.entries(r.gradients)) e = Math.max(e, relErr(flat(a.gradients[name]!), flat(v)));
  return e;
}

const caseFlags = (cell: string, extra: string[]) => [
  'case',
  '--cell',
  cell,
  '--input-size',
  '4',
  '--hidden-size',
  '5',
  '--steps',
  '6',
  ...extra,
];

// a handful of cases: both cells, with and without bias, an initial state, batch 2, token and dense inputs,
// every activation and both recurrent activations
const CASES: [string, string, string[]][] = [
  ['lstm-tanh-hard', 'lstm', ['--activation', 'tanh', '--recurrent-activation', 'hardSigmoid', '--seed', '1']],
  [
    'lstm-relu-sigmoid-bias-s0-b2-dense',
    'lstm',
    [
      ...['--activation', 'relu', '--recurrent-activation', 'sigmoid', '--bias', '--initial-state'],
      ...['--batch', '2', '--dense-inputs', '--seed', '2'],
    ],
  ],
  [
    'gru-linear-sigmoid-bias-s0-b2',
    'gru',
    [
      ...['--activation', 'linear', '--recurrent-activation', 'sigmoid', '--bias', '--initial-state'],
      ...['--batch', '2', '--seed', '3'],
    ],
  ],
  [
    'gru-sigmoid-hard-dense',
    'gru',
    ['--activation', 'sigmoid', '--recurrent-activation', 'hardSigmoid', '--dense-inputs', '--seed', '4'],
  ],
];

/**
 * ∂L/∂s_t (and the LSTM's ∂L/∂c_t) by central differences, from a forward pass of its own written here: a probe
 * added to s_t (to c_t, before s_t = o ⊙ act(c_t) is computed from it) after the step computes it. Prints the
 * worst ‖a − fd‖/‖fd‖ of the adjoints in the gradients file.
 */
const ADJOINTS_BY_FD = String.raw`
import json, sys
import numpy as np
case, grads = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
m = case["model"]; P = {k: np.array(v, dtype=float) for k, v in case["params"].items()}
ys = case["targets"]; B, T, H = len(ys), len(ys[0]), m["hiddenSize"]
X = np.zeros((B, T, m["inputSize"]))
for n in range(B):
    for t in range(T):
        if "inputs" in case: X[n, t, case["inputs"][n][t]] = 1
        else: X[n, t] = case["inputVectors"][n][t]
act = {"tanh": np.tanh, "sigmoid": lambda a: 1 / (1 + np.exp(-a)), "relu": lambda a: np.maximum(a, 0), "linear": lambda a: a}[m["activation"]]
sig = {"sigmoid": lambda a: 1 / (1 + np.exp(-a)), "hardSigmoid": lambda a: np.clip(0.2 * a + 0.5, 0, 1)}[m["recurrentActivation"]]
lin = lambda g, x, h: P["U_" + g] @ x + P["W_" + g] @ h + (P["b_" + g] if m["bias"] else 0)
cs = np.zeros((B, T, H))  # c_t of the unprobed pass
def loss(ps, pc):
    total = 0.0
    for n in range(B):
        h = np.array(case["initialState"][n]) if "initialState" in case else np.zeros(H); c = np.zeros(H)
        for t in range(T):
            x = X[n, t]
            if m["cell"] == "lstm":
                c = sig(lin("f", x, h)) * c + sig(lin("i", x, h)) * act(lin("g", x, h)) + pc[n, t]
                h = sig(lin("o", x, h)) * act(c) + ps[n, t]
                if not ps.any() and not pc.any(): cs[n, t] = c
            else:
                z, r = sig(lin("z", x, h)), sig(lin("r", x, h))
                hh = act(P["U_h"] @ x + P["W_h"] @ (r * h) + (P["b_h"] if m["bias"] else 0))
                h = z * h + (1 - z) * hh + ps[n, t]
            zz = P["V"] @ h + (P["c"] if m["bias"] else 0)
            total += np.log(np.sum(np.exp(zz - zz.max()))) + zz.max() - zz[ys[n][t]]
    return total
loss(np.zeros((B, T, H)), np.zeros((B, T, H)))  # fills cs
worst = 0.0
names = ["c", "s"] if m["cell"] == "lstm" else ["s"]
assert sorted(grads["adjoints"]) == names, sorted(grads["adjoints"])
for name in names:
    fd = np.zeros((B, T, H))
    for idx in np.ndindex(B, T, H):
        probes = {"s": np.zeros((B, T, H)), "c": np.zeros((B, T, H))}
        probes[name][idx] = 1e-6; up = loss(probes["s"], probes["c"])
        probes[name][idx] = -1e-6; down = loss(probes["s"], probes["c"])
        fd[idx] = (up - down) / 2e-6
    a = np.array(grads["adjoints"][name])
    # relu at c_t = 0 exactly (g = 0 from the start: a kink) has no derivative to difference: left out
    keep = (cs != 0) if name == "c" and m["activation"] == "relu" else np.ones((B, T, H), dtype=bool)
    assert keep.sum() >= B * T * H // 2, keep.sum()
    worst = max(worst, np.linalg.norm((a - fd)[keep]) / np.linalg.norm(fd[keep]))
print(worst)
`;

describe.skipIf(!python)('a numpy LSTM and GRU BPTT through bptt-check verify', () => {
  it.each(CASES)(
    '%s: verify passes against tfjs-layers, tfjs-ops and every finite difference',
    async (id, cell, extra) => {
      expect((await cli([...caseFlags(cell, extra), '--out', `${id}.case.json`], dir)).code).toBe(0);
      numpy(`${id}.case.json`, `${id}.grads.json`);
      const run = await cli(
        ['verify', '--case', `${id}.case.json`, '--grads', `${id}.grads.json`, '--json', '--out', `v-${id}`],
        dir,
      );
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const c = JSON.parse(run.stdout).cases[0];
      expect(c.dtype).toEqual({ dtype: 'float64', source: 'detected' });
      const pairs = new Set(c.rows.map((r: { a: string; r: string }) => `${r.a} vs ${r.r}`));
      for (const pair of ['yours vs tfjs-layers', 'yours vs tfjs-ops', 'yours vs fd'])
        expect(pairs.has(pair)).toBe(true);
      if (extra.includes('--initial-state')) expect(read(`${id}.grads.json`).gradients.initialState).toBeDefined();
    },
  );

  it.each(CASES)('%s: the adjoints ∂L/∂s_t (and ∂L/∂c_t) equal central differences of the loss', (id) => {
    numpy(`${id}.case.json`, `${id}.adjoints.json`, '--adjoints');
    const err = Number(
      execFileSync(python!, ['-c', ADJOINTS_BY_FD, `${id}.case.json`, `${id}.adjoints.json`], { cwd: dir }),
    );
    expect(err).toBeLessThan(1e-6);
    numpy(`${id}.case.json`, `${id}.truncated.json`, '--truncate', '2', '--adjoints');
    expect(read(`${id}.truncated.json`).adjoints).toBeUndefined(); // no one ∂L/∂s_t: each output has its own window
  });

  it.each(['lstm-sigmoid-bias', 'lstm-hardsigmoid', 'gru-hardsigmoid-dense', 'gru-sigmoid-bias-s0'])(
    'the PyTorch fixture %s: the numpy gradients equal PyTorch float64 autograd to 1e-10',
    async (name) => {
      numpy(fixturePath(`${name}.case.json`), `${name}.numpy.json`);
      const expected = JSON.parse(readFileSync(fixturePath(`${name}.grads.json`), 'utf8')) as GradsFile;
      expect(worst(read(`${name}.numpy.json`), expected)).toBeLessThan(1e-10);
    },
  );

  it('--clip-norm 1: the clipped numpy gradients pass verify --clip-norm 1, the unclipped ones fail it', async () => {
    const id = 'lstm-relu-sigmoid-bias-s0-b2-dense';
    numpy(`${id}.case.json`, 'clipped.grads.json', '--clip-norm', '1');
    const g = read('clipped.grads.json');
    const params = Object.entries(g.gradients).filter(([name]) => name !== 'initialState');
    expect(Math.hypot(...params.flatMap(([, v]) => flat(v)))).toBeCloseTo(1, 12); // clipping was active
    expect(flat(g.gradients.initialState!)).toEqual(flat(read(`${id}.grads.json`).gradients.initialState!)); // not a parameter
    const verify = (file: string, out: string) =>
      cli(['verify', '--case', `${id}.case.json`, '--grads', file, '--clip-norm', '1', '--out', out], dir);
    expect((await verify('clipped.grads.json', 'v-clipped')).code).toBe(0);
    expect((await verify(`${id}.grads.json`, 'v-unclipped')).code).toBe(1);
  });

  it.each([[['--clip-value', '0.1']], [['--clip-value', '0.1', '--clip-norm', '0.5']]])(
    'GRU %j: the numpy gradients, clipped by the numpy code, pass verify with the same clipping',
    async (flags) => {
      const id = 'gru-linear-sigmoid-bias-s0-b2';
      const out = `clipped${flags.join('')}.grads.json`;
      numpy(`${id}.case.json`, out, ...flags);
      const values = Object.entries(read(out).gradients).flatMap(([name, v]) =>
        name === 'initialState' ? [] : flat(v),
      );
      const unclipped = Object.entries(read(`${id}.grads.json`).gradients).flatMap(([name, v]) =>
        name === 'initialState' ? [] : flat(v),
      );
      expect(unclipped.filter((x) => Math.abs(x) > 0.1).length).toBeGreaterThan(10); // the clip does something
      expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(0.1);
      if (flags.includes('--clip-norm')) expect(Math.hypot(...values)).toBeCloseTo(0.5, 12);
      const verify = (file: string, outDir: string) =>
        cli(['verify', '--case', `${id}.case.json`, '--grads', file, ...flags, '--out', outDir], dir);
      expect((await verify(out, `v-${out}`)).code).toBe(0);
      expect((await verify(`${id}.grads.json`, `v-unclipped-${out}`)).code).toBe(1);
    },
  );

  it.each([
    ['lstm', 'lstm-relu-sigmoid-bias-s0-b2-dense', '--truncate', '2'],
    ['gru', 'gru-linear-sigmoid-bias-s0-b2', '--truncate', '2'],
    ['lstm', 'lstm-relu-sigmoid-bias-s0-b2-dense', '--detach-every', '2'],
    ['gru', 'gru-linear-sigmoid-bias-s0-b2', '--detach-every', '4'],
  ])(
    '%s %s %s %s: the numpy gradients equal the hand side to 1e-10 and tfjs-ops to float32',
    async (_cell, id, flag, k) => {
      const out = `${id}${flag}${k}`;
      numpy(`${id}.case.json`, `${out}.numpy.json`, flag, k);
      for (const impl of ['hand', 'tfjs-ops'])
        expect(
          (
            await cli(
              ['grads', '--case', `${id}.case.json`, '--impl', impl, flag, k, '--out', `${out}.${impl}.json`],
              dir,
            )
          ).code,
        ).toBe(0);
      const mine = read(`${out}.numpy.json`);
      expect(worst(mine, read(`${out}.hand.json`))).toBeLessThan(1e-10);
      expect(worst(mine, read(`${out}.tfjs-ops.json`))).toBeLessThan(1e-5);
      expect(worst(mine, read(`${id}.grads.json`))).toBeGreaterThan(1e-3); // the variant changed the gradients
    },
  );
});
