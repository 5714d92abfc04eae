/** Fenced code blocks and sections of the project's Markdown documents, for the tests of test/docs. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Block {
  /** the fence's language ('' when none is given) */
  lang: string;
  /** 1-based line of the opening fence */
  line: number;
  text: string;
}

export const readDoc = (path: string): string => readFileSync(`${ROOT}/${path}`, 'utf8');

/** Every ``` fenced block of a Markdown text, in order. */
export function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  let open: { lang: string; line: number; body: string[] } | null = null;
  markdown.split('\n').forEach((l, i) => {
    const fence = /^```\s*([\w-]*)\s*$/.exec(l);
    if (open === null) {
      if (fence) open = { lang: fence[1]!, line: i + 1, body: [] };
    } else if (/^```\s*$/.test(l)) {
      blocks.push({ lang: open.lang, line: open.line, text: open.body.join('\n') });
      open = null;
    } else open.body.push(l);
  });
  if (open !== null) throw new Error(`a fence opened at line ${(open as { line: number }).line} is never closed`);
  return blocks;
}

/** The text under each `## ` heading, up to the next one, by the heading's words. */
export function sections(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of markdown.split(/^## /m).slice(1)) {
    const nl = part.indexOf('\n');
    out.set(part.slice(0, nl).trim(), part.slice(nl + 1));
  }
  return out;
}
