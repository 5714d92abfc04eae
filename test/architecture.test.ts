/**
 * The rules of the code's shape (issue 15): who may import whom, flag names only in src/cli, small files, and a
 * README whose "Layout of the code" matches the tree. The check is only worth something while the two sides
 * stay independent. Sources are read with the TypeScript parser, so comments never count.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const SOURCE = /\.(ts|mjs|js)$/;
const files = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : SOURCE.test(e.name) ? [join(dir, e.name)] : [],
  );
/** The folders under dir that hold a file (git keeps no empty folder: one left by a move is not part of the tree). */
const folders = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true })
    .filter((e) => e.isDirectory() && readdirSync(join(root, dir, e.name), { recursive: true }).length > 0)
    .flatMap((e) => [`${join(dir, e.name)}/`, ...folders(join(dir, e.name))]);
/** src/ and reference/ less the AssemblyScript of src/kernels/simd (its imports are its own). */
const code = [...files('src'), ...files('reference')];
const typescript = code.filter((f) => !f.startsWith('src/kernels/simd/'));

const parsed = new Map<string, ts.SourceFile>();
const source = (file: string) => {
  let s = parsed.get(file);
  if (!s)
    parsed.set(file, (s = ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.Latest)));
  return s;
};
const walk = (node: ts.Node, visit: (n: ts.Node) => void) => {
  visit(node);
  node.forEachChild((child) => walk(child, visit));
};

/** The modules a file imports: static imports, re-exports and import() calls. */
function imports(file: string): string[] {
  const out: string[] = [];
  walk(source(file), (n) => {
    if (
      (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) &&
      n.moduleSpecifier &&
      ts.isStringLiteral(n.moduleSpecifier)
    )
      out.push(n.moduleSpecifier.text);
    if (
      ts.isCallExpression(n) &&
      n.expression.kind === ts.SyntaxKind.ImportKeyword &&
      ts.isStringLiteral(n.arguments[0]!)
    )
      out.push(n.arguments[0].text);
  });
  return out;
}

/** The text of every string literal and template piece of a file (comments are not in the syntax tree). */
function strings(file: string): string[] {
  const out: string[] = [];
  walk(source(file), (n) => {
    if (ts.isStringLiteralLike(n) || ts.isTemplateHead(n) || ts.isTemplateMiddle(n) || ts.isTemplateTail(n))
      out.push(n.text);
  });
  return out;
}

const ROOMS = ['model', 'bptt', 'kernels', 'reference', 'fd', 'check', 'runs', 'vanishing', 'report', 'cli'] as const;
type Room = (typeof ROOMS)[number];
/** The room of a file: its folder of src/ (reference/ is one room); src/*.ts, the library surface, is none. */
const roomOf = (file: string): Room | null => {
  const name = file.startsWith('reference/') ? 'reference' : /^src\/([^/]+)\//.exec(file)?.[1];
  return (ROOMS as readonly string[]).includes(name ?? '') ? (name as Room) : null;
};
/** What a relative import reaches: a room, the library surface ('src'), or (a package) null. */
const target = (file: string, spec: string): Room | 'src' | null =>
  spec.startsWith('.') ? (roomOf(normalize(join(dirname(file), spec))) ?? 'src') : null;

/**
 * Who may import whom. `only`: the rooms it may import (its own aside); `never`: rooms it may not. Model is
 * imported by everything and imports no other room.
 */
const IMPORTS: Record<Room, { only: Room[] } | { never: Room[] }> = {
  model: { only: [] },
  bptt: { only: ['kernels', 'model'] },
  kernels: { only: ['model'] },
  reference: { never: ['bptt', 'kernels', 'fd', 'check'] },
  fd: { never: ['check', 'reference'] },
  check: { never: ['cli', 'report', 'runs'] },
  runs: { never: ['cli'] },
  vanishing: { never: ['cli', 'report', 'runs'] },
  report: { never: ['bptt', 'kernels', 'fd', 'reference'] },
  cli: { never: [] },
};

describe('who may import whom', () => {
  it('has a row for every folder of src/', () => {
    const rooms = folders('src/').filter((d) => d.split('/').length === 3); // src/<room>/
    expect(rooms.map((d) => d.split('/')[1]!).filter((r) => !(ROOMS as readonly string[]).includes(r))).toEqual([]);
  });
  it.each(ROOMS)('%s imports only what the table allows', (room) => {
    const rule = IMPORTS[room];
    const allowed = (to: Room | 'src') =>
      to === room || ('only' in rule ? (rule.only as string[]).includes(to) : !(rule.never as string[]).includes(to));
    const bad = typescript
      .filter((f) => roomOf(f) === room)
      .flatMap((f) =>
        imports(f)
          .filter((spec) => {
            const to = target(f, spec);
            return to !== null && !allowed(to);
          })
          .map((spec) => `${f}: ${spec}`),
      );
    expect(bad).toEqual([]);
  });
  it('only src/cli imports commander', () => {
    const bad = typescript
      .filter((f) => roomOf(f) !== 'cli')
      .flatMap((f) =>
        imports(f)
          .filter((spec) => spec === 'commander' || spec.startsWith('commander/'))
          .map((s) => `${f}: ${s}`),
      );
    expect(bad).toEqual([]);
  });
});

describe('independence of the two sides', () => {
  it('src/bptt imports neither TensorFlow.js nor reference/', () => {
    const bad = files('src/bptt').flatMap((f) =>
      imports(f)
        .filter((i) => i.includes('@tensorflow') || i.includes('reference/'))
        .map((i) => `${f}: ${i}`),
    );
    expect(files('src/bptt').length).toBeGreaterThan(3);
    expect(bad).toEqual([]);
  });
  it('reference/ does not import the hand-written side', () => {
    const bad = files('reference').flatMap((f) =>
      imports(f)
        .filter((i) => i.includes('bptt/') || i.includes('/check/'))
        .map((i) => `${f}: ${i}`),
    );
    expect(bad).toEqual([]);
  });
});

/** Node's own options, in the arguments of the node processes the tool starts: not the tool's flags. */
const NODE_FLAGS = new Set(['--max-old-space-size', '--import', '--check', '--max-inlined-bytecode-size-cumulative']);
const FLAG = /(?<![\w-])--[a-z][a-z0-9-]*/g;

describe('flag names live in src/cli', () => {
  it('no string of src/ or reference/ outside src/cli holds a flag (`--word`); library messages name fields', () => {
    const bad = typescript
      .filter((f) => roomOf(f) !== 'cli')
      .flatMap((f) =>
        strings(f)
          .filter((s) => [...s.matchAll(FLAG)].some((m) => !NODE_FLAGS.has(m[0])))
          .map((s) => `${f}: ${JSON.stringify(s)}`),
      );
    expect(bad).toEqual([]);
  });
});

describe('small files', () => {
  it('no file of src/ or reference/ is over 300 lines', () => {
    const long = code
      .map((f) => [f, readFileSync(join(root, f), 'utf8').split('\n').length - 1] as const)
      .filter(([, n]) => n > 300)
      .map(([f, n]) => `${f}: ${n} lines`);
    expect(long).toEqual([]);
  });
});

/**
 * The README's "Layout of the code": a text block of lines `path  role …` (continued on indented lines). Each
 * line's path, and each path its text names (`cells/`, `layout.ts`: relative to the line's folder), must exist;
 * every folder of src/ and reference/ must be named.
 */
function layout(): { named: string[]; missing: string[] } {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Layout of the code\n')) ?? '';
  const block = /^```text\n([\s\S]*?)^```/m.exec(section)?.[1] ?? '';
  const named: string[] = [];
  let folder = '';
  for (const line of block.split('\n').filter((l) => l.trim())) {
    const words = line.trim().split(/\s+/);
    if (!/^\s/.test(line)) {
      folder = words.shift()!;
      named.push(folder);
      if (!folder.endsWith('/')) folder = dirname(folder) === '.' ? '' : `${dirname(folder)}/`;
    }
    for (const w of words.map((w) => w.replace(/^[(“"]+|[),;:.”"]+$/g, '')))
      if (/^[\w.-]+(\/[\w.-]+)*(\/|\.(ts|mjs|json|md))$/.test(w)) named.push(normalize(folder + w));
  }
  return {
    named,
    missing: named.filter(
      (p) => !existsSync(join(root, p)) || (p.endsWith('/') && !statSync(join(root, p)).isDirectory()),
    ),
  };
}

describe('the README\'s "Layout of the code"', () => {
  it('names every folder of src/ and reference/', () => {
    const { named } = layout();
    expect(named.length).toBeGreaterThan(5);
    expect(['src/', 'reference/'].flatMap(folders).filter((d) => !named.includes(d))).toEqual([]);
  });
  it('names no folder or file that does not exist', () => {
    expect(layout().missing).toEqual([]);
  });
});
