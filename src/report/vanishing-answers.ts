/** The vanishing report's two answers, from the measured series: "would sigmoid help?" and "how much longer in gated cells?". */
import type { Series, VanishingResult } from '../vanishing/analyse.js';
import { fieldName } from '../model/errors.js';
import { median } from '../vanishing/samples.js'; // the seeds' rule: an even count gives the mean of the two middle values

/** The W of a series, as a grouping key and as text: the case's own, or rescaled to a spectral norm. */
export const wKey = (s: Pick<Series, 'wNorm' | 'wSource'>) => (s.wSource === 'case' ? 'case' : String(s.wNorm));
export const wText = (s: Pick<Series, 'wNorm' | 'wSource'>) =>
  s.wSource === 'case' ? `case W (‖W‖₂ = ${s.wNorm.toPrecision(3)})` : `‖W‖₂ = ${s.wNorm}`;

/**
 * Steps back until the adjoint falls to 1e-6 of its value at lag 0: measured when it does within T − 1,
 * else extrapolated from the fitted factor (ln 1e-6 / ln decay), with the lags the factor was fitted on;
 * Infinity when it does not decay.
 */
export function lagsTo1e6(s: Series): { lags: number; measured: boolean; fit: Series['fit'] } {
  if (s.lagTo1e6 !== null) return { lags: s.lagTo1e6, measured: true, fit: null };
  const lags = s.decay !== null && s.decay < 1 ? Math.log(1e-6) / Math.log(s.decay) : Infinity;
  return { lags, measured: false, fit: s.fit };
}

/** "lags 0–39" (and how many of them when the fit skipped some: "lags 0–39, 31 points") */
export function fitLagsText(fit: NonNullable<Series['fit']>): string {
  const all = fit.toLag - fit.fromLag + 1;
  return `lags ${fit.fromLag}–${fit.toLag}${fit.points < all ? `, ${fit.points} points` : ''}`;
}

/**
 * The steps to 1e-6 as a reader sees them: "17" measured; "~6116 (extrapolated from the factor 0.998 fitted
 * on lags 0–39)"; `never` (without decay) as given. `extra` goes inside the parentheses (a measured number:
 * alone in them).
 */
export function lagsText(s: Series, never: string, extra = ''): string {
  const x = lagsTo1e6(s);
  const more = (t: string) => (extra ? (t ? `${t}; ${extra}` : extra) : t);
  const paren = (t: string) => (t ? ` (${t})` : '');
  if (x.measured) return `${x.lags}${paren(more(''))}`;
  if (!Number.isFinite(x.lags)) return `${never}${paren(more(''))}`;
  return `~${Math.round(x.lags)}${paren(more(`extrapolated from the factor ${f2(s.decay)} fitted on ${fitLagsText(x.fit!)}`))}`;
}

/** "How much longer do gradients survive in the gated cells?", answered per activation and W scale against the RNN. */
export function howMuchLonger(series: Series[], T: number): string {
  const groups = series.filter((s) => s.cell === 'rnn' && !s.exploding);
  const lines: string[] = [];
  const ratios: Record<string, number[]> = {};
  const factor = (s: Series) =>
    lagsTo1e6(s).measured || !Number.isFinite(lagsTo1e6(s).lags) ? `factor ${f2(s.decay)}` : '';
  for (const r of groups) {
    const rnn = lagsTo1e6(r);
    const others = series.filter(
      (s) => s.cell !== 'rnn' && s.activation === r.activation && wKey(s) === wKey(r) && !s.exploding,
    );
    if (!others.length) continue;
    const parts = others.map((g) => {
      const x = lagsTo1e6(g);
      const ratio = x.lags / rnn.lags;
      (ratios[g.cell] ??= []).push(ratio);
      const times = Number.isFinite(ratio) ? `${ratio.toPrecision(3)}× the RNN's` : 'no decay';
      return `${g.cell.toUpperCase()} ${lagsText(g, 'never', [times, factor(g)].filter(Boolean).join(', '))}`;
    });
    lines.push(`${r.activation}, ${wText(r)}: RNN ${lagsText(r, 'never', factor(r))}, ${parts.join(', ')}`);
  }
  if (!lines.length)
    return `How much longer do gradients survive in gated cells? Run with rnn and a gated cell in ${fieldName('cells')}, at a W scale where the RNN does not explode, to answer from data.`;
  const summary = Object.entries(ratios)
    .map(
      ([cell, rs]) =>
        `${cell.toUpperCase()} ${Number.isFinite(median(rs)) ? `${median(rs).toPrecision(3)}×` : 'without decay'} as long as the RNN (median over the ${rs.length} settings where the RNN does not explode)`,
    )
    .join(', ');
  return (
    `How much longer do gradients survive in gated cells? ${summary}. Measured as the steps back until ‖∂L_{T−1}/∂s_k‖ falls to 1e-6 of its value at lag 0 ` +
    `(counted within T − 1 = ${T - 1} steps; ~ marks a number extrapolated from the factor per step fitted on the lags named): ${lines.join('; ')}.`
  );
}

const f2 = (x: number | null) => (x === null ? 'n/a' : x.toPrecision(3));

/** "Would sigmoid help?", answered from the measured decay factors at each W scale. */
export function wouldSigmoidHelp(series: Series[], T: number): string {
  const pairs = [...new Set(series.map(wKey))].flatMap((w) => {
    const tanh = series.find((s) => s.activation === 'tanh' && wKey(s) === w);
    const sig = series.find((s) => s.activation === 'sigmoid' && wKey(s) === w);
    return tanh && sig && tanh.decay !== null && sig.decay !== null ? [{ w: wText(tanh), tanh, sig }] : [];
  });
  if (!series.length)
    return `Would sigmoid help? The question is about the plain RNN: add rnn to ${fieldName('cells')} to answer it from data.`;
  if (!pairs.length)
    return `Would sigmoid help? Run with both tanh and sigmoid in ${fieldName('activations')} to answer from data.`;
  const faster = pairs.filter((p) => p.sig.decay! < p.tanh.decay!);
  const verdict = faster.length === pairs.length ? 'No.' : faster.length === 0 ? 'Yes.' : 'Not in general.';
  const lag = (x: Series) => (x.lagTo1e6 === null ? `not within ${T - 1}` : String(x.lagTo1e6));
  const detail = pairs
    .map(
      (p) =>
        `${p.w}: ${f2(p.sig.decay)} with sigmoid against ${f2(p.tanh.decay)} with tanh (below 1e-6 after ${lag(p.sig)} vs ${lag(p.tanh)} steps)`,
    )
    .join('; ');
  const why =
    faster.length === pairs.length
      ? ' Sigmoid makes the gradient vanish faster: σ′ ≤ 1/4 against tanh′ ≤ 1, so each step back multiplies the adjoint by at most ‖W‖₂/4.'
      : faster.length === 0
        ? ' In this model sigmoid keeps the gradient longer than tanh.'
        : ' Which one vanishes faster depends on the scale of W here.';
  return `Would sigmoid help? ${verdict} Factor by which ‖∂L_{T−1}/∂s_k‖ changes per step back, measured on this model — ${detail}.${why}`;
}

/** The two answers of a vanishing result: sigmoid from the RNN series; with a gated cell among the cells, how much longer. */
export function vanishingAnswers(v: VanishingResult): { answer: string; cellsAnswer?: string } {
  return {
    answer: wouldSigmoidHelp(
      v.series.filter((s) => s.cell === 'rnn'),
      v.T,
    ),
    ...(v.cells.some((x) => x !== 'rnn') ? { cellsAnswer: howMuchLonger(v.series, v.T) } : {}),
  };
}
