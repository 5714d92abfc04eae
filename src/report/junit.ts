/** JUnit XML for CI: one testcase per case × tensor; a failure message carries the metrics of every failing pair. */
import { XMLBuilder } from 'fast-xml-parser';
import { verdictLine, type Report } from './model.js';
import { unmeasuredText } from './table.js';
import { num, toleranceRule } from './text.js';
import { xmlText } from './escape.js';

/** Every string of the document through xmlText: no character XML 1.0 forbids, whatever the case id holds. */
function xmlSafe(v: unknown): unknown {
  if (typeof v === 'string') return xmlText(v);
  if (Array.isArray(v)) return v.map(xmlSafe);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, xmlSafe(x)]));
  return v;
}

/** The row's error measures, or why it has none (NaN or ±Inf elements, a tensor not given). */
function measures(row: Report['cases'][number]['rows'][number]): string {
  const nf = unmeasuredText(row);
  if (nf) return nf;
  return `relErrNorm ${num(row.relErrNorm)}, maxAbsErr ${num(row.maxAbsErr)}, maxRelErr ${num(row.maxRelErr)}`;
}

export function renderJunit(r: Report): string {
  const suites = r.cases.map((c) => {
    const tensors = [...new Set(c.rows.map((row) => row.tensor))];
    const testcase = tensors.map((tensor) => {
      const failing = c.rows.filter((row) => row.tensor === tensor && !row.pass);
      const diagnosis = (c.diagnosis ?? [])
        .filter((d) => d.tensor === tensor)
        .map((d) => ` Diagnosis: ${d.pattern} (${d.detail}).`);
      const tc: Record<string, unknown> = { '@_classname': c.id, '@_name': tensor };
      if (failing.length)
        tc.failure = {
          '@_message':
            failing
              .map(
                (row) =>
                  `${row.a} vs ${row.r}: ${measures(row)}, ${row.failing} of ${row.count} outside tolerance${row.reason ? ` (${row.reason})` : ''}`,
              )
              .join('; ') + diagnosis.join(''),
          '@_type': 'GradientMismatch',
          '#text': `${toleranceRule(r.tolerance)}; ${c.disagreement}`,
        };
      return tc;
    });
    // a case not run (a cell the subject does not implement): one skipped testcase that says why
    if (c.notRun !== undefined)
      testcase.push({ '@_classname': c.id, '@_name': 'case', skipped: { '@_message': `not run: ${c.notRun}` } });
    // a case that did not complete (a crashed worker) has no rows: one failing testcase that says why, so CI does not read it as passed
    if (c.error !== undefined)
      testcase.push({
        '@_classname': c.id,
        '@_name': 'case',
        failure: { '@_message': `the case did not complete: ${c.error}`, '@_type': 'CaseError' },
      });
    return {
      '@_name': c.id,
      '@_tests': testcase.length,
      '@_failures': testcase.filter((t) => t.failure).length,
      ...(c.notRun !== undefined ? { '@_skipped': 1 } : {}),
      testcase,
    };
  });
  // an incomplete merge: one failing testcase that says so, so CI does not read the missing cases as passed
  if (r.incomplete)
    suites.push({
      '@_name': 'merge',
      '@_tests': 1,
      '@_failures': 1,
      testcase: [
        {
          '@_classname': 'merge',
          '@_name': 'every case of the matrix',
          failure: { '@_message': verdictLine(r), '@_type': 'Incomplete' },
        },
      ],
    });
  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: {
      '@_name': `bptt-check ${r.kind}`,
      '@_tests': suites.reduce((n, s) => n + s['@_tests'], 0),
      '@_failures': suites.reduce((n, s) => n + s['@_failures'], 0),
      ...(r.counts.notRun ? { '@_skipped': r.counts.notRun } : {}),
      testsuite: suites,
    },
  };
  return `${new XMLBuilder({ ignoreAttributes: false, format: true, suppressEmptyNode: true }).build(xmlSafe(doc))}`;
}
