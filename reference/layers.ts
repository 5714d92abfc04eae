/**
 * Oracle 1, "tfjs-layers": tf.layers.simpleRNN (returnSequences) followed by tf.layers.dense, weights
 * set from the case through layout.ts, loss tf.losses.softmaxCrossEntropy with SUM reduction, and
 * gradients from tf.variableGrads with respect to the layers' own variables.
 */
import type { Case } from '../src/model/case.js';
import type { Gradients } from '../src/model/gradients.js';
import type { Matrix } from '../src/model/matrix.js';
import {
  denseWeights,
  inputTensor,
  layerGradientsToMath,
  matrixOf,
  simpleRnnWeights,
  targetTensor,
  tensorOf,
  variableOf,
} from './layout.js';
import { tf, tfl } from './tf.js';
import { clipInTf, type ReferenceOptions } from './clip.js';
import { InputError } from '../src/model/errors.js';

/** tf.layers.simpleRNN has no hook for truncation, detaching or a single output's loss. */
export function layersRefuse(opts: ReferenceOptions): void {
  const flag =
    opts.truncate !== undefined
      ? '--truncate'
      : opts.detachEvery !== undefined
        ? '--detach-every'
        : opts.outputStep !== undefined
          ? '--output-step'
          : null;
  if (flag) {
    const value = opts.truncate ?? opts.detachEvery ?? opts.outputStep;
    throw new InputError(
      `${flag} is ${value} for the tfjs-layers reference, expected no ${flag}: truncation, detaching and single-output losses are supported by --impl hand and tfjs-ops only`,
    );
  }
}

export async function layersGradients(c: Case, opts: ReferenceOptions = {}): Promise<Gradients> {
  layersRefuse(opts);
  const { batch: B, steps: T } = c;
  const { inputSize: I, hiddenSize: H, outputSize: K, activation, bias } = c.model;
  const rnn = tfl.layers.simpleRNN({
    units: H,
    activation,
    useBias: bias,
    returnSequences: true,
    kernelInitializer: 'zeros',
    recurrentInitializer: 'zeros',
  });
  const dense = tfl.layers.dense({ units: K, useBias: bias, kernelInitializer: 'zeros' });
  const x = inputTensor(c);
  const y = targetTensor(c);
  const s0 = c.initialState ? variableOf(tensorOf(c.initialState), 'initialState') : null;
  try {
    tf.tidy(() => {
      // Layer.build() alone leaves an RNN unbuilt; one eager call on a single step builds both layers.
      dense.apply(rnn.apply(tf.slice(x, [0, 0, 0], [B, 1, I])));
      rnn.setWeights(simpleRnnWeights(c));
      dense.setWeights(denseWeights(c));
    });
    const rnnVars = rnn.trainableWeights.map((w) => w.read() as tf.Variable);
    const denseVars = dense.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => {
      const h = rnn.apply(x, s0 ? { initialState: [s0] } : {}) as tf.Tensor3D; // B×T×H
      const z = dense.apply(h) as tf.Tensor3D; //                                  B×T×K
      // softmaxCrossEntropy(labels, logits, weights, labelSmoothing, reduction): SUM is the 5th argument
      return tf.losses.softmaxCrossEntropy(y, tf.reshape(z, [B * T, K]), undefined, 0, tf.Reduction.SUM) as tf.Scalar;
    }, [...rnnVars, ...denseVars, ...(s0 ? [s0] : [])]);
    const names = ['U', 'W', ...(bias ? ['b'] : []), 'V', ...(bias ? ['c'] : [])]; // trainableWeights order
    const byName: Record<string, tf.Variable> = Object.fromEntries(
      [...rnnVars, ...denseVars].map((v, k) => [names[k]!, v]),
    );
    if (s0) byName.initialState = s0;
    const clipped = clipInTf(grads, byName, opts);
    const g = clipped.grads;
    const tensors = await layerGradientsToMath(
      c,
      rnnVars.map((v) => g[v.name]!),
      denseVars.map((v) => g[v.name]!),
    );
    if (s0) tensors.initialState = await matrixOf(g[s0.name]!, B, H);
    const loss = (await value.data())[0]!;
    tf.dispose([value, ...Object.values(grads), ...Object.values(g)]);
    const clip =
      clipped.normBefore !== undefined
        ? { clip: { normBefore: clipped.normBefore, normAfter: clipped.normAfter! } }
        : {};
    return { loss, tensors: tensors as Record<string, Matrix>, ...clip };
  } finally {
    // Layer.dispose() refuses layers that were only called eagerly; their variables are what hold memory.
    for (const w of [...rnn.weights, ...dense.weights]) w.dispose();
    tf.dispose([x, y, ...(s0 ? [s0] : [])]);
  }
}
