/** The pieces every report.html is built of: escaping, the page with its style, tables, figures, the verdict and the footer. */
import type { RenderedChart } from './charts.js';
import { visible } from './escape.js';

/** Text or an attribute value: & < > " ' as entities, and control characters as visible escapes (no raw ESC or NUL in the page). */
export function escapeHtml(s: string): string {
  return visible(s).replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );
}

export const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
.verdict { font-size: 1.25rem; font-weight: 700; padding: .6rem 1rem; border-radius: 6px; }
.pass { background: #e6f4ea; color: #1e6b34; } .fail { background: #fce8e6; color: #a50e0e; }
table { border-collapse: collapse; font-size: 12px; margin: .5rem 0; }
th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: left; white-space: nowrap; }
tr.bad td { background: #fce8e6; }
figure { margin: 1.5rem 0; } figcaption { color: #555; font-size: 12px; }
code, pre { background: #f4f4f4; padding: 2px 4px; border-radius: 3px; white-space: pre-wrap; }
.overview-wrap, .table-wrap { max-width: 100%; overflow-x: auto; }
.rows td:nth-child(n+8) { white-space: normal; overflow-wrap: anywhere; min-width: 11rem; }
#overview-grid { font-size: 10px; }
#overview-grid th, #overview-grid td { padding: 1px 1.5px; }
#overview-grid th.case { font-weight: 400; white-space: normal; overflow-wrap: anywhere; min-width: 9.5rem; max-width: 20rem; }
#overview-grid tbody th.case { position: sticky; left: 0; background: #fff; z-index: 1; }
#overview-grid th.tensor { vertical-align: bottom; padding: 3px 1px; }
#overview-grid th.tensor span { writing-mode: vertical-rl; transform: rotate(180deg); }
#overview-grid td.cell { text-align: right; min-width: 1.6rem; font-variant-numeric: tabular-nums; }
#overview-grid td.none { background: #fafafa; }
td.word, span.word { font-weight: 700; } .word.s-fail, .word.s-error { color: #a50e0e; } .word.s-pass { color: #1e6b34; }
.word.s-notrun { color: #666; font-weight: 400; }
.p3 { background: #1b7837; color: #fff; } .p2 { background: #5aae61; color: #fff; }
.p1 { background: #a6dba0; } .p0 { background: #e4f4e1; }
.f0 { background: #fddbc7; } .f1 { background: #f4a582; }
.f2 { background: #d6604d; color: #fff; } .f3 { background: #8c1d18; color: #fff; }
.legend { color: #555; font-size: 12px; }
.swatch { display: inline-block; width: .9em; height: .9em; margin: 0 .25em 0 .6em; vertical-align: -.1em; border: 1px solid #ccc; }
#worst-ten td.case, #diagnoses-counted td.detail { white-space: normal; overflow-wrap: anywhere; max-width: 28rem; }
details.case { margin: .4rem 0; border: 1px solid #e3e3e3; border-radius: 4px; padding: .3rem .6rem; }
details.case > summary { cursor: pointer; overflow-wrap: anywhere; }
details.case.s-fail, details.case.s-error { border-color: #f0b4ae; }
`;

export function page(title: string, body: string[]): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    ...body,
    '</body></html>',
    '',
  ].join('\n');
}

export function table(header: string[], rows: string[][], bad: (r: number) => boolean = () => false): string {
  const th = header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const trs = rows.map(
    (r, n) => `<tr${bad(n) ? ' class="bad"' : ''}>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`,
  );
  return `<table><thead><tr>${th}</tr></thead><tbody>${trs.join('')}</tbody></table>`;
}

export function figure(chart: RenderedChart, caption: string): string {
  return `<figure id="chart-${escapeHtml(chart.name)}">${chart.svg}<figcaption>${escapeHtml(caption)} (also as ${escapeHtml(chart.name)}.png)</figcaption></figure>`;
}

export function verdict(pass: boolean, text: string): string {
  return `<p class="verdict ${pass ? 'pass' : 'fail'}" id="verdict">${escapeHtml(text)}</p>`;
}

export function footer(command: string, info: string): string[] {
  return ['<h2>Reproduce</h2>', `<pre>${escapeHtml(command)}</pre>`, `<p>${escapeHtml(info)}</p>`];
}
