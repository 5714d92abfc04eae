/**
 * Gradient clipping, applied after the gradient is computed, to the parameter gradients only (the
 * initial-state gradient is not a parameter and is left alone):
 *   clip value v:  g ← min(max(g, −v), v) elementwise (min-char-rnn clips to [−5, 5])
 *   clip norm n:   ‖g‖ = √(Σ_θ Σ g²) over all parameter gradients; when ‖g‖ > n, every g ← g · n/‖g‖
 * With both, the value clip comes first.
 */
import type { Gradients } from '../model/gradients.js';
import type { Matrix } from '../model/matrix.js';

export interface ClipOptions {
  value?: number;
  norm?: number;
}

const isParam = (name: string) => name !== 'initialState';

export function globalNorm(g: Gradients): number {
  let sum = 0;
  for (const [name, m] of Object.entries(g.tensors)) if (isParam(name)) for (const x of m.data) sum += x * x;
  return Math.sqrt(sum);
}

/** The clipped gradients, with `clip` recording the global norm before and after. */
export function clipGradients(g: Gradients, clip: ClipOptions): Gradients {
  const normBefore = globalNorm(g);
  const tensors: Record<string, Matrix> = {};
  for (const [name, m] of Object.entries(g.tensors)) {
    const data = m.data.slice();
    if (isParam(name) && clip.value !== undefined)
      for (let k = 0; k < data.length; k++) data[k] = Math.min(Math.max(data[k]!, -clip.value), clip.value);
    tensors[name] = { rows: m.rows, cols: m.cols, data };
  }
  const clipped: Gradients = { loss: g.loss, tensors };
  if (clip.norm !== undefined) {
    const norm = globalNorm(clipped);
    if (norm > clip.norm) {
      const scale = clip.norm / norm; //  g ← g · n/‖g‖
      for (const [name, m] of Object.entries(tensors))
        if (isParam(name)) for (let k = 0; k < m.data.length; k++) m.data[k]! *= scale;
    }
  }
  clipped.clip = { normBefore, normAfter: globalNorm(clipped) };
  return clipped;
}
