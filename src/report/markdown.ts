import type { LocalisationJson, StepCompareJson, StepsJson } from './json-types.js';
import { verdictLine, verdictWord, type Report } from './model.js';
import { caseTitle, markdownTable, ROW_HEADER, rowCells } from './table.js';
import {
  capitalize,
  clipNorms,
  FIELD_NAMES,
  type Names,
  diagnosisText,
  placesText,
  shownDiagnoses,
  epsText,
  fdModeText,
  NO_PATTERN,
  num,
  toleranceRule,
} from './text.js';
import { mdFence, mdInline, mdText, visible } from './escape.js';
import { adjointsSection } from './adjoints.js';
import { hasOverview } from './overview.js';
import { overviewMarkdown } from './overview-md.js';

/**
 * report.md: the verdict first, then (many cases) the overview, then the tables, the tolerances and how to reproduce the run. `names`
 * shows the option fields our sentences name (text.ts): applied to each sentence that may name one (pairs,
 * diagnosis, notes) before it is escaped, never to the whole (Markdown's own code spans are backticked).
 */
export function renderMarkdown(r: Report, names: Names = FIELD_NAMES): string {
  const out: string[] = [`# bptt-check ${r.kind}: ${verdictWord(r)}`, '', `**${verdictLine(r)}**`, ''];
  if (hasOverview(r)) out.push(...overviewMarkdown(r, names)); // many cases: the overview first
  const failed = r.cases.flatMap((c) => c.rows.filter((row) => !row.pass).map((row) => ({ c, row })));
  if (failed.length) {
    out.push('## Failing comparisons', '');
    out.push(
      ...markdownTable(
        ['case', ...ROW_HEADER],
        failed.map(({ c, row }) => [mdText(c.id), ...rowCells(row)]),
      ),
      '',
    );
  }
  const diagnoses = r.cases.flatMap((c) => shownDiagnoses(c.diagnosis ?? []).map((d) => ({ c, d })));
  if (diagnoses.length) {
    out.push('## Diagnosis', '');
    for (const { c, d } of diagnoses)
      out.push(`- **${d.tensor}: ${d.pattern}** (${mdText(c.id)}): ${names(diagnosisText(d))}`);
    out.push('');
  } else if (failed.length) out.push(NO_PATTERN, '');
  for (const c of r.cases.filter((x) => x.localisation)) out.push(...localisationSection(c.localisation!, c.id, names));
  out.push('## Results', '');
  for (const c of r.cases) {
    if (c.notRun !== undefined) {
      // nothing compared: the case is listed, with why, and no table
      out.push(`### – ${caseTitle(c, mdText)}`, '', `**Not run:** ${mdInline(names(c.notRun))}.`, '');
      continue;
    }
    out.push(`### ${c.pass ? '✓' : '✗'} ${caseTitle(c, mdText)}`, '');
    const losses = Object.entries(c.loss)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const times = Object.entries(c.ms)
      .map(([k, v]) => `${k} ${v!.toFixed(1)} ms`)
      .join(', ');
    if (c.error === undefined) out.push(`Loss: ${losses}. Time: ${times}.`, ''); // a case that did not complete has neither
    out.push(`**Pairs:** ${mdInline(names(c.disagreement))}.`, '');
    if (c.places) out.push(`**In your names:** ${mdText(placesText(c.places))}.`, ''); // it may quote a user string: the error of a case that did not complete
    for (const note of c.notes ?? []) out.push(`Note: ${visible(names(note))}.`, '');
    if (c.clip) out.push(`Clipping: global norm of the parameter gradients ${clipNorms(c.clip)}.`, '');
    if (c.fd)
      out.push(
        `Finite differences: ${fdModeText(c.fd.mode)}, central, ε per tensor ${epsText(c.fd.eps)}; ` +
          `the pair ${c.rows[0]?.a ?? 'hand'} vs fd is held to atol ${c.fd.tolerance.atol}, rtol ${c.fd.tolerance.rtol}${c.dtype?.dtype === 'float32' ? ' (the float32 tolerances: yours is float32)' : ''}.`,
        '',
      );
    out.push(...markdownTable(ROW_HEADER, c.rows.map(rowCells)), '');
    if (c.steps) out.push(...stepsSection(c.steps), '');
    if (c.adjoints) out.push(...adjointsSection(c.adjoints, c.rows[0]?.a ?? 'yours'), '');
  }
  if (r.conventions) out.push('## Conventions', '', ...r.conventions.map((x) => `- ${mdText(x)}`), '');
  out.push(
    '## Tolerances',
    '',
    `${capitalize(toleranceRule(r.tolerance))}; a tensor passes when every element does. ` +
      'a is the side under test (the hand-written BPTT or yours, or the first reference), r the side it is checked against. ' +
      'maxRelErr is max |a − r| / max(|a|, |r|); relErrNorm is ‖a − r‖ / max(‖a‖, ‖r‖). ' +
      'The worst element is the one closest to (or furthest past) its bound. The hand side and the finite differences compute in float64, tfjs in float32, and yours in the precision its note states.',
    '',
    '## Reproduce',
    '',
    ...mdFence(r.command, 'sh'),
    '',
    `bptt-check ${r.tool.version}, tfjs ${r.tfjsVersion} on the \`${r.backend}\` backend, hand side on ${r.handKernels} kernels, Node ${r.node}, ${r.createdAt}.`,
    '',
  );
  return out.join('\n');
}

/** Where the error is, by experiment: the findings, then the command that checks the smallest failing case again. */
function localisationSection(l: LocalisationJson, id: string, names: Names): string[] {
  const out = [`## Localisation (${mdText(id)})`, '', ...l.lines.map((line) => `- ${mdInline(names(line))}`), ''];
  if (l.minimal?.command) out.push('Reproduce the smallest failing case:', '', ...mdFence(l.minimal.command, 'sh'), '');
  return out;
}

function stepsSection(s: StepsJson): string[] {
  const cell = (v?: StepCompareJson) =>
    v ? `${num(v.hand)} / ${num(v.reference)} / ${num(v.relErrNorm)}${v.pass ? '' : ' ✗'}` : '';
  const first =
    s.firstDivergence === null
      ? 'The two sides agree at every step.'
      : `**First step where the two sides diverge beyond tolerance: ${s.firstDivergence}.**`;
  return [
    `#### Per step: ${s.outputStep === null ? 'L = Σ_t L_t' : `the single output L_${s.outputStep}`}, hand against ${s.reference}`,
    '',
    first,
    '',
    'Each cell: ‖hand‖ / ‖reference‖ / relErrNorm. The adjoint is ∂L/∂s_k; W, U, b are the contributions of step k (da_k s_{k−1}ᵀ, da_k x_kᵀ, da_k).',
    '',
    ...markdownTable(
      ['step k', '∂L/∂s_k', 'dW_k', 'dU_k', 'db_k'],
      s.rows.map((r) => [String(r.step), cell(r.adjoint), cell(r.W), cell(r.U), cell(r.b)]),
    ),
  ];
}
