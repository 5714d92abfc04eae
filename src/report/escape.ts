/**
 * A user string (a case id, a path, a message) escaped for each format it reaches, so that it reads as
 * the text it is and never as structure: no new line, no heading, link or raw HTML in Markdown, no
 * formula in a spreadsheet, no control character on a terminal or in XML. Our own text is not passed
 * through these: it is written as it stands. (HTML: escapeHtml in html.ts; JSON: jsonSafe.)
 */
import { jsonSafe, visible } from '../model/errors.js';

export { jsonSafe, visible };

/**
 * Markdown (CommonMark and GitHub's): the string on one line (visible), every character that can open
 * inline structure backslash-escaped: emphasis * _ ~, code `, links and images [ ] ( ) !, raw HTML and
 * autolinks < >, entities &, math $, headings #, tables |, the GFM autolinks (http:, mail@, www.).
 */
export function mdText(s: string): string {
  return visible(s)
    .replace(/[\\`*_{}[\]()<>#+!|~&$:@]/g, '\\$&')
    .replace(/(www)\./gi, '$1\\.');
}

/**
 * Markdown for our own sentences that may quote a user string (the pairs line, which quotes the error of a
 * case that did not complete): the characters that open emphasis, code, links, raw HTML, entities, math and
 * cells escaped, and the GFM autolinks broken; ( ) # : are left as they read (nothing opens with them here).
 */
export function mdInline(s: string): string {
  return visible(s)
    .replace(/[\\`*_[\]<>|~&$@]/g, '\\$&')
    .replace(/(www)\./gi, '$1\\.')
    .replace(/(https?|ftp)(:)/gi, '$1\\:');
}

/** A fenced code block of `code` (one line, visible) whose fence is longer than any run of backticks in it. */
export function mdFence(code: string, info = ''): string[] {
  const line = visible(code);
  const longest = Math.max(0, ...[...line.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}${info}`, line, fence];
}

/**
 * A user string in a CSV cell: on one line (visible), and, by OWASP's rule against formula injection,
 * prefixed with ' when it starts with = + - @, a tab or a carriage return, so that a spreadsheet shows
 * it as text. Only user strings: our numbers (-0.5) stay numbers. csv-writer adds RFC 4180 quoting.
 */
export function csvText(s: string): string {
  const line = visible(s);
  return /^[=+\-@\t\r]/.test(s) ? `'${line}` : line;
}

/**
 * Text for an XML document: the characters XML 1.0 forbids (C0 but tab, LF, CR; U+FFFE/U+FFFF; lone
 * surrogates) and the other unsafe ones written as visible escapes; the builder escapes & < > " '.
 */
export function xmlText(s: string): string {
  return visible(s);
}
