/**
 * Oracle 1, "tfjs-layers": the cell's tf.layers layer (cells/*, returnSequences) followed by
 * tf.layers.dense, weights set from the case through layout.ts, loss tf.losses.softmaxCrossEntropy with
 * SUM reduction and weights w_bt = scale · m_bt (layout.ts lossWeights: the mask and the case's reduction),
 * and gradients from tf.variableGrads with respect to the layers' own variables.
 */
import type { Case } from '../src/model/case.js';
import type { Gradients } from '../src/model/gradients.js';
import type { Matrix } from '../src/model/matrix.js';
import { InputError, fieldName } from '../src/model/errors.js';
import { cellOf } from './cells/index.js';
import { clipInTf, type ReferenceOptions } from './clip.js';
import {
  denseGradientsToMath,
  denseWeights,
  inputTensor,
  layerGradientsToMath,
  layerWeights,
  lossWeights,
  matrixOf,
  targetTensor,
  tensorOf,
  variableOf,
} from './layout.js';
import { tf, tfl } from './tf.js';

/** tf.layers' recurrent layers have no hook for truncation, detaching or a single output's loss. */
export function layersRefuse(opts: ReferenceOptions): void {
  const field =
    opts.truncate !== undefined
      ? 'truncate'
      : opts.detachEvery !== undefined
        ? 'detachEvery'
        : opts.outputStep !== undefined
          ? 'outputStep'
          : null;
  if (field) {
    const value = opts.truncate ?? opts.detachEvery ?? opts.outputStep;
    throw new InputError(
      `${fieldName(field)} is ${value} for the tfjs-layers reference, expected no ${fieldName(field)}: truncation, detaching and single-output losses are supported by ${fieldName('subject')} hand and tfjs-ops only`,
      field,
    );
  }
}

export async function layersGradients(c: Case, opts: ReferenceOptions = {}): Promise<Gradients> {
  layersRefuse(opts);
  const { batch: B, steps: T } = c;
  const { inputSize: I, hiddenSize: H, outputSize: K, bias } = c.model;
  const cell = cellOf(c.model);
  const rnn = cell.layer();
  const dense = tfl.layers.dense({ units: K, useBias: bias, kernelInitializer: 'zeros' });
  const x = inputTensor(c);
  const y = targetTensor(c);
  const weights = tf.tensor1d(lossWeights(c)); // w_bt = scale · m_bt
  const s0 = c.initialState ? variableOf(tensorOf(c.initialState), 'initialState') : null;
  const c0 = cell.cellState && s0 ? tf.zeros([B, H]) : null; // a cell state starts at 0
  try {
    tf.tidy(() => {
      // Layer.build() alone leaves an RNN unbuilt; one eager call on a single step builds both layers.
      dense.apply(rnn.apply(tf.slice(x, [0, 0, 0], [B, 1, I])));
      rnn.setWeights(layerWeights(c, cell.gates));
      dense.setWeights(denseWeights(c));
    });
    const rnnVars = rnn.trainableWeights.map((w) => w.read() as tf.Variable);
    const denseVars = dense.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => {
      const initialState = s0 ? (c0 ? [s0, c0] : [s0]) : undefined;
      const h = rnn.apply(x, initialState ? { initialState } : {}) as tf.Tensor3D; // B×T×H
      const z = dense.apply(h) as tf.Tensor3D; //                                     B×T×K
      // softmaxCrossEntropy(labels, logits, weights, labelSmoothing, reduction): L = Σ_bt w_bt L_bt with SUM
      return tf.losses.softmaxCrossEntropy(y, tf.reshape(z, [B * T, K]), weights, 0, tf.Reduction.SUM) as tf.Scalar;
    }, [...rnnVars, ...denseVars, ...(s0 ? [s0] : [])]);
    // trainableWeights order: kernel, recurrent kernel, bias?, then the Dense's kernel, bias?
    const names = ['kernel', 'recurrent', ...(bias ? ['bias'] : []), 'V', ...(bias ? ['c'] : [])];
    const byName: Record<string, tf.Variable> = Object.fromEntries(
      [...rnnVars, ...denseVars].map((v, k) => [names[k]!, v]),
    );
    if (s0) byName.initialState = s0;
    const clipped = clipInTf(grads, byName, opts);
    const g = clipped.grads;
    const found: Record<string, Matrix> = {
      ...(await layerGradientsToMath(
        c,
        cell.gates,
        rnnVars.map((v) => g[v.name]!),
      )),
      ...(await denseGradientsToMath(
        c,
        denseVars.map((v) => g[v.name]!),
      )),
    };
    const order = cell.layersOrder?.filter((n) => n in found) ?? Object.keys(found);
    const tensors: Record<string, Matrix> = Object.fromEntries(order.map((n) => [n, found[n]!]));
    if (s0) tensors.initialState = await matrixOf(g[s0.name]!, B, H);
    const loss = (await value.data())[0]!;
    tf.dispose([value, ...Object.values(grads), ...Object.values(g)]);
    const clip =
      clipped.normBefore !== undefined
        ? { clip: { normBefore: clipped.normBefore, normAfter: clipped.normAfter! } }
        : {};
    return { loss, tensors, ...clip };
  } finally {
    // Layer.dispose() refuses layers that were only called eagerly; their variables are what hold memory.
    for (const w of [...rnn.weights, ...dense.weights]) w.dispose();
    tf.dispose([x, y, weights, ...(s0 ? [s0] : []), ...(c0 ? [c0] : [])]);
  }
}
