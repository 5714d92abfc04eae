/**
 * The subject's adjoint chart: one colour per side (the subject, the reference) whichever adjoint, one dash per
 * adjoint, so "yours" of ∂L/∂s_t and of ∂L/∂c_t read as the same side at a glance.
 */
import { describe, expect, it } from 'vitest';
import { adjointsChart } from '../../src/report/adjoints.js';
import { renderChart } from '../../src/report/charts.js';
import type { AdjointCompareJson, AdjointsJson } from '../../src/report/json-types.js';

const cmp = (subject: number, reference: number): AdjointCompareJson => ({
  subject,
  reference,
  relErrNorm: Math.abs(subject - reference) / Math.max(subject, reference),
  maxAbsErr: Math.abs(subject - reference),
  pass: subject === reference,
});
const a: AdjointsJson = {
  reference: 'tfjs-ops (tf.grad)',
  rows: [0, 1, 2].map((t) => ({ step: t, s: cmp(1 + t, 1 + t), c: cmp(2 * (t + 1), 3 * (t + 1)), pass: false })),
  entry: 2,
  failing: [2, 1, 0],
  pass: false,
};

/** each line of the chart: its aria-label's side and adjoint, with its stroke colour and dash */
async function lines(adj: AdjointsJson) {
  const { svg } = await renderChart(adjointsChart(adj, 'yours', 'x'));
  return [...svg.matchAll(/<path aria-label="([^"]*)"[^>]*aria-roledescription="line mark"[^>]*>/g)].map((m) => ({
    label: m[1]!,
    stroke: /\sstroke="(#[0-9a-f]{6})"/.exec(m[0])?.[1],
    dashed: /stroke-dasharray="(?!1,0)[^"]+"/.test(m[0]),
  }));
}

describe('the adjoint chart', () => {
  it('colours by side and dashes by adjoint', async () => {
    const ls = await lines(a);
    const colourOf = (side: string) =>
      new Set(ls.filter((l) => l.label.includes(`side: ${side}`)).map((l) => l.stroke));
    expect(ls.length).toBeGreaterThanOrEqual(4); // ∂L/∂s_t and ∂L/∂c_t, each of both sides
    expect(colourOf('yours').size).toBe(1);
    expect(colourOf('reference').size).toBe(1);
    expect([...colourOf('yours')][0]).not.toBe([...colourOf('reference')][0]);
    for (const l of ls) expect(l.dashed).toBe(l.label.includes('adjoint: ∂L/∂c_t'));
  });

  it('names in its legend only the adjoints it draws: an RNN subject has no ∂L/∂c_t', async () => {
    const rnn: AdjointsJson = { ...a, rows: a.rows.map(({ c: _c, ...r }) => r) };
    const legend = (svg: string) => svg.split('role-legend').slice(1).join('');
    expect(legend((await renderChart(adjointsChart(a, 'yours', 'x'))).svg)).toContain('∂L/∂c_t');
    expect(legend((await renderChart(adjointsChart(rnn, 'yours', 'x'))).svg)).not.toContain('∂L/∂c_t');
  });
});
