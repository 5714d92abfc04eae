/**
 * Issue 18, item 2, through the real CLI: `suite` writes report.html, opening with the overview (the grid
 * of cases × tensors, failing first, each linked to its collapsed section; the worst ten; the diagnoses
 * counted), all checked against report.json of the same run; and a merged sweep whose case file has a
 * hostile id shows it escaped. report.md opens with the overview too.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { unescapeMarkup } from '../helpers/markup.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SLOW = 900_000;

interface Row {
  tensor: string;
  pass: boolean;
  worst: { excess: number | null } | null;
  nonFinite?: unknown;
}
interface Case {
  id: string;
  pass: boolean;
  rows: Row[];
  notRun?: string;
  diagnosis?: { tensor: string; pattern: string }[];
}
const read = (dir: string, name: string) => readFileSync(join(dir, name), 'utf8');
const cases = (dir: string) => (JSON.parse(read(dir, 'report.json')) as { cases: Case[] }).cases;

/** A row's error / bound as report.json gives it: null (±Inf, NaN) and a non-finite or unmeasured row are ∞. */
const excessOf = (r: Row) =>
  r.nonFinite || r.worst === null || r.worst.excess === null ? (r.pass ? 0 : Infinity) : r.worst.excess;

/** The <tr>…</tr> of a table's body, by the table's id. */
function bodyRows(html: string, id: string): string[] {
  const t = html.slice(html.indexOf(`<table id="${id}"`));
  const body = t.slice(t.indexOf('<tbody>'), t.indexOf('</table>'));
  return body.match(/<tr[\s\S]*?<\/tr>/g) ?? [];
}
const attr = (tr: string, name: string) => tr.match(new RegExp(`${name}="([^"]*)"`))![1]!;
const unescape = unescapeMarkup;

describe.concurrent('the overview of a many-case report, through the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bptt-suite-html-'));

  it(
    'suite of a buggy module: report.html opens with a grid that matches report.json, failing cases first',
    async () => {
      const impl = join(ROOT, 'examples', 'my-bptt-buggy.mjs');
      const run = await cli(['suite', '--impl', impl, '--cells', 'rnn', '--out', 'bad', '--timeout', '600'], dir);
      expect(run.code).toBe(1);
      const out = join(dir, 'bad');
      const html = read(out, 'report.html');
      const all = cases(out);
      expect(all.some((c) => !c.pass) && all.some((c) => c.pass && c.notRun === undefined)).toBe(true);
      expect(html).not.toMatch(/<script/i);
      expect(html.indexOf('id="verdict"')).toBeLessThan(html.indexOf('<table id="overview-grid"'));

      // one grid row per case; one td.cell per case × tensor of that case, and its worst over the tensor's rows
      const grid = bodyRows(html, 'overview-grid');
      expect(grid.map((tr) => unescape(attr(tr, 'data-case'))).sort()).toEqual(all.map((c) => c.id).sort());
      let cellsSeen = 0;
      for (const tr of grid) {
        const c = all.find((x) => x.id === unescape(attr(tr, 'data-case')))!;
        const want = new Map<string, number>();
        for (const r of c.rows) want.set(r.tensor, Math.max(want.get(r.tensor) ?? -Infinity, excessOf(r)));
        const got = [...tr.matchAll(/<td class="cell [^"]*" data-tensor="([^"]*)" data-excess="([^"]*)"/g)];
        expect(new Map(got.map((m) => [unescape(m[1]!), Number(m[2])]))).toEqual(want);
        cellsSeen += got.length;
      }
      expect(cellsSeen).toBe(all.reduce((n, c) => n + new Set(c.rows.map((r) => r.tensor)).size, 0));

      // failing rows before every passing row
      const pass = grid.map((tr) => attr(tr, 'data-pass'));
      expect(pass.lastIndexOf('false')).toBeLessThan(pass.indexOf('true'));
      expect(pass.filter((p) => p === 'false')).toHaveLength(all.filter((c) => !c.pass).length);

      // every link points at a collapsed section that exists, the case's own (case-N for report.cases[N − 1])
      for (const tr of grid) {
        const href = attr(tr, 'href').slice(1);
        expect(html).toMatch(new RegExp(`<details id="${href}" class="case [^"]*">`));
        const n = Number(href.slice('case-'.length)) - 1;
        expect(unescape(attr(tr, 'data-case'))).toBe(all[n]!.id);
      }
      expect(html.match(/<details /g)).toHaveLength(all.length);
      expect(html).not.toMatch(/<details[^>]* open/);

      // the worst ten: the ten largest excesses of report.json, in order
      const excesses = all.flatMap((c) => c.rows.map(excessOf)).sort((a, b) => (a === b ? 0 : a > b ? -1 : 1));
      const worst = bodyRows(html, 'worst-ten').map((tr) => Number(attr(tr, 'data-excess')));
      expect(worst).toEqual(excesses.slice(0, 10));

      // the diagnoses counted by pattern: cases and tensors as report.json has them
      const counts = new Map<string, { cases: number; tensors: number }>();
      for (const c of all) {
        const seen = new Set<string>();
        for (const d of c.diagnosis ?? []) {
          const k = counts.get(d.pattern) ?? { cases: 0, tensors: 0 };
          k.tensors++;
          if (!seen.has(d.pattern)) {
            k.cases++;
            seen.add(d.pattern);
          }
          counts.set(d.pattern, k);
        }
      }
      expect(counts.size).toBeGreaterThan(0);
      const got = new Map(
        bodyRows(html, 'diagnoses-counted').map((tr) => [
          attr(tr, 'data-pattern'),
          { cases: Number(attr(tr, 'data-cases')), tensors: Number(attr(tr, 'data-tensors')) },
        ]),
      );
      expect(got).toEqual(counts);

      // report.md: the overview right after the verdict
      const md = read(out, 'report.md').split('\n');
      expect(md[0]).toBe('# bptt-check suite: FAIL');
      expect(md[4]).toBe('## Overview');
      expect(md[6]).toBe('### The worst 10 comparisons');
    },
    SLOW,
  );

  it(
    'a merged sweep: the overview escapes a hostile case id, and a passing run has no diagnoses to count',
    async () => {
      const hostile = '"><script>alert(1)</script><img src=x onerror=alert(2)>';
      const kase = JSON.parse(read(join(ROOT, 'test/fixtures'), 'rnn-tanh.case.json')) as Record<string, unknown>;
      writeFileSync(join(dir, 'hostile.case.json'), JSON.stringify({ ...kase, id: hostile }));
      const matrix = { schemaVersion: 1, id: 'h', generate: { hiddenSize: [3], steps: [3], seeds: [1, 2] } };
      writeFileSync(join(dir, 'h.json'), JSON.stringify({ ...matrix, cases: ['hostile.case.json'] }));
      for (const i of [1, 2]) {
        const args = ['sweep', '--matrix', 'h.json', '--workers', '1', '--reference', 'ops', '--shard', `${i}/2`];
        expect((await cli([...args, '--out', `h${i}`], dir)).code).toBe(0);
      }
      expect((await cli(['merge', 'h1', 'h2', '--out', 'hm'], dir)).code).toBe(0);
      const out = join(dir, 'hm');
      const html = read(out, 'report.html');
      expect(cases(out).map((c) => c.id)).toContain(hostile);
      expect(html).not.toMatch(/<script|<img/i);
      const grid = bodyRows(html, 'overview-grid');
      expect(grid).toHaveLength(3);
      expect(grid.map((tr) => unescape(attr(tr, 'data-case')))).toContain(hostile);
      expect(html).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html).toContain('<p id="diagnoses-counted">none</p>');
      expect(read(out, 'report.md')).toContain('\\<script\\>alert\\(1\\)');
      // no chart of one case stands for the three: neither a PNG nor an inline SVG
      for (const d of ['h1', 'h2', 'hm'])
        expect(readdirSync(join(dir, d)).filter((f) => f.endsWith('.png'))).toEqual([]);
      expect(html).not.toContain('<svg');
    },
    SLOW,
  );
});
