/**
 * A user module for `compare --impl`: the plain test BPTT with the mistake named by BPTT_BUG planted, or one
 * of the whole-gradient mistakes (transposed W, a mean over time, a flipped sign) applied to its result.
 */
import type { CaseFile } from '../../src/model/case.js';
import { gradientsToFile } from '../../src/model/gradients.js';
import { parseCase } from '../../src/model/validate.js';
import { buggyGradients, BUGS, type Bug } from '../bugs/buggy-bptt.js';

export function gradients(file: CaseFile) {
  const c = parseCase(file, 'case');
  const name = process.env.BPTT_BUG ?? 'none';
  const g = buggyGradients(c, (BUGS as readonly string[]).includes(name) ? (name as Bug) : 'none');
  const map = (f: (x: number) => number) =>
    Object.values(g.tensors).forEach((m) => m.data.forEach((x, k) => (m.data[k] = f(x))));
  if (name === 'mean-over-time') map((x) => x / c.steps);
  if (name === 'sign-flipped') map((x) => -x);
  if (name === 'transposed') {
    const W = g.tensors.W!;
    const t = W.data.slice();
    for (let i = 0; i < W.rows; i++) for (let j = 0; j < W.cols; j++) W.data[i * W.cols + j] = t[j * W.cols + i]!;
  }
  const { loss, gradients: out } = gradientsToFile(c, g, 'test module');
  return { loss, gradients: out };
}
