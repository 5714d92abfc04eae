/**
 * Gradients of one case from one implementation, and the gradients file (DESIGN.md, "Gradients file").
 * Tensor names and layouts are those of the case's params, plus `initialState` (B×H) when the case
 * gives one.
 */
import type { Case } from './case.js';
import type { Matrix } from './matrix.js';
import { toNested, toVector } from './matrix.js';
import { gradientSpecs } from './spec.js';

export const GRADIENTS_SCHEMA_VERSION = 1;

export interface Gradients {
  /** L = Σ_batch Σ_t −log ŷ_t[y_t] */
  loss: number;
  /** ∂L/∂θ per tensor, math layout */
  tensors: Record<string, Matrix>;
  /** when the gradients were clipped: the global norm of the parameter gradients before and after */
  clip?: { normBefore: number; normAfter: number };
}

export interface GradientsFile {
  schemaVersion: 1;
  source: string;
  loss: number;
  gradients: Record<string, number[][] | number[]>;
}

export function gradientsToFile(c: Case, g: Gradients, source: string): GradientsFile {
  const gradients: GradientsFile['gradients'] = {};
  for (const s of gradientSpecs(c.model, c.batch, c.initialState !== null)) {
    const m = g.tensors[s.name];
    if (m) gradients[s.name] = s.vector ? toVector(m) : toNested(m);
  }
  return { schemaVersion: GRADIENTS_SCHEMA_VERSION, source, loss: g.loss, gradients };
}

/**
 * JSON.stringify writes every finite float64 so that it reads back exactly; non-finite values
 * (an exploding case) are written as null, which JSON can carry, and never as a bare NaN token.
 */
export function gradientsJson(c: Case, g: Gradients, source: string): string {
  return `${JSON.stringify(gradientsToFile(c, g, source))}\n`;
}
