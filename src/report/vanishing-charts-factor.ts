/** The vanishing report's per-step charts: the fitted decay of every series, and the bound's factor γ·σ_max(W) against it. */
import type { VanishingResult } from '../vanishing/analyse.js';
import { chartTitle, logAxis, SCHEMA, type ChartSpec } from './charts.js';
import {
  logTicks,
  panelName,
  panelsOf,
  seriesLabel,
  wColour,
  wKey,
  type WPalette,
} from './vanishing-charts-palette.js';

/**
 * The fitted factor per step back of each series (vanishing/fit.ts): one row per cell × activation, a point per
 * W setting in its colour, the dashed line x = 1 between vanishing and exploding.
 */
export function decayChart(v: VanishingResult, palette: WPalette): ChartSpec {
  const values = v.series
    .filter((s) => s.decay !== null)
    .map((s) => ({
      series: seriesLabel(s),
      decay: s.decay,
      w: wKey(s),
      panel: panelName(s),
      activation: s.activation,
    }));
  const rows = panelsOf(v.series);
  const ticks = logTicks([1, ...values.map((p) => p.decay!)]);
  return {
    name: 'decay',
    spec: {
      $schema: SCHEMA,
      title: chartTitle('Fitted per-step factor of ‖∂L_{T−1}/∂s_k‖, below 1 vanishes, above 1 explodes', v.caseId),
      width: 560,
      height: { step: 14, for: 'offset' },
      data: { values },
      layer: [
        {
          mark: { type: 'point', filled: true, size: 80, opacity: 1 },
          encoding: {
            y: { field: 'panel', type: 'nominal', title: 'cell · activation', sort: rows, axis: { labelLimit: 200 } },
            yOffset: { field: 'w', type: 'nominal', sort: palette.domain },
            x: {
              field: 'decay',
              type: 'quantitative',
              title: 'fitted factor per step (ratio, log scale)',
              scale: { type: 'log', domain: ticks.domain, nice: false },
              axis: logAxis({ values: ticks.values }),
            },
            color: wColour(palette),
            tooltip: [
              { field: 'series', type: 'nominal' },
              { field: 'decay', type: 'quantitative', format: '.4f' },
            ],
          },
        },
        {
          mark: { type: 'rule', strokeDash: [4, 4], color: '#555' },
          encoding: { x: { datum: 1, type: 'quantitative' } },
        },
      ],
    },
  };
}

/**
 * Does the bound's factor predict the measured decay? x = γ·σ_max(W) (Series.factor), y = the fitted decay per step
 * (Series.decay), one point per RNN series (gated cells have no such factor), colour by W, shape by activation,
 * and the line y = x: the bound says ‖∂L_{T−1}/∂s_k‖ ≤ ‖∂L_{T−1}/∂s_{T−1}‖·factor^lag, so each point lies on or below it.
 * Null when no series has both.
 */
export function factorChart(v: VanishingResult, palette: WPalette): ChartSpec | null {
  const values = v.series
    .filter((s) => s.factor !== null && s.decay !== null && s.factor > 0)
    .map((s) => ({ series: seriesLabel(s), factor: s.factor, decay: s.decay, w: wKey(s), activation: s.activation }));
  if (!values.length) return null;
  const ticks = logTicks(values.flatMap((p) => [p.factor!, p.decay!]));
  const [lo, hi] = ticks.domain;
  const diagonal = 'y = x (the bound: decay ≤ factor)';
  const axis = (title: string) => ({
    title,
    scale: { type: 'log', domain: ticks.domain, nice: false },
    axis: logAxis({ values: ticks.values }),
  });
  const activations = [...new Set(values.map((p) => p.activation))];
  return {
    name: 'factor',
    spec: {
      $schema: SCHEMA,
      title: chartTitle('Does the bound’s factor γ·σ_max(W) predict the measured decay?', v.caseId),
      width: 480,
      height: 400,
      layer: [
        {
          data: {
            values: [
              { factor: lo, decay: lo, line: diagonal },
              { factor: hi, decay: hi, line: diagonal },
            ],
          },
          mark: { type: 'line', color: '#555', strokeWidth: 1 },
          encoding: {
            x: { field: 'factor', type: 'quantitative' },
            y: { field: 'decay', type: 'quantitative' },
            strokeDash: {
              field: 'line',
              type: 'nominal',
              title: 'line',
              scale: { range: [[6, 4]] },
              legend: { labelLimit: 400, symbolType: 'stroke', symbolSize: 300, symbolStrokeWidth: 2 },
            },
          },
        },
        {
          data: { values },
          // hollow, and smaller for each next activation: two series at the same point (tanh at ‖W‖₂ = 0.5 and
          // sigmoid at 2 share γ·σ_max(W) = 0.5, and often nearly their decay) are both seen, one inside the other
          mark: { type: 'point', filled: false, strokeWidth: 2, opacity: 1 },
          encoding: {
            x: {
              field: 'factor',
              type: 'quantitative',
              ...axis('the bound’s factor per step γ·σ_max(W) (ratio, log scale)'),
            },
            y: {
              field: 'decay',
              type: 'quantitative',
              ...axis('measured decay per step, fitted (ratio, log scale)'),
            },
            color: wColour(palette),
            shape: { field: 'activation', type: 'nominal', title: 'activation', sort: activations },
            size: {
              field: 'activation',
              type: 'nominal',
              title: 'activation',
              sort: activations,
              scale: { domain: activations, range: activations.map((_, i) => 300 / (i + 1) ** 1.5) },
            },
            tooltip: [
              { field: 'series', type: 'nominal' },
              { field: 'factor', type: 'quantitative', format: '.4f' },
              { field: 'decay', type: 'quantitative', format: '.4f' },
            ],
          },
        },
      ],
    },
  };
}
