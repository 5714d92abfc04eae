/**
 * Round trips through every preset and cell it supports: a case written in a convention and read back is the
 * case, and gradients written in the convention by numpy (an independent transformation of ours, below) read back
 * as ours, the hh biases' under their twins.
 */
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { caseFromValidFile, type Case } from '../../src/model/case.js';
import {
  caseFileFromConventions,
  caseInConventions,
  conventionsOf,
  gradientsFromConventions,
  PRESETS,
  twinName,
  withConventions,
  type Conventions,
  type ConventionsOptions,
} from '../../src/model/conventions.js';
import { GENERATE_DEFAULTS, generateCase } from '../../src/model/generate.js';
import { gradientSpecs, type Cell } from '../../src/model/spec.js';
import { findPython } from '../helpers/python.js';

const CELLS: Cell[] = ['rnn', 'lstm', 'gru'];
const caseOf = (cell: Cell, conv: Conventions, dense = false): Case =>
  withConventions(
    generateCase({
      ...GENERATE_DEFAULTS,
      cell,
      bias: true,
      inputSize: 3,
      hiddenSize: 4,
      outputSize: 5,
      steps: 3,
      batch: cell === 'rnn' ? 1 : 2,
      initialState: true,
      denseInputs: dense,
      ...(cell !== 'rnn' ? { recurrentActivation: conv.recurrentActivation ?? 'hardSigmoid' } : {}),
      seed: 7,
    }),
    conv,
  );

/** Every preset, and settings changed on top of some. */
const VARIANTS: ConventionsOptions[] = [
  ...PRESETS.map((p) => ({ conventions: p })),
  { conventions: 'pytorch', concatGates: false },
  { conventions: 'pytorch', layout: 'row', gateOrder: 'o,g,f,i/h,r,z' },
  { conventions: 'keras', twoBiases: true },
  { conventions: 'keras', gruReset: 'before' },
  { conventions: 'ours', layout: 'row', concatGates: true, twoBiases: true, gruReset: 'after' },
  { conventions: 'cs231n', twoBiases: true, gruReset: 'after' },
];
const CASES = VARIANTS.flatMap((v) =>
  CELLS.filter((cell) => v.conventions !== 'min-char-rnn' || cell === 'rnn').map((cell) => ({ v, cell })),
);
const label = (v: ConventionsOptions) => JSON.stringify(v);

const same = (a: Case, b: Case) => {
  expect(b.model).toEqual(a.model);
  expect(Object.keys(b.params).sort()).toEqual(Object.keys(a.params).sort());
  for (const [n, m] of Object.entries(a.params)) expect(Array.from(b.params[n]!.data), n).toEqual(Array.from(m.data));
  expect(Array.from(b.initialState!.data)).toEqual(Array.from(a.initialState!.data));
  expect(b.targets).toEqual(a.targets);
  expect(b.tokens).toEqual(a.tokens);
  expect(b.vectors).toEqual(a.vectors);
  expect(b.reduction).toEqual(a.reduction);
};

/** gradients of ours for a case (any numbers: the conversion is linear), the hh twins different from the bias's */
function oursOf(c: Case): Record<string, number[][]> {
  const ours: Record<string, number[][]> = {};
  let k = 0;
  for (const s of gradientSpecs(c.model, c.batch, true))
    ours[s.name] = Array.from({ length: s.rows }, () => Array.from({ length: s.cols }, () => (k++ % 17) - 8.5));
  for (const n of Object.keys(ours))
    if (/^b(_[a-z])?$/.test(n)) ours[twinName(n)] = ours[n]!.map((r) => r.map((x) => 3 * x + 1));
  return ours;
}
// numpy once for every case (one python process)
let written: Record<string, unknown>[] = [];
beforeAll(() => {
  if (!findPython()) return;
  written = numpyGradients(
    CASES.map(({ v, cell }) => {
      const conv = conventionsOf(v, '');
      return { ours: oursOf(caseOf(cell, conv)), conv, cell, bias: true };
    }),
  );
});

describe.each(CASES.map((x, i) => ({ ...x, i })))('$cell in %#', ({ v, cell, i }) => {
  const conv = conventionsOf(v, '');
  it(`round-trips a case through ${label(v)}`, () => {
    for (const dense of [false, true]) {
      const c = caseOf(cell, conv, dense);
      const file = JSON.parse(JSON.stringify(caseInConventions(c, conv))) as Record<string, unknown>;
      const back = withConventions(caseFromValidFile(caseFileFromConventions(file, conv, 'x.json'), 'x'), conv);
      same(c, back);
      // the model inferred from the shapes, when the preset's σ and tanh are the case's
      if (cell === 'rnn' || conv.recurrentActivation) {
        delete file.model;
        same(c, withConventions(caseFromValidFile(caseFileFromConventions(file, conv, 'x.json'), 'x'), conv));
      }
    }
  });

  it.skipIf(!findPython())(`reads gradients numpy wrote in ${label(v)}`, () => {
    const c = caseOf(cell, conv);
    const ours = oursOf(c);
    const user = written[i]!;
    const got = gradientsFromConventions(user, c, 'g.json');
    const twoBiases = conv.twoBiases || (conv.names === 'keras' && cell === 'gru' && conv.gruReset === 'after');
    const expected = Object.keys(ours).filter(
      (n) => !n.endsWith('~hh') || (twoBiases && !(cell === 'gru' && conv.gruReset === 'after' && n === 'b_h~hh')),
    );
    expect(Object.keys(got).sort()).toEqual(expected.sort());
    for (const n of expected) expect(Array.from(got[n]!.data), n).toEqual(ours[n]!.flat());
  });
});

/**
 * A student's numpy: ours → the convention's gradients file. Names per common.md's table; gates stacked in
 * the order (rows; the row layout transposes every matrix), the hh bias's twin under its name.
 */
const NUMPY = String.raw`
import json, sys
import numpy as np
def convert(a):
  g = {k: np.array(v) for k, v in a['ours'].items()}; c = a['conv']
  N = {'ours': ('U','W','b','b_hh','V','c','initialState'), 'wildml': ('U','W','b','b_hh','V','c','initialState'),
       'pytorch': ('weight_ih_l0','weight_hh_l0','bias_ih_l0','bias_hh_l0','linear.weight','linear.bias','h0'),
       'keras': ('kernel','recurrent_kernel','bias',None,'dense.kernel','dense.bias','initial_state'),
       'tfjs': ('kernel','recurrent_kernel','bias',None,'dense.kernel','dense.bias','initial_state'),
       'cs231n': ('Wx','Wh','b','b_hh','W_vocab','b_vocab','h0'),
       'min-char-rnn': ('Wxh','Whh','bh','bh_hh','Why','by','hprev')}[c['names']]
  cell = a['cell']; after = cell == 'gru' and c['gruReset'] == 'after'; row = c['layout'] == 'row'
  gates = [''] if cell == 'rnn' else c['gateOrder'][cell]
  nm = lambda base, gs: base if len(gs) > 1 or gs == [''] else base + '_' + gs[0]
  key = lambda base, q: base if q == '' else base + '_' + q
  T = lambda m: m.T if row else m
  vec = lambda m: m.reshape(-1, 1) if c['vectorShape'] == 'H×1' else m.reshape(-1)
  two = c['twoBiases'] or (N[3] is None and after)
  groups = [gates] if c['concatGates'] or cell == 'rnn' else [[q] for q in gates]
  out = {}
  for gs in groups:
      out[nm(N[0], gs)] = T(np.vstack([g[key('U', q)] for q in gs]))
      out[nm(N[1], gs)] = T(np.vstack([g[key('W', q)] for q in gs]))
      if not a['bias']: continue
      ih = np.vstack([g[key('b', q)] for q in gs]).reshape(-1)
      if not two:
          out[nm(N[2], gs)] = vec(ih)
          continue
      hh = np.vstack([g['b_Wh'] if after and q == 'h' else g[key('b', q) + '~hh'] for q in gs]).reshape(-1)
      if N[3] is None: out[nm(N[2], gs)] = np.vstack([ih, hh])
      else:
          out[nm(N[2], gs)] = vec(ih)
          out['b_Wh' if after and gs == ['h'] and c['names'] in ('ours', 'wildml') else nm(N[3], gs)] = vec(hh)
  if a['bias'] and after and not two: out['b_Wh'] = g['b_Wh'].reshape(-1)
  out[N[4]] = T(g['V'])
  if a['bias']: out[N[5]] = vec(g['c'])
  h0 = g['initialState']
  out[N[6]] = h0.reshape(-1, 1) if h0.shape[0] == 1 and c['vectorShape'] == 'H×1' else h0
  return {k: v.tolist() for k, v in out.items()}
json.dump([convert(a) for a in json.load(sys.stdin)], sys.stdout)
`;

function numpyGradients(
  cases: { ours: Record<string, number[][]>; conv: Conventions; cell: Cell; bias: boolean }[],
): Record<string, unknown>[] {
  const input = JSON.stringify(cases);
  return JSON.parse(execFileSync(findPython()!, ['-c', NUMPY], { input, encoding: 'utf8' })) as Record<
    string,
    unknown
  >[];
}
