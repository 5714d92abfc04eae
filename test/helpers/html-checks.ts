/**
 * Checks of a report page opened in real Chromium (playwright-core), usable from any test. Each check returns
 * the list of problems it found, one readable line each (empty: the page passes), so that a failing test says
 * exactly what is wrong: `expect(await textOverlaps(page)).toEqual([])`.
 *
 * What each check holds the page to is issue 18's "How it is checked": no console error, no network, no dialog,
 * no script; no horizontal scroll at 1,280 px; every chart (vega's inline SVG) with a title, an x and a y axis
 * title, a legend, at most MAX_CHART_WIDTH wide and no two of its text boxes overlapping; every log axis in the
 * one number format 1e−10; a multi-case report's overview grid with one cell per case × tensor and the failing
 * cases first, each row linking to its case's section.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { MAX_CHART_WIDTH } from '../../src/report/charts.js';

export const VIEWPORT = { width: 1280, height: 900 };

/** A report page, loaded, with what it did while loading. */
export interface OpenedPage {
  page: Page;
  /** console errors and uncaught exceptions */
  errors: string[];
  /** every request other than the page itself */
  requests: string[];
  /** the messages of the dialogs it opened (each dismissed) */
  dialogs: string[];
}

/** Opens `file` at `viewport`, watching its console, network and dialogs from before the first byte. */
export async function openPage(browser: Browser, file: string, viewport = VIEWPORT): Promise<OpenedPage> {
  const page = await browser.newPage({ viewport });
  const opened: OpenedPage = { page, errors: [], requests: [], dialogs: [] };
  const url = pathToFileURL(file).href;
  page.on('console', (m) => m.type() === 'error' && opened.errors.push(m.text()));
  page.on('pageerror', (e) => opened.errors.push(e.message));
  page.on('dialog', async (d) => {
    opened.dialogs.push(d.message());
    await d.dismiss();
  });
  page.on('request', (r) => r.url() !== url && opened.requests.push(r.url()));
  await page.goto(url, { waitUntil: 'load' });
  return opened;
}

/** The whole page as a PNG in `dir`/`name`.png, for a person to look at. */
export async function screenshot(page: Page, dir: string, name: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** No console error, no request, no dialog while loading. */
export function loadProblems(o: OpenedPage): string[] {
  return [
    ...o.errors.map((e) => `console error: ${e}`),
    ...o.requests.map((r) => `network request: ${r}`),
    ...o.dialogs.map((d) => `dialog opened: ${d}`),
  ];
}

/** No `<script>`, no event-handler attribute, no javascript: link: the page runs nothing. */
export function scriptProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const scripts = document.querySelectorAll('script').length;
    if (scripts > 0) out.push(`${scripts} <script> element(s)`);
    for (const el of Array.from(document.querySelectorAll('*')))
      for (const a of Array.from(el.attributes))
        if (/^on/i.test(a.name) || /^\s*javascript:/i.test(a.value))
          out.push(`<${el.tagName.toLowerCase()} ${a.name}="${a.value.slice(0, 60)}">`);
    return out;
  });
}

/** `scrollWidth ≤ clientWidth`: nothing scrolls sideways; on failure, the elements that reach past the edge. */
export function horizontalScrollProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const root = document.documentElement;
    if (root.scrollWidth <= root.clientWidth) return [];
    const name = (el: Element) =>
      el.tagName.toLowerCase() +
      (el.id ? `#${el.id}` : '') +
      (el.getAttribute('class') ? `.${el.getAttribute('class')!.trim().split(/\s+/).join('.')}` : '');
    // the outermost elements whose right edge is past the window: where the overflow comes from
    const past = Array.from(document.body.querySelectorAll('*')).filter(
      (el) => el.getBoundingClientRect().right > root.clientWidth + 0.5,
    );
    const outermost = past.filter((el) => !past.includes(el.parentElement as Element));
    return [
      `page scrolls sideways: scrollWidth ${root.scrollWidth} > clientWidth ${root.clientWidth}; too wide: ` +
        outermost
          .slice(0, 5)
          .map((el) => `${name(el)} (${Math.round(el.getBoundingClientRect().width)} px wide)`)
          .join(', '),
    ];
  });
}

/**
 * Every inline SVG: a title (`.role-title text`, holding `caseId` when given), at least one x-axis and one y-axis
 * title (vega's axis groups say which in their aria-label; without one, a title drawn upright is the x axis's),
 * a legend, and a width attribute ≤ MAX_CHART_WIDTH.
 */
export function chartAnatomyProblems(page: Page, caseId?: string): Promise<string[]> {
  return page.evaluate(
    ({ caseId, max }) => {
      const nameOf = (svg: Element, i: number) => svg.closest('figure[id]')?.id ?? `svg #${i}`; // its figure's id, e.g. chart-steps
      const out: string[] = [];
      document.querySelectorAll('svg').forEach((svg, i) => {
        const name = nameOf(svg, i);
        const titles = Array.from(svg.querySelectorAll('.role-title text')).map((t) => t.textContent ?? '');
        if (titles.join('').trim() === '') out.push(`${name}: no title`);
        else if (caseId !== undefined && ![titles.join(''), titles.join(' ')].some((t) => t.includes(caseId)))
          out.push(`${name}: the title does not name the case ${JSON.stringify(caseId)}: ${JSON.stringify(titles)}`);
        let x = 0;
        let y = 0;
        for (const t of Array.from(svg.querySelectorAll('.role-axis-title text'))) {
          if ((t.textContent ?? '').trim() === '') continue;
          const label = t.closest('.role-axis')?.getAttribute('aria-label') ?? '';
          const box = t.getBoundingClientRect();
          const isY = /^Y-axis/.test(label) || (!/^X-axis/.test(label) && box.height > box.width);
          if (isY) y++;
          else x++;
        }
        if (x === 0) out.push(`${name}: no x-axis title`);
        if (y === 0) out.push(`${name}: no y-axis title`);
        if (svg.querySelectorAll('.role-legend').length === 0) out.push(`${name}: no legend`);
        const width = Number(svg.getAttribute('width'));
        if (!(width <= max)) out.push(`${name}: ${svg.getAttribute('width')} px wide, over ${max}`);
      });
      return out;
    },
    { caseId, max: MAX_CHART_WIDTH },
  );
}

/** Every tick label of a log axis in the one format 1e−10, 1e0, 1e20 (U+2212 minus), or empty. */
export function logAxisProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const nameOf = (svg: Element, i: number) => svg.closest('figure[id]')?.id ?? `svg #${i}`; // its figure's id, e.g. chart-steps
    const out: string[] = [];
    document.querySelectorAll('svg').forEach((svg, i) => {
      for (const axis of Array.from(svg.querySelectorAll('.role-axis[aria-label*="log scale"]'))) {
        const bad = Array.from(axis.querySelectorAll('.role-axis-label text'))
          .map((t) => (t.textContent ?? '').trim())
          .filter((t) => t !== '' && !/^1e−?\d+$/.test(t));
        if (bad.length > 0)
          out.push(`${name(nameOf(svg, i), axis)}: tick labels not in the 1e−10 format: ${JSON.stringify(bad)}`);
      }
    });
    return out;
    function name(chart: string, axis: Element) {
      return `${chart} ${(axis.getAttribute('aria-label') ?? '').replace(/ for a .*/, '')}`;
    }
  });
}

/**
 * No two text boxes of one SVG overlap by more than 1 px² (touching is allowed). The boxes are every non-empty,
 * visible `<text>` (vega hides the labels its overlap removal drops with opacity 0), each its glyph box
 * (getBBox) carried to the screen by its transform (getScreenCTM): for upright text that is its
 * getBoundingClientRect, and a rotated label keeps its own slanted box rather than a larger upright one. Each
 * problem names the chart, both texts and the overlap's area.
 */
export function textOverlapProblems(page: Page, maxPerChart = 10): Promise<string[]> {
  return page.evaluate((maxPerChart) => {
    type P = [number, number];
    const nameOf = (svg: Element, i: number) => svg.closest('figure[id]')?.id ?? `svg #${i}`; // its figure's id, e.g. chart-steps
    const hidden = (el: Element, svg: Element): boolean => {
      for (let e: Element | null = el; e && e !== svg.parentElement; e = e.parentElement) {
        const s = getComputedStyle(e);
        if (s.display === 'none' || s.visibility === 'hidden' || Number(s.opacity) === 0) return true;
        if (e.getAttribute('opacity') === '0' || e.getAttribute('fill-opacity') === '0') return true;
      }
      return false;
    };
    const corners = (t: SVGTextElement): P[] => {
      const b = t.getBBox();
      const m = t.getScreenCTM()!;
      const at = (x: number, y: number): P => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f];
      const poly = [at(b.x, b.y), at(b.x + b.width, b.y), at(b.x + b.width, b.y + b.height), at(b.x, b.y + b.height)];
      return area(poly) < 0 ? poly.reverse() : poly; // counter-clockwise in screen coordinates (y down)
    };
    const area = (p: P[]) =>
      p.reduce((s, [x, y], i) => s + (x * p[(i + 1) % p.length]![1] - p[(i + 1) % p.length]![0] * y), 0) / 2;
    // Sutherland–Hodgman: the part of convex polygon `p` inside convex polygon `q` (both counter-clockwise)
    const clip = (p: P[], q: P[]): P[] => {
      let out = p;
      for (let i = 0; i < q.length && out.length > 0; i++) {
        const [a, b] = [q[i]!, q[(i + 1) % q.length]!];
        const side = (v: P) => (b[0] - a[0]) * (v[1] - a[1]) - (b[1] - a[1]) * (v[0] - a[0]);
        const cut = (u: P, v: P): P => {
          const [su, sv] = [side(u), side(v)];
          const t = su / (su - sv);
          return [u[0] + t * (v[0] - u[0]), u[1] + t * (v[1] - u[1])];
        };
        const input = out;
        out = [];
        input.forEach((v, k) => {
          const u = input[(k + input.length - 1) % input.length]!;
          if (side(v) >= 0) {
            if (side(u) < 0) out.push(cut(u, v));
            out.push(v);
          } else if (side(u) >= 0) out.push(cut(u, v));
        });
      }
      return out;
    };
    const out: string[] = [];
    document.querySelectorAll('svg').forEach((svg, i) => {
      const boxes = Array.from(svg.querySelectorAll('text'))
        .filter((t) => (t.textContent ?? '').trim() !== '' && !hidden(t, svg))
        .map((t) => ({ text: (t.textContent ?? '').trim(), poly: corners(t) }))
        .filter((b) => Math.abs(area(b.poly)) > 0);
      const found: string[] = [];
      for (let a = 0; a < boxes.length; a++)
        for (let b = a + 1; b < boxes.length; b++) {
          const overlap = Math.abs(area(clip(boxes[a]!.poly, boxes[b]!.poly)));
          if (overlap > 1)
            found.push(
              `${JSON.stringify(boxes[a]!.text)} overlaps ${JSON.stringify(boxes[b]!.text)} (${overlap.toFixed(1)} px²)`,
            );
        }
      const name = nameOf(svg, i);
      out.push(...found.slice(0, maxPerChart).map((f) => `${name}: ${f}`));
      if (found.length > maxPerChart) out.push(`${name}: … ${found.length - maxPerChart} more overlapping pairs`);
    });
    return out;
  }, maxPerChart);
}

/** What the overview check needs of report.json: each case's pass and its rows' tensors. */
export interface ReportCases {
  cases: { id: string; pass: boolean; rows: { tensor: string }[] }[];
}

/**
 * A multi-case report's overview: `#overview-grid` with one row per case (`tr[data-pass]`), exactly one
 * `td.cell` per case × tensor of that case (its rows' distinct tensors, from report.json), as many failing rows
 * as failing cases and every one before any passing row, and each row's `#case-N` link resolving to an element
 * of its own.
 */
export async function overviewProblems(page: Page, report: ReportCases): Promise<string[]> {
  const grid = await page.evaluate(() => {
    const table = document.getElementById('overview-grid');
    if (!table) return null;
    const rows = Array.from(table.querySelectorAll('tr[data-pass]'));
    return {
      cells: table.querySelectorAll('td.cell').length,
      rows: rows.map((tr) => ({
        pass: tr.getAttribute('data-pass'),
        links: Array.from(tr.querySelectorAll('a[href^="#"]')).map((a) => {
          const href = a.getAttribute('href')!;
          return { href, resolves: document.getElementById(decodeURIComponent(href.slice(1))) !== null };
        }),
      })),
    };
  });
  if (grid === null) return ['no #overview-grid'];
  const out: string[] = [];
  const expectedCells = report.cases.reduce((n, c) => n + new Set(c.rows.map((r) => r.tensor)).size, 0);
  if (grid.cells !== expectedCells)
    out.push(`${grid.cells} td.cell in the grid, expected ${expectedCells} (one per case × tensor of report.json)`);
  if (grid.rows.length !== report.cases.length)
    out.push(`${grid.rows.length} rows with data-pass, expected one per case: ${report.cases.length}`);
  const failing = report.cases.filter((c) => !c.pass).length;
  const failRows = grid.rows.filter((r) => r.pass === 'false').length;
  if (failRows !== failing) out.push(`${failRows} rows with data-pass=false, expected ${failing} failing cases`);
  const firstPass = grid.rows.findIndex((r) => r.pass === 'true');
  const lastFail = grid.rows.map((r) => r.pass).lastIndexOf('false');
  if (firstPass >= 0 && lastFail > firstPass)
    out.push(`a failing row (row ${lastFail + 1}) comes after a passing one (row ${firstPass + 1})`);
  const targets = new Set<string>();
  grid.rows.forEach((r, k) => {
    const own = r.links.filter((l) => /^#case-\d+$/.test(l.href));
    if (own.length === 0) out.push(`row ${k + 1} has no link to #case-N`);
    for (const l of own) if (!l.resolves) out.push(`row ${k + 1}: ${l.href} resolves to no element`);
    own.forEach((l) => targets.add(l.href));
  });
  if (grid.rows.length > 0 && targets.size !== grid.rows.length)
    out.push(`the rows link to ${targets.size} distinct sections, expected ${grid.rows.length}`);
  return out;
}
