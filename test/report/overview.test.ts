/**
 * Issue 18, item 2: the overview of a report of more than one case, on hand-made cases whose worst error /
 * bound is set by hand: the grid's cells, their order (failing first), the worst ten, the diagnoses counted,
 * the collapsed sections, escaping, and report.md's overview first. A single-case report keeps its layout.
 */
import { describe, expect, it } from 'vitest';
import type { CaseJson, RowJson } from '../../src/report/json-types.js';
import { buildReport, type Report } from '../../src/report/model.js';
import { renderCompareHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { excessShort } from '../../src/report/overview.js';
import { excessClass } from '../../src/report/overview-html.js';

const config = { cell: 'rnn', activation: 'tanh', bias: true, inputs: 'dense' as const, I: 2, H: 2, K: 2, T: 3, B: 1 };

/** A row whose worst element is `excess` times its bound (null: none measured). */
function row(tensor: string, excess: number | null, pair: [string, string] = ['hand', 'tfjs-ops']): RowJson {
  const pass = excess !== null && excess <= 1;
  return {
    tensor,
    shape: '2x2',
    a: pair[0],
    r: pair[1],
    scale: 1,
    maxAbsErr: excess === null ? NaN : excess * 1e-4,
    maxRelErr: 0,
    relErrNorm: excess === null ? NaN : excess * 1e-5,
    cosine: 1,
    worst: excess === null ? null : { index: [0, 0], a: 1, r: 1, excess },
    failing: pass ? 0 : 1,
    count: 4,
    pass,
  };
}

function kase(id: string, rows: RowJson[], extra: Partial<CaseJson> = {}): CaseJson {
  return {
    id,
    config: { ...config, initialState: false },
    pass: rows.every((r) => r.pass),
    loss: {},
    ms: {},
    rows,
    disagreement: 'none',
    ...extra,
  };
}

const meta = {
  kind: 'suite' as const,
  backend: 'cpu',
  tfjsVersion: '0',
  command: 'bptt-check suite',
  tolerance: { atol: 1e-4, rtol: 1e-3 },
  references: ['tfjs-ops'],
};

const HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>';
const cases: CaseJson[] = [
  kase('ok-small', [row('loss', 0.001), row('W', 0.02), row('W', 0.5, ['hand', 'tfjs-layers'])]),
  kase('fail-some', [row('loss', 0), row('W', 3), row('U', 0.1)], {
    diagnosis: [{ tensor: 'W', pattern: 'missing-activation-derivative', detail: 'dW off by f′' }],
  }),
  kase('not-run', [], { notRun: 'the subject implements rnn, not lstm' }),
  kase(HOSTILE, [row('W', 40), row('U_i', null)], {
    diagnosis: [
      { tensor: 'W', pattern: 'missing-activation-derivative', detail: `${HOSTILE} detail` },
      { tensor: 'U_i', pattern: 'transposed', detail: 'U_i transposed' },
    ],
  }),
  kase('ok-exact', [row('loss', 0), row('W', 0), row('b', 0)]),
  kase('crashed', [], { pass: false, error: 'the worker stopped' }),
];
const report: Report = buildReport(cases, meta);
const html = renderCompareHtml(report, []);

/** The <tr>…</tr> of a table, by its id. */
function tableRows(id: string): string[] {
  const t = html.slice(html.indexOf(`<table id="${id}"`));
  return t
    .slice(0, t.indexOf('</table>'))
    .match(/<tr[\s\S]*?<\/tr>/g)!
    .slice(1);
}

describe('the overview of a report of many cases', () => {
  it('has one grid row per case, failing first, then not completed, not run, and passing by worst excess', () => {
    const rows = tableRows('overview-grid');
    const ids = rows.map((r) => r.match(/data-case="([^"]*)"/)![1]);
    const esc = '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;';
    // hostile (worst ∞, the unmeasured U_i) before fail-some (worst 3); ok-small (0.5) before ok-exact (0)
    expect(ids).toEqual([esc, 'fail-some', 'crashed', 'not-run', 'ok-small', 'ok-exact']);
    const pass = rows.map((r) => r.match(/data-pass="(\w+)"/)![1]);
    expect(pass).toEqual(['false', 'false', 'false', 'true', 'true', 'true']);
  });

  it('has a cell per case × tensor it has, its worst over every pair, and an empty td for the others', () => {
    expect(html).toMatch(/<tr><th scope="col">case<\/th><th scope="col">verdict<\/th><th[^>]*><span>loss<\/span>/);
    const heads = [...html.matchAll(/<th class="tensor" scope="col"><span>([^<]*)<\/span>/g)].map((m) => m[1]);
    expect(heads).toEqual(['loss', 'W', 'U', 'U_i', 'b']); // the order of first appearance
    const rows = tableRows('overview-grid');
    const cells = (r: string) =>
      [...r.matchAll(/<td class="(cell [pf]\d|none)"(?: data-tensor="([^"]*)" data-excess="([^"]*)")?/g)].map((m) =>
        m[1] === 'none' ? null : [m[2], m[3], m[1]],
      );
    expect(cells(rows[0]!)).toEqual([null, ['W', '40', 'cell f1'], null, ['U_i', 'Infinity', 'cell f3'], null]);
    expect(cells(rows[1]!)).toEqual([
      ['loss', '0', 'cell p3'],
      ['W', '3', 'cell f0'],
      ['U', '0.1', 'cell p1'],
      null,
      null,
    ]);
    expect(cells(rows[2]!)).toEqual([null, null, null, null, null]);
    expect(cells(rows[3]!)).toEqual([null, null, null, null, null]);
    // W of ok-small: the worse of its two pairs, 0.5 (hand vs tfjs-layers), not 0.02
    expect(cells(rows[4]!)).toEqual([['loss', '0.001', 'cell p3'], ['W', '0.5', 'cell p0'], null, null, null]);
    expect(cells(rows[5]!)).toEqual([
      ['loss', '0', 'cell p3'],
      ['W', '0', 'cell p3'],
      null,
      null,
      ['b', '0', 'cell p3'],
    ]);
    expect(rows[4]).toContain('title="W: error / bound 0.5 (hand vs tfjs-layers)"');
    expect(rows[4]).toMatch(/>0\.5<\/td>/);
    expect(rows[0]).toMatch(/>∞<\/td>/);
    expect(html.match(/<td class="cell /g)).toHaveLength(10);
  });

  it('links each case to its collapsed section, which holds its table', () => {
    const links = [
      ...tableRows('overview-grid')
        .join('')
        .matchAll(/href="#(case-\d+)"/g),
    ].map((m) => m[1]);
    expect(links).toEqual(['case-4', 'case-2', 'case-6', 'case-3', 'case-1', 'case-5']);
    for (const id of links) expect(html).toContain(`<details id="${id}" class="case`);
    expect(html).not.toMatch(/<details[^>]* open/);
    expect(html).toMatch(
      /<details id="case-2" class="case s-fail">\n<summary><span class="word s-fail">FAIL<\/span> fail-some: /,
    );
    expect(html).toMatch(
      /<details id="case-3" class="case s-notrun">\n<summary><span class="word s-notrun">not run<\/span>/,
    );
    expect(html).toMatch(/<summary><span class="word s-pass">pass<\/span> ok-exact: /);
    expect(html).toMatch(
      /<details id="case-6" class="case s-error">\n<summary><span class="word s-error">FAIL<\/span> crashed: /,
    );
    expect(html).not.toMatch(/PASS/); // the report's word alone, and this report fails
  });

  it('lists the ten worst comparisons, largest first, and counts the diagnoses by pattern', () => {
    const worst = tableRows('worst-ten').map((r) => r.match(/data-excess="([^"]*)"/)![1]);
    // 11 rows in all: the ten largest of ∞, 40, 3, 0.5, 0.1, 0.02, 0.001, 0, 0, 0, 0 (one 0 left out)
    expect(worst).toEqual(['Infinity', '40', '3', '0.5', '0.1', '0.02', '0.001', '0', '0', '0']);
    expect(tableRows('worst-ten')[1]).toMatch(
      /<td>W<\/td><td>hand vs tfjs-ops<\/td><td>40<\/td><td>4\.00e-4<\/td><td>0\.004<\/td><td>1 of 4<\/td>/,
    );
    const counted = tableRows('diagnoses-counted').map((r) =>
      r.match(/data-pattern="([^"]*)" data-cases="(\d+)" data-tensors="(\d+)"/)!.slice(1),
    );
    expect(counted).toEqual([
      ['missing-activation-derivative', '2', '2'],
      ['transposed', '1', '1'],
    ]);
  });

  it('escapes a hostile case id everywhere and has no script', () => {
    expect(html).not.toMatch(/<script|<img|onerror=alert\(2\)>/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('says none when no diagnosis was made', () => {
    const clean = renderCompareHtml(buildReport([cases[0]!, cases[4]!], meta), []);
    expect(clean).toContain('<p id="diagnoses-counted">none</p>');
  });

  it('opens report.md with the overview: the worst ten, then the diagnoses counted', () => {
    const md = renderMarkdown(report);
    const lines = md.split('\n');
    expect(lines.slice(0, 5)).toEqual([
      '# bptt-check suite: FAIL',
      '',
      expect.stringMatching(/^\*\*FAIL: /),
      '',
      '## Overview',
    ]);
    expect(md.indexOf('## Overview')).toBeLessThan(md.indexOf('## Failing comparisons'));
    const worst = md.slice(md.indexOf('### The worst 10 comparisons'), md.indexOf('### Diagnoses by pattern'));
    const table = worst.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| case'));
    expect(table.map((l) => l.split(' | ')[3])).toEqual([
      '∞ ✗',
      '40 ✗',
      '3 ✗',
      '0.5',
      '0.1',
      '0.02',
      '0.001',
      '0',
      '0',
      '0',
    ]);
    expect(md).toMatch(/\| missing-activation-derivative \| 2 \| 2 \| fail-some, W\\: dW off by f′ \|/);
    const overview = md.slice(0, md.indexOf('## Failing comparisons'));
    expect(overview).toContain('\\<script\\>alert\\(1\\)');
    expect(overview).not.toMatch(/(^|[^\\])<(script|img)/m);
  });

  it('keeps the layout of a single-case compare: no overview, no details', () => {
    const one = renderCompareHtml(buildReport([cases[1]!], { ...meta, kind: 'compare' }), []);
    expect(one).not.toContain('<table id="overview-grid"');
    expect(one).not.toContain('id="worst-ten"');
    expect(one).not.toContain('<details');
    expect(one).toContain('<h2>fail-some: ');
    expect(renderMarkdown(buildReport([cases[1]!], { ...meta, kind: 'compare' }))).not.toContain('## Overview');
  });

  it('writes an error / bound in a few characters', () => {
    expect([0, 3.2e-5, 0.031, 0.456, 1.24, 12.4, 999, 2345, Infinity].map(excessShort)).toEqual([
      '0',
      '3e−5',
      '0.031',
      '0.46',
      '1.2',
      '12',
      '999',
      '2e3',
      '∞',
    ]);
  });

  it('never labels two cells of different colours alike: small values are rounded down to their bin', () => {
    // 0.00097 is in the bin up to 1e−3 and 0.00128 in the next: rounded, both would read 1e−3
    const [a, b] = [0.00097, 0.00128];
    expect(excessClass(a)).not.toBe(excessClass(b));
    expect(excessShort(a)).toBe('9e−4');
    expect(excessShort(b)).toBe('1e−3');
    expect(excessShort(0.001)).toBe('1e−3');
    expect(excessShort(0.0099)).toBe('9e−3');
  });
});
