/**
 * A failing subject's error per step (subject-steps.png): from its adjoints (the relErrNorm of ∂L/∂s_t, and
 * ∂L/∂c_t, per step, beside the hand side's own error against the same reference when the run has it), else (or
 * when its adjoints agree at every step) from the localisation's prefix experiment (its worst relErrNorm on the
 * first T′ steps, for every T′ checked).
 */
import { chartTitle, SCHEMA, type ChartSpec } from './charts.js';
import { BOUND_LABEL, relErrAxis, decades, passBound, type ChartCase } from './compare-charts.js';
import type { CaseJson } from './json-types.js';

/** Where a subject-steps chart's points come from, as its caption says. */
export type SubjectStepsSource = 'adjoints' | 'prefix';

/** The subject of a case's rows (the side under test), and whether any of its comparisons fails. */
export const subjectOf = (c: CaseJson): string => c.rows[0]?.a ?? 'yours';
export const subjectFails = (c: CaseJson): boolean =>
  c.rows.some((r) => r.a === subjectOf(c) && !r.pass) || c.adjoints?.pass === false;

/** The subject-steps chart of a case whose subject fails, and its source; undefined when it passes or there is no data. */
export function subjectStepsChart(
  c: CaseJson,
  k: ChartCase,
): { chart: ChartSpec; source: SubjectStepsSource } | undefined {
  if (!subjectFails(c)) return undefined;
  // adjoints that agree at every step say only that the error is not carried back: the prefixes then say more
  const errors = c.localisation?.prefix?.errors;
  if (c.adjoints && (!c.adjoints.pass || !errors?.length)) return { chart: fromAdjoints(c, k), source: 'adjoints' };
  if (errors?.length) return { chart: fromPrefix(c, k), source: 'prefix' };
  return undefined;
}

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && v > 0 && Number.isFinite(v);

function fromAdjoints(c: CaseJson, k: ChartCase): ChartSpec {
  const a = c.adjoints!;
  const subject = subjectOf(c);
  const ref = a.reference.split(' ')[0]!;
  const values: Record<string, unknown>[] = [];
  for (const r of a.rows)
    for (const [q, v] of [
      ['∂L/∂s_t', r.s],
      ['∂L/∂c_t', r.c],
    ] as const)
      if (v && finite(v.relErrNorm))
        values.push({ step: r.step, err: v.relErrNorm, series: `${q}, ${subject} vs ${ref}`, pass: v.pass });
  // the floor: the hand side's own ∂L/∂s_k against the per-step check's reference, where it ran
  for (const r of c.steps?.rows ?? [])
    if (finite(r.adjoint.relErrNorm))
      values.push({
        step: r.step,
        err: r.adjoint.relErrNorm,
        series: `∂L/∂s_t, hand vs ${c.steps!.reference.split(' ')[0]} (the floor)`,
        pass: r.adjoint.pass,
      });
  const bound = passBound(k.tolerance, k.config.B * k.config.H);
  return chart(
    chartTitle(`Error of the adjoints of ${subject} per step, against ${ref}`, k.id),
    'time step t (steps)',
    values,
    [{ y: bound, line: BOUND_LABEL.replace('a step', 'a step’s adjoint') }],
  );
}

function fromPrefix(c: CaseJson, k: ChartCase): ChartSpec {
  const l = c.localisation!;
  const p = l.prefix!;
  const subject = subjectOf(c);
  const values = p
    .errors!.filter((e) => finite(e.relErrNorm))
    .map((e) => ({
      step: e.steps,
      err: e.relErrNorm,
      series: `${subject} vs ${l.against}, its worst tensor`,
      pass: e.pass,
    }));
  return chart(
    chartTitle(`Error of ${subject} on the first T′ steps (the localisation’s prefixes, B = ${p.batch})`, k.id),
    'prefix length T′ (steps)',
    values,
    [],
    { x: p.shortestFailing, line: `fails from T′ = ${p.shortestFailing}` },
    false, // only the prefixes the bisection checked: no line through the ones it did not
  );
}

/** Error against step on a log axis, a cross where it fails; dashed: a horizontal bound or the step where failing starts. */
function chart(
  title: ReturnType<typeof chartTitle>,
  xTitle: string,
  values: Record<string, unknown>[],
  rules: { y: number; line: string }[],
  from?: { x: number; line: string },
  connect = true,
): ChartSpec {
  const domain = decades([...values.map((v) => v.err as number), ...rules.map((r) => r.y)]);
  const lines = [...rules.map((r) => r.line), ...(from ? [from.line] : [])];
  const dash = {
    field: 'line',
    type: 'nominal',
    title: 'line',
    scale: { domain: lines, range: [[6, 4]] },
    legend: { symbolType: 'stroke', symbolStrokeColor: '#444', symbolStrokeWidth: 2, symbolSize: 300 },
  };
  const y = relErrAxis(domain);
  const x = { field: 'step', type: 'quantitative', title: xTitle, axis: { format: 'd', tickMinStep: 1 } };
  return {
    name: 'subject-steps',
    spec: {
      $schema: SCHEMA,
      title,
      width: 560,
      height: 300,
      layer: [
        ...(connect
          ? [
              {
                data: { values },
                mark: { type: 'line', point: false },
                encoding: { x, y, color: { field: 'series', type: 'nominal', title: 'error' } },
              },
            ]
          : []),
        {
          data: { values },
          mark: { type: 'point', filled: true, size: 60 },
          encoding: {
            x,
            y,
            color: { field: 'series', type: 'nominal', title: 'error' },
            shape: {
              field: 'outcome',
              type: 'nominal',
              title: 'check',
              scale: { domain: ['passes', 'fails'], range: ['circle', 'cross'] },
            },
          },
          transform: [{ calculate: "datum.pass ? 'passes' : 'fails'", as: 'outcome' }],
        },
        ...rules.map((r) => ({
          data: { values: [r] },
          mark: { type: 'rule', strokeWidth: 1.5, color: '#444' },
          encoding: { y: { ...y, field: 'y' }, strokeDash: dash },
        })),
        ...(from
          ? [
              {
                data: { values: [from] },
                mark: { type: 'rule', strokeWidth: 1.5, color: '#444' },
                encoding: { x: { field: 'x', type: 'quantitative' }, strokeDash: dash },
              },
            ]
          : []),
      ],
    },
  };
}
