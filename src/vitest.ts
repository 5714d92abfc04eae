/**
 * `import 'bptt-check/vitest'` in a setup file adds
 *   await expect(grads).toMatchReferenceGradients(case, { atol, rtol, reference })
 * where grads is `{ loss, gradients }` in the gradients-file shape and case is a case object (as in the
 * case file) or a loaded Case. On failure the message shows the comparison table and the diagnosis. And
 *   await expect(gradients).toMatchReferenceGradientsOn(case | 'suite', { truncate, clipValue, cells, … })
 * where gradients is your function (or { module } or { command }): it is called on the case (or on every
 * case of the default suite) told the variant, as checkSubject does.
 */
import { expect } from 'vitest';
import {
  checkGradients,
  checkSubject,
  type CheckGradientsOptions,
  type CheckSubjectOptions,
  type SubjectInput,
} from './api.js';
import type { CaseResult } from './check/compare.js';
import type { Case, CaseFile } from './model/case.js';
import { alignedTable, ROW_HEADER, rowCells } from './report/table.js';
import type { UserGradients } from './runs/user-module.js';
import { DEFAULT_TOLERANCE } from './check/metrics.js';
import { diagnosisLine, pairsText, toleranceRule } from './report/text.js';

/** The lines of a failing case: its failing rows' table, the pairs, the diagnosis. */
const failureLines = (r: CaseResult): string[] => [
  ...alignedTable(ROW_HEADER, r.rows.filter((x) => !x.pass).map(rowCells)),
  `pairs: ${pairsText(r.verdict, r.error)}`,
  ...(r.diagnosis ?? []).map((d) => `diagnosis: ${diagnosisLine(d)}`),
];

expect.extend({
  async toMatchReferenceGradientsOn(
    received: SubjectInput,
    kase: Case | CaseFile | 'suite',
    options: CheckSubjectOptions = {},
  ) {
    const results =
      kase === 'suite' ? await checkSubject(received, 'suite', options) : [await checkSubject(received, kase, options)];
    const failing = results.filter((r) => !r.pass);
    const ran = results.filter((r) => r.notRun === undefined).length;
    const tolerance = `tolerance: ${toleranceRule({ atol: options.atol ?? DEFAULT_TOLERANCE.atol, rtol: options.rtol ?? DEFAULT_TOLERANCE.rtol })}`;
    return {
      pass: failing.length === 0,
      message: () =>
        failing.length === 0
          ? `expected your code not to match the references, but every tensor agrees on the ${ran} case${ran === 1 ? '' : 's'} it ran`
          : `expected your code to match the references: ${failing.length} of ${ran} case${ran === 1 ? '' : 's'} disagree\n${failing
              .slice(0, 5)
              .flatMap((r) => [`case ${r.id}:`, ...failureLines(r)])
              .join('\n')}${failing.length > 5 ? `\n… and ${failing.length - 5} more` : ''}\n${tolerance}`,
    };
  },

  async toMatchReferenceGradients(received: UserGradients, kase: Case | CaseFile, options: CheckGradientsOptions = {}) {
    const result = await checkGradients(kase, received, options);
    const lines = [
      ...alignedTable(ROW_HEADER, result.rows.map(rowCells)),
      `pairs: ${pairsText(result.verdict, result.error)}`,
      `tolerance: ${toleranceRule({ atol: options.atol ?? DEFAULT_TOLERANCE.atol, rtol: options.rtol ?? DEFAULT_TOLERANCE.rtol })}`,
      ...(result.diagnosis ?? []).map((d) => `diagnosis: ${diagnosisLine(d)}`),
    ];
    return {
      pass: result.pass,
      message: () =>
        result.pass
          ? `expected the gradients not to match the references for case ${result.id}, but every tensor agrees`
          : `expected the gradients to match the references for case ${result.id}:\n${lines.join('\n')}`,
    };
  },
});

declare module 'vitest' {
  interface Assertion<T> {
    toMatchReferenceGradients(kase: Case | CaseFile, options?: CheckGradientsOptions): Promise<T>;
    /** your code (a function, { module } or { command }) on a case or on the default suite */
    toMatchReferenceGradientsOn(kase: Case | CaseFile | 'suite', options?: CheckSubjectOptions): Promise<T>;
  }
}
