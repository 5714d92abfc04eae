/** The compare report's figures (one case: compare, verify): the dW heatmap, the subject's adjoints and the error against step. */
import { heatmapChart, renderChart, stepsChart, type ChartSpec, type RenderedChart } from './charts.js';
import type { Report } from './model.js';
import { adjointsChart, adjointsLine } from './adjoints.js';
import { escapeHtml, figure } from './html-page.js';
import { fieldName } from '../model/errors.js';

/** The compare report's charts: the dW heatmap and the error against time step, when the data is there. */
export async function compareCharts(r: Report): Promise<RenderedChart[]> {
  const c = r.kind !== 'suite' ? r.cases[0] : undefined;
  const specs: ChartSpec[] = [];
  if (c?.heatmap) specs.push(heatmapChart(c.heatmap));
  if (c?.steps) specs.push(stepsChart(c.steps));
  if (c?.adjoints) specs.push(adjointsChart(c.adjoints, c.rows[0]?.a ?? 'yours'));
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
        `|${h.a} − ${h.r}| for every element of dW${stacked}${h.block > 1 ? `, in ${h.block}×${h.block} blocks (the largest in each)` : ''}.`,
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
  if (steps)
    body.push(figure(steps, 'Relative error of each step’s adjoint and contributions (the data of steps.csv).'));
  else if (!adjoints) {
    // say why: the reason noted on the case (e.g. a module's), else the one that holds for a truncated run
    const why = r.cases[0]?.notes?.find((n) => n.startsWith('per-step check not run'));
    body.push(
      `<p>No per-step detail in this run (${escapeHtml(why ?? `the per-step check is defined for full BPTT, and runs there unless ${fieldName('stepsDetail', false)} is given`)}): the error-against-step chart is left out.</p>`,
    );
  }
  return body;
}
