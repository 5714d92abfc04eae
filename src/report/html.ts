/**
 * report.html: one self-contained page (no script, no network: a Content-Security-Policy forbids both),
 * charts inline as SVG. Every string from the user (case ids, the command line, notes) is HTML-escaped.
 */
import type { CaseJson, LocalisationJson } from './json-types.js';
import type { RenderedChart } from './charts.js';
import { verdictLine, verdictWord, type Report } from './model.js';
import { caseTitle, ROW_HEADER, rowCells } from './table.js';
import { capitalize, clipLine, diagnosisText, NO_PATTERN, placesText, shownDiagnoses, toleranceRule } from './text.js';
import { compareFigures } from './compare-figures.js';
import { escapeHtml, footer, page, table, verdict } from './html-page.js';
import { caseState, caseWord, hasOverview } from './overview.js';
import { caseAnchor, overviewHtml } from './overview-html.js';

export { escapeHtml } from './html-page.js';

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

/** A case's content: its pairs, places, notes, clipping, diagnoses, table and localisation (or why it did not run). */
function caseBody(c: CaseJson): string[] {
  // nothing compared: listed, with why, and no table
  if (c.notRun !== undefined) return [`<p class="notrun">Not run: ${escapeHtml(c.notRun)}.</p>`];
  const body = [`<p>Pairs: ${escapeHtml(c.disagreement)}.</p>`];
  if (c.places) body.push(`<p class="places">In your names: ${escapeHtml(placesText(c.places))}.</p>`);
  for (const note of c.notes ?? []) body.push(`<p>Note: ${escapeHtml(note)}.</p>`);
  if (c.clip) body.push(`<p>${escapeHtml(capitalize(clipLine(c.clip)))}.</p>`);
  for (const d of shownDiagnoses(c.diagnosis ?? []))
    body.push(
      `<p class="diagnosis"><strong>${escapeHtml(`${d.tensor}: ${d.pattern}`)}</strong>: ${escapeHtml(diagnosisText(d))}</p>`,
    );
  if (!c.diagnosis?.length && c.rows.some((x) => !x.pass))
    body.push(`<p class="diagnosis">${escapeHtml(NO_PATTERN)}</p>`);
  const t = table(ROW_HEADER, c.rows.map(rowCells), (n) => !c.rows[n]!.pass);
  body.push(`<div class="table-wrap rows">${t}</div>`); // its long cells wrap; what is still wider scrolls inside its box
  if (c.localisation) body.push(...localisationHtml(c.localisation));
  return body;
}

/**
 * A case of a report with an overview: a collapsed <details> (no script needed to open it) whose summary
 * gives the case's title and verdict word; the overview links to it by its id.
 */
function caseDetails(c: CaseJson, index: number): string[] {
  const state = caseState(c);
  return [
    `<details id="${caseAnchor(index)}" class="case s-${state}">`,
    `<summary><span class="word s-${state}">${escapeHtml(caseWord(c))}</span> ${escapeHtml(caseTitle(c))}</summary>`,
    ...caseBody(c),
    '</details>',
  ];
}

export function renderCompareHtml(r: Report, charts: RenderedChart[]): string {
  const body = [`<h1>bptt-check ${escapeHtml(r.kind)}</h1>`, verdict(r.pass, verdictLine(r))];
  const overview = hasOverview(r);
  if (overview) {
    body.push(...overviewHtml(r), '<h2>Cases</h2>');
    r.cases.forEach((c, i) => body.push(...caseDetails(c, i)));
  } else for (const c of r.cases) body.push(`<h2>${escapeHtml(caseTitle(c))}</h2>`, ...caseBody(c));
  if (!overview) body.push(...compareFigures(r, charts));
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
