/**
 * handGradients runs in the kernels' heap on the WebAssembly kernels. Checked here: it agrees with the
 * JavaScript kernels on every kind of case, the heap grows for a case larger than it (and the computation
 * is redone, not left half in one and half in the other), and no result stays in the heap, where the next
 * call would overwrite it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { handGradients } from '../../src/bptt/index.js';
import { heapBytes, inHeap, kernelsInUse, useSimd } from '../../src/kernels/heap.js';
import { GENERATE_DEFAULTS, generateCase, type GenerateOptions } from '../../src/model/generate.js';
import type { BackwardResult } from '../../src/bptt/index.js';
import { relErr } from '../helpers/fixtures.js';
import { fdOracle } from '../../src/fd/oracle.js';

const make = (o: Partial<GenerateOptions>) => generateCase({ ...GENERATE_DEFAULTS, ...o });

function withKernels(simd: boolean, f: () => BackwardResult): BackwardResult {
  expect(useSimd(simd)).toMatch(simd ? /^wasm-simd$/ : /^js /);
  try {
    return f();
  } finally {
    useSimd(true);
  }
}

/** worst relErr over the tensors of two results, and the loss */
function worst(a: BackwardResult, b: BackwardResult): number {
  let w = Math.abs(a.loss - b.loss) / Math.abs(b.loss);
  for (const k of Object.keys(b.tensors)) w = Math.max(w, relErr(a.tensors[k]!.data, b.tensors[k]!.data));
  return w;
}

afterEach(() => void useSimd(true));

describe("finite differences on the kernels' heap", () => {
  it('measure the same whether or not the heap had to grow during the run, and agree with the JavaScript kernels', () => {
    const c = make({ hiddenSize: 48, steps: 1000, batch: 4 }); // the forward pass alone needs 1.8 MB; the heap starts at 1 MiB
    const before = heapBytes();
    const first = fdOracle(c, { kind: 'fast', k: 2 }, 5);
    expect(heapBytes()).toBeGreaterThan(before);
    const again = fdOracle(c, { kind: 'fast', k: 2 }, 5); // the heap is large enough now: one pass
    first.forEach((p, i) => {
      expect(p.values).toEqual(again[i]!.values);
      p.directions.forEach((v, k) => expect(v).toEqual(again[i]!.directions[k]));
    });
    useSimd(false);
    const js = fdOracle(c, { kind: 'fast', k: 2 }, 5);
    useSimd(true);
    first.forEach((p, i) => expect(relErr(p.values, js[i]!.values)).toBeLessThan(1e-9));
  });
});

describe("handGradients on the kernels' heap", () => {
  it('grows the heap for a case larger than it and agrees with the JavaScript kernels there', () => {
    const big = make({ hiddenSize: 64, inputSize: 16, steps: 3000, batch: 2 }); // about 8 MB in all, more than the heap has grown to before it
    const before = heapBytes();
    const simd = handGradients(big);
    expect(heapBytes()).toBeGreaterThan(before);
    const js = withKernels(false, () => handGradients(big));
    expect(worst(simd, js)).toBeLessThan(1e-12);
  });

  it.each([
    ['rnn tanh, tokens', {}],
    [
      'rnn sigmoid, bias, dense inputs, batch 3, initial state',
      { activation: 'sigmoid', bias: true, denseInputs: true, batch: 3, initialState: true },
    ],
    ['rnn relu, odd sizes', { activation: 'relu', inputSize: 7, hiddenSize: 13, outputSize: 5, steps: 9 }],
    ['lstm, bias, dense inputs, initial state', { cell: 'lstm', bias: true, denseInputs: true, initialState: true }],
    ['gru, sigmoid gates, batch 2', { cell: 'gru', recurrentActivation: 'sigmoid', batch: 2, hiddenSize: 15 }],
  ] as [string, Partial<GenerateOptions>][])('agrees with the JavaScript kernels: %s', (_, o) => {
    const c = make({ steps: 23, ...o });
    const js = withKernels(false, () => handGradients(c));
    const simd = withKernels(true, () => handGradients(c, { keepSteps: true }));
    expect(kernelsInUse()).toBe('wasm-simd');
    expect(worst(simd, js)).toBeLessThan(1e-12);
  });

  it('leaves nothing of its result in the heap: a later call does not change it', () => {
    const a = handGradients(make({ seed: 1 }), { keepSteps: true });
    const arrays = [...Object.values(a.tensors).map((m) => m.data), a.steps!.ds, a.steps!.da];
    const saved = arrays.map((x) => x.slice());
    for (const x of arrays) expect(inHeap(x)).toBe(false);
    handGradients(make({ seed: 2, hiddenSize: 24 }), { keepSteps: true });
    arrays.forEach((x, i) => expect(x).toEqual(saved[i]));
  });
});
