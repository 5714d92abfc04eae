/**
 * The compare report's figures (one case: compare, verify): the dW heatmap, the subject's adjoints, the error
 * against step, and a failing subject's error per step.
 */
import { renderChart, type ChartSpec, type RenderedChart } from './charts.js';
import { heatmapChart, stepsChart, type ChartCase } from './compare-charts.js';
import { subjectFails, subjectOf, subjectStepsChart, type SubjectStepsSource } from './subject-charts.js';
import type { CaseJson, ToleranceJson } from './json-types.js';
import type { Report } from './model.js';
import { adjointsChart, adjointsLine } from './adjoints.js';
import { escapeHtml, figure } from './html-page.js';
import { fieldName } from '../model/errors.js';
import { hasOverview } from './overview.js';

/**
 * The compare report's charts (compare, verify: one case): the dW heatmap and the error against time step, when
 * the data is there. A report of many cases (suite, sweep, merge) has none: its overview is its picture, and
 * its first case's charts would stand for cases they are not.
 */
export async function compareCharts(r: Report): Promise<RenderedChart[]> {
  const c = hasOverview(r) ? undefined : r.cases[0];
  const specs: ChartSpec[] = [];
  if (!c) return [];
  const k: ChartCase = { id: c.id, config: c.config, tolerance: r.tolerance };
  if (c.heatmap) specs.push(heatmapChart(c.heatmap, c.id));
  if (c.steps) specs.push(stepsChart(c.steps, k));
  if (c.adjoints) specs.push(adjointsChart(c.adjoints, c.rows[0]?.a ?? 'yours', c.id));
  const subject = subjectStepsChart(c, k);
  if (subject) specs.push(subject.chart);
  return Promise.all(specs.map(renderChart));
}

/** The figures of the report's first case, each with its caption; a sentence where a chart is left out and why. */
export function compareFigures(r: Report, charts: RenderedChart[]): string[] {
  const body: string[] = [];
  const heat = charts.find((x) => x.name === 'heatmap-W');
  const h = r.cases[0]?.heatmap;
  const stacked = h?.tensor.includes(';') ? ` = d[${h.tensor}], the gates' blocks one above the other` : '';
  if (heat && h)
    body.push(
      figure(
        heat,
        `|${h.a} − ${h.r}| for every element of dW${stacked}${h.block > 1 ? `, in ${h.block}×${h.block} blocks (the largest in each)` : ''}, on a log colour scale, against ${PRECISION[h.r] ?? h.r}${stacked ? '; white rules between the gates' : ''}.`,
      ),
    );
  const adjoints = charts.find((x) => x.name === 'adjoints');
  const a = r.cases[0]?.adjoints;
  if (adjoints && a)
    body.push(
      figure(
        adjoints,
        `${adjointsLine(a, r.cases[0]!.rows[0]?.a ?? 'yours')}. ‖∂L/∂s_t‖ of the subject and the reference at each step (a cross where the step fails; the data of adjoints.csv).`,
      ),
    );
  const steps = charts.find((x) => x.name === 'steps');
  const tol = r.tolerance;
  if (steps)
    body.push(
      figure(
        steps,
        `relErrNorm = ‖a − r‖ / max(‖a‖, ‖r‖) of each step’s adjoint and contributions (the data of steps.csv). Dashed, in each term’s colour: its pass bound √n·atol + rtol (atol = ${tol.atol}, rtol = ${tol.rtol}, n the term’s entries). A step passes when every entry has |a − r| ≤ atol·S + rtol·|r|, which keeps relErrNorm under the bound: a point above it fails, one below may still fail at one entry.${r.cases[0]?.config.inputs === 'tokens' && r.cases[0].steps?.rows.some((x) => x.b) ? ' With token inputs dU_k = da_k x_kᵀ is da_k in one column, so its error is db_k’s and the two lines lie on each other.' : ''}`,
      ),
    );
  else if (!adjoints) {
    // say why: the reason noted on the case (e.g. a module's), else the one that holds for a truncated run
    const why = r.cases[0]?.notes?.find((n) => n.startsWith('per-step check not run'));
    body.push(
      `<p>No per-step detail in this run (${escapeHtml(why ?? `the per-step check is defined for full BPTT, and runs there unless ${fieldName('stepsDetail', false)} is given`)}): the error-against-step chart is left out.</p>`,
    );
  }
  const subject = charts.find((x) => x.name === 'subject-steps');
  const c = r.cases[0];
  const source = c && subjectStepsChart(c, { id: c.id, config: c.config, tolerance: tol })?.source;
  if (subject && c && source) body.push(figure(subject, subjectCaption(c, source, tol)));
  else if (c && subjectFails(c) && c.rows[0]?.a !== 'hand')
    body.push(
      `<p>No chart of the error per step of ${escapeHtml(subjectOf(c))}: it gave no adjoints ∂L/∂s_t, and no localisation measured its prefixes.</p>`,
    );
  return body;
}

/** What the heatmap's reference is, and why it is the one: the most precise that ran. */
const PRECISION: Record<string, string> = {
  fd: 'fd, the float64 finite differences (the most precise reference that ran)',
  'tfjs-ops': 'tfjs-ops, float32 tf.grad over raw ops (the most precise reference that measured every entry of dW)',
  'tfjs-layers': 'tfjs-layers, float32 tf.grad over tf.layers (the only reference that measured every entry of dW)',
};

function subjectCaption(c: CaseJson, source: SubjectStepsSource, tol: ToleranceJson): string {
  const subject = c.rows[0]?.a ?? 'yours';
  if (source === 'adjoints') {
    const floor = c.steps
      ? ', beside the hand side’s own error against the same reference (the floor a correct BPTT reaches)'
      : '';
    return `From the adjoints of ${subject} (adjoints.csv): the relErrNorm of each step’s ∂L/∂s_t${c.adjoints!.rows.some((x) => x.c) ? ' and ∂L/∂c_t' : ''} against ${c.adjoints!.reference.split(' ')[0]}${floor}, a cross where the step fails. Dashed: the pass bound √(B·H)·atol + rtol (atol = ${tol.atol}, rtol = ${tol.rtol}): above it a step fails; below it a step can still fail at one entry (the pass rule is entry by entry, |a − r| ≤ atol·S + rtol·|r|), as its cross says.`;
  }
  const l = c.localisation!;
  const p = l.prefix!;
  const agree = c.adjoints?.pass ? ' (its adjoints agree at every step: the adjoints chart)' : '';
  return `From the localisation’s prefix experiment${agree}: the worst relErrNorm over the tensors of ${subject} against ${l.against} on the first T′ steps of a case of ${p.batch} row${p.batch === 1 ? '' : 's'} (of ${p.steps} steps), for each T′ it checked, a cross where the check fails. Dashed: T′ = ${p.shortestFailing}, the shortest prefix that fails.`;
}
