/** Markup read back in tests: the five entities of escapeHtml (and vega's SVG) turned back into their characters. */
export const unescapeMarkup = (s: string): string =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
