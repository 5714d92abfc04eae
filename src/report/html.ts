/**
 * report.html: one self-contained page (no script, no network: a Content-Security-Policy forbids both),
 * charts inline as SVG. Every string from the user (case ids, the command line, notes) is HTML-escaped.
 */
import type { VanishingResult } from '../vanishing/analyse.js';
import type { LocalisationJson } from './json-types.js';
import { vanishingAnswers } from './vanishing-answers.js';
import { SERIES_HEADER, seriesRows, vanishingNotes, vanishingSetup, vanishingVerdict } from './vanishing-text.js';
import type { RenderedChart } from './charts.js';
import { ADJOINT_BOUND, JACOBIAN_BOUND } from './vanishing-charts.js';
import { verdictLine, verdictWord, type Report } from './model.js';
import { caseTitle, ROW_HEADER, rowCells } from './table.js';
import { capitalize, clipLine, diagnosisText, NO_PATTERN, placesText, shownDiagnoses, toleranceRule } from './text.js';
import { visible } from './escape.js';
import { adjointsLine } from './adjoints.js';
import { fieldName } from '../model/errors.js';

/** Text or an attribute value: & < > " ' as entities, and control characters as visible escapes (no raw ESC or NUL in the page). */
export function escapeHtml(s: string): string {
  return visible(s).replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
.verdict { font-size: 1.25rem; font-weight: 700; padding: .6rem 1rem; border-radius: 6px; }
.pass { background: #e6f4ea; color: #1e6b34; } .fail { background: #fce8e6; color: #a50e0e; }
table { border-collapse: collapse; font-size: 12px; margin: .5rem 0; }
th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: left; white-space: nowrap; }
tr.bad td { background: #fce8e6; }
figure { margin: 1.5rem 0; } figcaption { color: #555; font-size: 12px; }
code, pre { background: #f4f4f4; padding: 2px 4px; border-radius: 3px; white-space: pre-wrap; }
`;

function page(title: string, body: string[]): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    ...body,
    '</body></html>',
    '',
  ].join('\n');
}

function table(header: string[], rows: string[][], bad: (r: number) => boolean = () => false): string {
  const th = header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const trs = rows.map(
    (r, n) => `<tr${bad(n) ? ' class="bad"' : ''}>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`,
  );
  return `<table><thead><tr>${th}</tr></thead><tbody>${trs.join('')}</tbody></table>`;
}

function figure(chart: RenderedChart, caption: string): string {
  return `<figure id="chart-${escapeHtml(chart.name)}">${chart.svg}<figcaption>${escapeHtml(caption)} (also as ${escapeHtml(chart.name)}.png)</figcaption></figure>`;
}

function verdict(pass: boolean, text: string): string {
  return `<p class="verdict ${pass ? 'pass' : 'fail'}" id="verdict">${escapeHtml(text)}</p>`;
}

function footer(command: string, info: string): string[] {
  return ['<h2>Reproduce</h2>', `<pre>${escapeHtml(command)}</pre>`, `<p>${escapeHtml(info)}</p>`];
}

/** Where the error is, by experiment: the findings, then the command that checks the smallest failing case again. */
function localisationHtml(l: LocalisationJson): string[] {
  const out = [
    '<h3>Localisation</h3>',
    `<ul id="localisation">${l.lines.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`,
  ];
  if (l.minimal?.command)
    out.push(
      '<p>Reproduce the smallest failing case:</p>',
      `<pre id="reproduce-minimal">${escapeHtml(l.minimal.command)}</pre>`,
    );
  return out;
}

export function renderCompareHtml(r: Report, charts: RenderedChart[]): string {
  const body = [`<h1>bptt-check ${escapeHtml(r.kind)}</h1>`, verdict(r.pass, verdictLine(r))];
  for (const c of r.cases) {
    if (c.notRun !== undefined) {
      // nothing compared: listed, with why, and no table
      body.push(`<h2>${escapeHtml(caseTitle(c))}</h2>`, `<p class="notrun">Not run: ${escapeHtml(c.notRun)}.</p>`);
      continue;
    }
    body.push(`<h2>${escapeHtml(caseTitle(c))}</h2>`, `<p>Pairs: ${escapeHtml(c.disagreement)}.</p>`);
    if (c.places) body.push(`<p class="places">In your names: ${escapeHtml(placesText(c.places))}.</p>`);
    for (const note of c.notes ?? []) body.push(`<p>Note: ${escapeHtml(note)}.</p>`);
    if (c.clip) body.push(`<p>${escapeHtml(capitalize(clipLine(c.clip)))}.</p>`);
    for (const d of shownDiagnoses(c.diagnosis ?? []))
      body.push(
        `<p class="diagnosis"><strong>${escapeHtml(`${d.tensor}: ${d.pattern}`)}</strong>: ${escapeHtml(diagnosisText(d))}</p>`,
      );
    if (!c.diagnosis?.length && c.rows.some((x) => !x.pass))
      body.push(`<p class="diagnosis">${escapeHtml(NO_PATTERN)}</p>`);
    body.push(table(ROW_HEADER, c.rows.map(rowCells), (n) => !c.rows[n]!.pass));
    if (c.localisation) body.push(...localisationHtml(c.localisation));
  }
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
  if (r.conventions)
    body.push(
      `<p id="conventions">Checked in the conventions ${r.conventions.map((x) => escapeHtml(x)).join('; ')}.</p>`,
    );
  body.push(
    '<h2>Tolerances</h2>',
    `<p id="tolerance-rule">${escapeHtml(capitalize(toleranceRule(r.tolerance)))}.</p>`,
    ...footer(
      r.command,
      `bptt-check ${r.tool.version}, tfjs ${r.tfjsVersion} on the ${r.backend} backend, hand side on ${r.handKernels} kernels, Node ${r.node}, ${r.createdAt}.`,
    ),
  );
  return page(`bptt-check ${r.kind}: ${verdictWord(r)}`, body);
}

export interface VanishingMeta {
  command: string;
  backend: string;
  tfjsVersion: string;
  createdAt: string;
  toolVersion: string;
}

export function renderVanishingHtml(v: VanishingResult, meta: VanishingMeta, charts: RenderedChart[]): string {
  const captions: Record<string, string> = {
    adjoints: `‖∂L_{T−1}/∂s_k‖₂ against lag, batch row 0; dashed: its bound ${ADJOINT_BOUND} (∂L_{T−1}/∂s_k = J_kᵀ ∂L_{T−1}/∂s_{T−1} and ‖J_k‖ ≤ (σ_max(W)·γ)^lag).`,
    jacobian: `‖∂s_{T−1}/∂s_k‖₂ (spectral norm of the Jacobian product J_k) against lag; dashed: its bound ${JACOBIAN_BOUND}, the sufficient condition of Pascanu et al. (2013).`,
    decay: 'Fitted factor per step back: below 1 the gradient vanishes, above 1 it explodes.',
  };
  const { answer, cellsAnswer } = vanishingAnswers(v);
  const body = [
    '<h1>bptt-check vanishing</h1>',
    verdict(v.pass, vanishingVerdict(v)),
    `<p id="setup">${escapeHtml(vanishingSetup(v))}</p>`,
    `<h2>Would sigmoid help?</h2><p id="answer">${escapeHtml(answer)}</p>`,
    ...(cellsAnswer
      ? [
          `<h2>How much longer do gradients survive in gated cells?</h2><p id="cells-answer">${escapeHtml(cellsAnswer)}</p>`,
        ]
      : []),
    table(SERIES_HEADER, seriesRows(v), (n) => !(v.series[n]!.adjointCheck.pass && v.series[n]!.boundCheck.pass)),
    ...vanishingNotes(v).map((n) => `<p class="note">${escapeHtml(n)}</p>`),
    ...charts.map((c) => figure(c, captions[c.name] ?? c.name)),
    ...footer(
      meta.command,
      `bptt-check ${meta.toolVersion}, tfjs ${meta.tfjsVersion} on the ${meta.backend} backend, ${meta.createdAt}.`,
    ),
  ];
  return page(`bptt-check vanishing: ${v.pass ? 'PASS' : 'FAIL'}`, body);
}
