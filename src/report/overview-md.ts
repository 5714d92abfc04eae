/**
 * report.md's overview (a report of more than one case), read first in a CI step summary: the worst ten
 * comparisons and the diagnoses counted by pattern. User strings (case ids, tensors, pairs, details) through mdText.
 */
import type { Report } from './model.js';
import { markdownTable } from './table.js';
import { num, type Names } from './text.js';
import { mdText } from './escape.js';
import { diagnosesCounted, worstComparisons } from './overview.js';

export function overviewMarkdown(r: Report, names: Names): string[] {
  const worst = worstComparisons(r, 10);
  const out = ['## Overview', ''];
  out.push(`### The worst ${worst.length === 1 ? 'comparison' : `${worst.length} comparisons`}`, '');
  if (worst.length)
    out.push(
      'Error / bound: |a − r| / (atol·S + rtol·|r|) at the worst element; > 1 fails, ∞ a non-finite or unmeasured element.',
      '',
      ...markdownTable(
        ['case', 'tensor', 'pair', 'error / bound', 'relErrNorm', 'maxAbsErr', 'failing elements'],
        worst.map((w) => [
          mdText(w.c.id),
          mdText(w.row.tensor),
          mdText(`${w.row.a} vs ${w.row.r}`),
          `${w.excess === Infinity ? '∞' : num(w.excess)}${w.row.pass ? '' : ' ✗'}`,
          num(w.row.relErrNorm),
          num(w.row.maxAbsErr),
          `${w.row.failing} of ${w.row.count}`,
        ]),
      ),
      '',
    );
  else out.push('No comparison ran.', '');
  const counted = diagnosesCounted(r);
  out.push('### Diagnoses by pattern', '');
  if (!counted.length) out.push('none', '');
  else
    out.push(
      ...markdownTable(
        ['pattern', 'cases', 'tensors', 'an example'],
        counted.map((p) => [
          mdText(p.pattern),
          String(p.cases),
          String(p.tensors),
          mdText(names(`${p.example.c.id}, ${p.example.tensor}: ${p.example.detail}`)),
        ]),
      ),
      '',
    );
  return out;
}
