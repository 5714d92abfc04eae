/**
 * docs/formats.md is the one description of the files a user writes: every field the validators accept
 * is in it, its examples are accepted by the real validators (and its gradients are right), and no message
 * of the command points at a document a user's checkout does not have (DESIGN.md) or at "the seed".
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { matrixSchema } from '../../src/runs/grid.js';
import { GENERATE_DEFAULTS, generateCase } from '../../src/model/generate.js';
import { gradientsToFile, parseGradients } from '../../src/model/gradients.js';
import { handGradients } from '../../src/bptt/index.js';
import { ACTIVATIONS, CELLS, gradientSpecs, paramSpecs, RECURRENT_ACTIVATIONS } from '../../src/model/spec.js';
import { caseSchema, modelSchema, parseCase } from '../../src/model/validate.js';
import type { Case } from '../../src/model/case.js';
import { cli } from '../helpers/cli.js';
import { fencedBlocks, readDoc, ROOT, sections } from './markdown.js';

const doc = readDoc('docs/formats.md');
const section = (name: string): string => {
  const s = sections(doc).get(name);
  if (s === undefined) throw new Error(`docs/formats.md has no section "## ${name}"`);
  return s;
};
/** The names in `names` that `text` does not mention as `name` (in backticks). */
const undocumented = (text: string, names: readonly string[]) => names.filter((n) => !text.includes(`\`${n}\``));
const innerShape = (s: unknown) =>
  ((s as { unwrap?: () => unknown }).unwrap?.() ?? s) as { shape: Record<string, unknown> };

describe('docs/formats.md documents every field the validators accept', () => {
  it('names every top-level field of the case file and every field of its model, with every allowed value', () => {
    const text = section('Case file');
    expect(Object.keys(caseSchema.shape).length).toBeGreaterThan(5);
    expect(undocumented(text, Object.keys(caseSchema.shape))).toEqual([]);
    expect(undocumented(text, Object.keys(modelSchema.shape))).toEqual([]);
    const values = [...CELLS, ...ACTIVATIONS, ...RECURRENT_ACTIVATIONS].filter((v) => !text.includes(`"${v}"`));
    expect(values).toEqual([]);
  });

  it('names every parameter of every cell, with and without bias, and its shape', () => {
    const text = section('Case file');
    const names = new Set<string>();
    for (const cell of CELLS)
      for (const bias of [false, true])
        for (const s of paramSpecs({ cell, activation: 'tanh', bias, inputSize: 3, hiddenSize: 2, outputSize: 4 }))
          names.add(s.name);
    expect(names.size).toBe(5 + 12 + 9); // the RNN's U, W, b, V, c; the LSTM's 12 and the GRU's 9 gate tensors (V, c shared)
    expect(undocumented(text, [...names])).toEqual([]);
    for (const shape of ['H × I', 'H × H', 'K × H', 'B × H']) expect(text).toContain(shape);
  });

  it('names every field of the gradients file, as bptt-check writes it, and the initial state’s gradient', () => {
    const text = section('Gradients file');
    const c = generateCase({ ...GENERATE_DEFAULTS, inputSize: 3, hiddenSize: 2, steps: 2, initialState: true });
    const written = gradientsToFile(c, handGradients(c), 'hand');
    const fields = [...Object.keys(written), ...gradientSpecs(c.model, c.batch, true).map((s) => s.name)];
    expect(fields).toContain('initialState');
    expect(undocumented(text, fields)).toEqual([]);
  });

  it('names every key of the matrix file and every list of its generate object', () => {
    const text = section('Matrix file');
    const generate = innerShape(matrixSchema.shape.generate).shape;
    expect(Object.keys(generate)).toContain('seeds');
    expect(undocumented(text, [...Object.keys(matrixSchema.shape), ...Object.keys(generate)])).toEqual([]);
  });
});

/** The JSON examples of docs/formats.md, by what they are. */
function examples() {
  const json = fencedBlocks(doc)
    .filter((b) => b.lang === 'json')
    .map((b) => ({ ...b, value: JSON.parse(b.text) as Record<string, unknown> }));
  return {
    cases: json.filter((b) => 'model' in b.value),
    gradients: json.filter((b) => 'gradients' in b.value),
    matrices: json.filter((b) => 'generate' in b.value || 'cases' in b.value),
    all: json,
  };
}

describe('the examples of docs/formats.md', () => {
  it('are every one a case, a gradients file or a matrix file', () => {
    const e = examples();
    expect(e.cases.length).toBeGreaterThanOrEqual(2);
    expect(e.gradients.length).toBeGreaterThanOrEqual(1);
    expect(e.matrices.length).toBeGreaterThanOrEqual(1);
    expect(e.cases.length + e.gradients.length + e.matrices.length).toBe(e.all.length);
  });

  it('are accepted by the real validators: each case by parseCase, the gradients file against the first case (whose gradients it is), each matrix by its schema', () => {
    const e = examples();
    const parsed: Case[] = e.cases.map((b) => parseCase(b.value, `docs/formats.md:${b.line}`));
    expect(parsed.map((c) => c.model.cell)).toEqual(['rnn', 'lstm']);
    expect(parsed[0]!.initialState).not.toBeNull(); // the first example shows every optional field
    expect(parsed[1]!.vectors).not.toBeNull(); // the second dense inputs
    for (const g of e.gradients) {
      const kase = parsed[0]!;
      const read = parseGradients(g.value, `docs/formats.md:${g.line}`, kase);
      expect(Object.keys(read.tensors).sort()).toEqual(
        gradientSpecs(kase.model, kase.batch, kase.initialState !== null)
          .map((s) => s.name)
          .sort(),
      );
    }
    for (const m of e.matrices) expect(matrixSchema.safeParse(m.value).error?.issues ?? []).toEqual([]);
  });

  it('give the right gradients: bptt-check verify passes the example gradients file for the example case', async () => {
    const e = examples();
    const dir = mkdtempSync(join(tmpdir(), 'bptt-formats-'));
    writeFileSync(join(dir, 'example.case.json'), e.cases[0]!.text);
    writeFileSync(join(dir, 'example.grads.json'), e.gradients[0]!.text);
    const run = await cli(
      ['verify', '--case', 'example.case.json', '--grads', 'example.grads.json', '--reference', 'all', '--out', 'out'],
      dir,
    );
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^PASS: every gradient agrees/m);
    expect(run.code).toBe(0);
  });
});

/** Every string literal (and template text) of a source file. */
function stringsOf(file: string): { text: string; line: number }[] {
  const source = ts.createSourceFile(
    file,
    readDoc(file),
    ts.ScriptTarget.Latest,
    true,
    file.endsWith('.js') ? ts.ScriptKind.JS : ts.ScriptKind.TS,
  );
  const out: { text: string; line: number }[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isStringLiteralLike(n) || ts.isTemplateHead(n) || ts.isTemplateMiddle(n) || ts.isTemplateTail(n))
      out.push({ text: n.text, line: source.getLineAndCharacterOfPosition(n.getStart()).line + 1 });
    ts.forEachChild(n, visit);
  };
  visit(source);
  return out;
}

const sourceFiles = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.(ts|js|mjs)$/.test(e.name) ? [join(dir, e.name)] : [],
  );

/** What a user's checkout does not have: the design document, and "the seed" (notes the users never saw). */
const NOT_FOR_USERS = /DESIGN\.md|seed notes|seed['’]s\b|\bthe seed\b/i;

describe('the words a user reads', () => {
  it('no message, option description or report text of src/, reference/, bin/, bench/ or examples/ names DESIGN.md or the seed', () => {
    const files = ['src', 'reference', 'bin', 'bench', 'examples'].flatMap(sourceFiles);
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((f) =>
      stringsOf(f)
        .filter((s) => NOT_FOR_USERS.test(s.text))
        .map((s) => `${f}:${s.line}: ${s.text.slice(0, 80)}`),
    );
    expect(found).toEqual([]);
  });

  it('neither does the README, nor the examples’ README', () => {
    for (const f of ['README.md', 'examples/README.md']) {
      const lines = readDoc(f)
        .split('\n')
        .map((l, i) => `${f}:${i + 1}: ${l}`)
        .filter((l) => NOT_FOR_USERS.test(l.replace(/^[^:]+:\d+: /, '')));
      expect(lines).toEqual([]);
    }
  });

  it('the README links docs/formats.md, and an unknown field’s message points there and lists the fields it expected', () => {
    expect(readDoc('README.md')).toContain('(docs/formats.md)');
    const kase = JSON.parse(examples().cases[0]!.text) as Record<string, unknown>;
    expect(() => parseCase({ ...kase, extra: 1 }, 'c.json')).toThrow(
      'c.json: extra is not a known field, expected only schemaVersion, id, model, params, inputs, inputVectors, targets, initialState, reduction, conventions (docs/formats.md, "Case file")',
    );
    expect(() => parseCase({ ...kase, model: { ...(kase.model as object), gates: 3 } }, 'c.json')).toThrow(
      /model\.gates is not a known field, expected only cell, recurrentActivation, gruReset, activation, bias, .*"Case file"\)$/,
    );
  });
});
