/** The console: the table and the lines a compare, verify or suite run prints. */
import pc from 'picocolors';
import type { CaseJson } from './json-types.js';
import { verdictLine, type Report } from './model.js';
import { alignedTable, caseTitle, ROW_HEADER, rowCells } from './table.js';
import {
  clipLine,
  diagnosisLine,
  placesText,
  shownDiagnoses,
  epsText,
  fdModeText,
  FIELD_NAMES,
  NO_PATTERN,
  toleranceRule,
  type Names,
} from './text.js';
import { visible } from './escape.js';
import { adjointsLine } from './adjoints.js';

export function caseLine(c: Pick<CaseJson, 'id' | 'pass' | 'rows' | 'notRun'>): string {
  if (c.notRun !== undefined) return `${pc.yellow('not run')}  ${visible(c.id)}  (${visible(c.notRun)})`;
  const failed = c.rows.filter((r) => !r.pass);
  const mark = c.pass ? pc.green('pass') : pc.red('FAIL');
  // rows with NaN or ±Inf, or a tensor not given, have no relErrNorm: they are counted, not maximised over
  const measured = c.rows.filter((r) => !Number.isNaN(r.relErrNorm));
  const unmeasured = c.rows.length - measured.length;
  const worst = measured.length
    ? `worst relErrNorm ${Math.max(...measured.map((r) => r.relErrNorm)).toExponential(1)}`
    : 'no row measured';
  return `${mark}  ${visible(c.id)}  (${worst}${unmeasured ? `, ${unmeasured} without measures (non-finite or not given)` : ''}${failed.length ? `, ${failed.length} failing: ${failed.map((r) => `${r.tensor} ${r.a} vs ${r.r}`).join(', ')}` : ''})`;
}

/** `names` shows the option fields the text names (text.ts): the CLI's withFlags writes them as flags. */
export function renderConsole(r: Report, written: string[], names: Names = FIELD_NAMES): string {
  const lines: string[] = [];
  if (r.kind === 'compare' || r.kind === 'verify') {
    for (const c of r.cases) {
      lines.push(pc.bold(visible(caseTitle(c))), '');
      lines.push(
        ...alignedTable(ROW_HEADER, c.rows.map(rowCells)).map((l) => (l.includes('FAIL') ? pc.red(l) : l)),
        '',
      );
      lines.push(...caseNotes(c), '');
    }
  } else {
    lines.push(...r.cases.map(caseLine), '');
    for (const c of r.cases.filter((x) => !x.pass)) {
      lines.push(
        pc.bold(visible(caseTitle(c))),
        ...alignedTable(ROW_HEADER, c.rows.filter((x) => !x.pass).map(rowCells)),
        ...caseNotes(c),
        '',
      );
    }
  }
  if (r.conventions) lines.push(`conventions: ${r.conventions.map(visible).join('; ')}`);
  lines.push(
    `tolerance: ${toleranceRule(r.tolerance)}; backend ${r.backend}, tfjs ${r.tfjsVersion}, hand kernels ${r.handKernels}`,
  );
  lines.push(`reports: ${written.map(visible).join(', ')}`);
  lines.push((r.pass ? pc.green : pc.red)(pc.bold(verdictLine(r))), '');
  return names(lines.join('\n'));
}

/** What a case result says beyond its table: pairs, notes, clipping, finite differences, steps. */
function caseNotes(c: CaseJson): string[] {
  const out = [`pairs: ${c.disagreement}`];
  if (c.places) out.push(`in your names: ${visible(placesText(c.places))}`);
  for (const d of shownDiagnoses(c.diagnosis ?? [])) out.push(`diagnosis: ${diagnosisLine(d)}`);
  if (!c.diagnosis?.length && c.rows.some((r) => !r.pass)) out.push(`diagnosis: ${NO_PATTERN}`);
  for (const note of c.notes ?? []) out.push(`note: ${note}`);
  if (c.clip) out.push(clipLine(c.clip));
  if (c.fd) out.push(`finite differences: ${fdModeText(c.fd.mode)}; ε ${epsText(c.fd.eps)}`);
  for (const line of c.localisation?.lines ?? []) out.push(`localisation: ${line}`);
  if (c.localisation?.minimal?.command)
    out.push(`reproduce the smallest failing case: ${c.localisation.minimal.command}`);
  if (c.steps) {
    const s = c.steps;
    out.push(
      `per step (${s.outputStep === null ? 'L = Σ_t L_t' : `L_${s.outputStep} only`}, ${s.rows.length} steps, against ${s.reference}): ` +
        (s.firstDivergence === null
          ? 'hand and reference agree at every step'
          : `first divergence at step ${s.firstDivergence}`) +
        ' (steps.csv)',
    );
  }
  if (c.adjoints) out.push(`${adjointsLine(c.adjoints, c.rows[0]?.a ?? 'yours')} (adjoints.csv)`);
  return out.map(visible); // on one line each, no control character from a user string
}
