/**
 * `import 'bptt-check/vitest'` in a setup file adds
 *   await expect(grads).toMatchReferenceGradients(case, { atol, rtol, reference })
 * where grads is `{ loss, gradients }` in the gradients-file shape and case is a case object (as in the
 * case file) or a loaded Case. On failure the message shows the comparison table and the diagnosis.
 */
import { expect } from 'vitest';
import { checkGradients, type CheckGradientsOptions } from './api.js';
import type { Case, CaseFile } from './model/case.js';
import { alignedTable, ROW_HEADER, rowCells } from './report/table.js';
import type { UserGradients } from './runs/user-module.js';
import { DEFAULT_TOLERANCE } from './check/metrics.js';
import { diagnosisLine, pairsText, toleranceRule } from './report/text.js';

expect.extend({
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
  }
}
