/** The pass rule is stated once (src/report/text.ts) and every format prints that one text. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkGradients } from '../../src/api.js';
import { compareArrays } from '../../src/check/metrics.js';
import { buildReport } from '../../src/report/model.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderCompareHtml, escapeHtml } from '../../src/report/html.js';
import { renderJunit } from '../../src/report/junit.js';
import { toleranceRule } from '../../src/report/text.js';
import { renderConsole } from '../../src/report/console.js';
import '../../src/vitest.js';
import { fixturePath, fixtureGrads } from '../helpers/fixtures.js';

const tolerance = { atol: 1e-4, rtol: 1e-3 };
const kase = JSON.parse(readFileSync(fixturePath('rnn-tanh.case.json'), 'utf8'));
/** PyTorch's gradients with dW[0][0] off by 0.1: a failing case, so JUnit and the matcher print their messages */
const broken = () => {
  const g = fixtureGrads('rnn-tanh.grads.json');
  (g.gradients.W as number[][])[0]![0]! += 0.1;
  return g;
};

describe('the tolerance rule', () => {
  it('states atol·S with S the tensor scale, as the metrics apply it', () => {
    const rule = toleranceRule(tolerance);
    expect(rule).toContain('|a − r| ≤ atol·S + rtol·|r|, S = max(‖a‖∞, ‖r‖∞)');
    expect(rule).not.toMatch(/atol \+ rtol/);
    // the stated rule is the applied one: |0.1 − 0| = 0.1 passes with atol = 0.025 only because S = 4
    expect(compareArrays([0.1, 4], [0, 4], { atol: 0.025, rtol: 0 }, (k) => [k]).pass).toBe(true);
  });

  it('is the same text in the console, Markdown, HTML, JUnit and the vitest matcher', async () => {
    const rule = toleranceRule(tolerance);
    const c = await checkGradients(kase, broken(), { reference: 'ops', ...tolerance });
    const r = buildReport([c], {
      kind: 'verify',
      backend: 'cpu',
      tfjsVersion: 'x',
      command: 'bptt-check verify',
      tolerance,
      references: ['tfjs-ops'],
    });
    const sentence = rule.charAt(0).toUpperCase() + rule.slice(1);
    expect(renderConsole(r, [])).toContain(`tolerance: ${rule};`);
    expect(renderMarkdown(r)).toContain(`${sentence}; a tensor passes when every element does.`);
    expect(renderCompareHtml(r, [])).toContain(`<p id="tolerance-rule">${escapeHtml(sentence)}.</p>`);
    expect(renderJunit(r)).toContain(escapeHtml(rule).replace(/&#39;/g, "'"));
    let message = '';
    try {
      await expect(broken()).toMatchReferenceGradients(kase, { reference: 'ops', ...tolerance });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(`tolerance: ${rule}`);
    for (const text of [renderConsole(r, []), renderMarkdown(r), renderCompareHtml(r, []), renderJunit(r), message])
      expect(text).not.toMatch(/atol \+ rtol/);
  });
});
