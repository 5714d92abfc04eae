/** The rows of one pair of sides: every tensor of the case compared, or a side against the fd probes. */
import type { Case } from '../model/case.js';
import type { Gradients } from '../model/gradients.js';
import { indexOf } from '../model/matrix.js';
import { gradientSpecs, shapeText, type TensorSpec } from '../model/spec.js';
import { twinOf, withTwins } from '../model/conventions.js';
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
  // two biases (PyTorch's bias_ih, bias_hh): the subject's hh gradients against the reference's, which equal its b's
  const twins = twinSpecs(c);
  if (
    twins.length &&
    (an === 'yours' || twins.some((s) => a.tensors[s.name])) &&
    !twins.some((s) => r.tensors[s.name])
  ) {
    const rt = withTwins(r.tensors, c);
    for (const s of twins) {
      const ma = a.tensors[s.name];
      const mr = rt[s.name]!;
      const base = { tensor: s.name, shape: shapeText(s), a: an, r: rn };
      rows.push(
        ma
          ? { ...base, ...compareArrays(ma.data, mr.data, tol, (k) => indexOf(ma, k, true)) }
          : { ...base, ...unmeasured(s.rows, `${an} gives no ${s.name}`) },
      );
    }
  }
  return rows;
}

/** The tensors the two biases of a subject's conventions add: each hh bias's gradient, under its twin's name. */
export function twinSpecs(c: Case): TensorSpec[] {
  if (!c.conventions) return []; // two biases: --two-biases, or names that keep them (Keras's GRU 2×3H bias)
  const specs = gradientSpecs(c.model, c.batch, c.initialState !== null);
  const zeros = Object.fromEntries(
    specs.map((s) => [s.name, { rows: s.rows, cols: s.cols, data: new Float64Array(s.rows * s.cols) }]),
  );
  return Object.entries(withTwins(zeros, c))
    .filter(([name]) => !specs.some((s) => s.name === name))
    .map(([name, m]) => ({ name, rows: m.rows, cols: m.cols, vector: true, formula: 'H' }));
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
  const rows: PairRow[] = probes.map((p) => {
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
  // the subject's hh biases against the probes of their bias (∂L/∂b_hh = ∂L/∂b): both are checked against fd too
  for (const t of name === 'yours' ? twinSpecs(c) : []) {
    const base = twinOf(t.name)!;
    const p = probes.find((x) => x.tensor === base);
    const m = g.tensors[t.name];
    if (!p) continue;
    const base0 = {
      tensor: t.name,
      shape: rows.find((r) => r.tensor === base)?.shape ?? shapeText(t),
      a: name,
      r: fdName,
    };
    if (!m) {
      rows.push({ ...base0, ...unmeasured(t.rows, `${name} gives no ${t.name}`) });
      continue;
    }
    const at = p.mode === 'entries' ? (k: number) => indexOf(m, p.indices[k]!, true) : (k: number) => [k];
    rows.push({ ...base0, ...compareArrays(project(m, p), p.values, tol, at) });
  }
  return rows;
}
