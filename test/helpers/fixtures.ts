import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Case } from '../../src/model/case.js';
import type { Gradients } from '../../src/model/gradients.js';
import { loadCase } from '../../src/model/io.js';

export const fixturePath = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** The plain-RNN fixtures of ../shared/fixtures: PyTorch 1.13 float64 autograd (see test/fixtures/README.md). */
export const RNN_FIXTURES = ['rnn-tanh', 'rnn-linear-s0', 'rnn-relu-dense', 'rnn-sigmoid-bias-batch'] as const;

export function fixtureCase(name: string): Case {
  return loadCase(fixturePath(`${name}.case.json`));
}

export interface FixtureGrads {
  loss: number;
  gradients: Record<string, number[] | number[][]>;
}

export function fixtureGrads(file: string): FixtureGrads {
  return JSON.parse(readFileSync(fixturePath(file), 'utf8')) as FixtureGrads;
}

/** ‖a − r‖ / ‖r‖ over flattened values, computed here so tests do not lean on the harness's metrics. */
export function relErr(a: ArrayLike<number>, r: ArrayLike<number>): number {
  if (a.length !== r.length) return Infinity;
  let d = 0;
  let n = 0;
  for (let k = 0; k < a.length; k++) {
    d += (a[k]! - r[k]!) ** 2;
    n += r[k]! ** 2;
  }
  return n === 0 ? Math.sqrt(d) : Math.sqrt(d / n);
}

/** The worst relErr over the loss and every tensor of the expected gradients; throws on a missing tensor. */
export function worstRelErr(g: Gradients, expected: FixtureGrads): number {
  let worst = relErr([g.loss], [expected.loss]);
  for (const [name, v] of Object.entries(expected.gradients)) {
    const m = g.tensors[name];
    if (!m) throw new Error(`no ${name} in the gradients`);
    worst = Math.max(worst, relErr(m.data, (v as number[]).flat()));
  }
  return worst;
}
