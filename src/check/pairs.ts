/** The rows of one pair of sides: every tensor of the case compared, or a side against the fd probes. */
import type { Case } from '../model/case.js';
import type { Gradients } from '../model/gradients.js';
import { indexOf } from '../model/matrix.js';
import { gradientSpecs, shapeText } from '../model/spec.js';
import { project, type FdProbe } from '../fd/oracle.js';
import { compareArrays, unmeasured, type Tolerance } from './metrics.js';
import type { PairRow } from './result.js';
import type { ImplName } from './sides.js';

/** The pairs compared for a choice of references: the subject against each, and the references against each other. */
export function pairsFor(references: readonly ImplName[], subject: ImplName = 'hand'): [ImplName, ImplName][] {
  const pairs: [ImplName, ImplName][] = references.map((r) => [subject, r]);
  if (references.length === 2) pairs.push([references[0]!, references[1]!]);
  return pairs;
}

/** Rows for one pair: the loss, then every gradient tensor of the case in spec order. */
export function compareGradients(
  c: Case,
  a: Gradients,
  r: Gradients,
  names: [ImplName, ImplName],
  tol: Tolerance,
): PairRow[] {
  const [an, rn] = names;
  const rows: PairRow[] = [
    { tensor: 'loss', shape: 'scalar', a: an, r: rn, ...compareArrays([a.loss], [r.loss], tol, () => []) },
  ];
  for (const s of gradientSpecs(c.model, c.batch, c.initialState !== null)) {
    const ma = a.tensors[s.name];
    const mr = r.tensors[s.name];
    const base = { tensor: s.name, shape: shapeText(s), a: an, r: rn };
    if (!ma || !mr) {
      rows.push({ ...base, ...unmeasured(s.rows * s.cols, `${!ma ? an : rn} gives no ${s.name}`) });
      continue;
    }
    rows.push({ ...base, ...compareArrays(ma.data, mr.data, tol, (k) => indexOf(ma, k, s.vector)) });
  }
  return rows;
}

/** Rows for one side against the finite-difference probes: entries, or directional derivatives vᵀ∇L. */
export function compareWithFd(
  c: Case,
  g: Gradients,
  probes: readonly FdProbe[],
  name: ImplName,
  fdName: 'fd' | 'fd (full rerun)',
  tol: Tolerance,
): PairRow[] {
  return probes.map((p) => {
    const s = gradientSpecs(c.model, c.batch, c.initialState !== null).find((x) => x.name === p.tensor)!;
    const m = g.tensors[p.tensor];
    if (!m)
      return {
        tensor: p.tensor,
        shape: shapeText(s),
        a: name,
        r: fdName,
        ...unmeasured(s.rows * s.cols, `${name} gives no ${p.tensor}`),
      };
    const what =
      p.mode === 'entries'
        ? p.indices.length === s.rows * s.cols
          ? shapeText(s)
          : `${p.indices.length} of ${s.rows * s.cols} entries`
        : `${p.directions.length} directions`;
    const at = p.mode === 'entries' ? (k: number) => indexOf(m, p.indices[k]!, s.vector) : (k: number) => [k];
    return { tensor: p.tensor, shape: what, a: name, r: fdName, ...compareArrays(project(m, p), p.values, tol, at) };
  });
}
