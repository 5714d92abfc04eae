import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/model/errors.js';
import { GENERATE_DEFAULTS, generateCase } from '../../src/model/generate.js';
import { caseJson, loadCase, saveCase } from '../../src/model/io.js';
import { parseCase } from '../../src/model/validate.js';
import { fixturePath } from '../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'bptt-case-'));
const base = () =>
  JSON.parse(readFileSync(fixturePath('rnn-sigmoid-bias-batch.case.json'), 'utf8')) as Record<string, any>;

/** The one-line message parseCase gives for a case edited by `edit`. */
function messageFor(edit: (c: Record<string, any>) => void): string {
  const c = base();
  edit(c);
  try {
    parseCase(c, 'case.json');
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('the case was accepted');
}

describe('case validation', () => {
  it('accepts the fixture as it is', () => expect(parseCase(base(), 'case.json').batch).toBe(3));

  it.each([
    ['an unknown schemaVersion', (c: any) => (c.schemaVersion = 2), /schemaVersion is 2, expected 1/],
    [
      'a parameter of the wrong shape',
      (c: any) => (c.params.W = c.params.W.map((r: number[]) => r.slice(1))),
      /params\.W is 5×4, expected H×H = 5×5/,
    ],
    ['a missing parameter', (c: any) => delete c.params.V, /params\.V is missing, expected K×H = 4×5/],
    [
      'a bias present while bias is false',
      (c: any) => {
        c.model.bias = false;
        delete c.params.c;
      },
      /params\.b is present, expected no bias parameters while model\.bias is false/,
    ],
    [
      'a missing bias while bias is true',
      (c: any) => delete c.params.c,
      /params\.c is missing, expected K = 4 \(model\.bias is true\)/,
    ],
    [
      'a token id out of range',
      (c: any) => (c.inputs[1][2] = 4),
      /inputs\[1\]\[2\] is 4, expected an integer token id in \[0, I\) = \[0, 4\)/,
    ],
    [
      'a token id that is not an integer',
      (c: any) => (c.inputs[0][0] = 1.5),
      /inputs\[0\]\[0\] is 1\.5, expected an integer token id/,
    ],
    [
      'a target out of range',
      (c: any) => (c.targets[2][5] = -1),
      /targets\[2\]\[5\] is -1, expected an integer token id in \[0, K\) = \[0, 4\)/,
    ],
    [
      'targets shorter than the inputs',
      (c: any) => c.targets[1].pop(),
      /targets\[1\] is an array of length 5, expected T = 6 ids, as many as targets\[0\]/,
    ],
    [
      'inputs longer than the targets',
      (c: any) => c.inputs[0].push(1),
      /inputs\[0\] is an array of length 7, expected T = 6 ids, as many as targets\[0\]/,
    ],
    ['NaN in params', (c: any) => (c.params.U[2][1] = NaN), /params\.U\[2\]\[1\] is NaN, expected a finite number/],
    [
      'Infinity in params',
      (c: any) => (c.params.b[0] = Infinity),
      /params\.b\[0\] is Infinity, expected a finite number/,
    ],
    [
      'an unknown activation',
      (c: any) => (c.model.activation = 'softsign'),
      /model\.activation is "softsign", expected one of tanh\|sigmoid\|relu\|linear/,
    ],
    [
      'a zero size',
      (c: any) => (c.model.hiddenSize = 0),
      /model\.hiddenSize is 0, expected at least 0|model\.hiddenSize is 0, expected more than 0/,
    ],
    ['a negative size', (c: any) => (c.model.inputSize = -3), /model\.inputSize is -3, expected/],
    [
      'both inputs and inputVectors',
      (c: any) => (c.inputVectors = []),
      /inputs and inputVectors are both present, expected exactly one/,
    ],
    [
      'an initial state of the wrong shape',
      (c: any) => (c.initialState = [[0, 0, 0, 0, 0]]),
      /initialState is 1×5, expected B×H = 3×5/,
    ],
    ['an unknown field', (c: any) => (c.extra = 1), /extra is not a known field/],
  ])('rejects %s with a message naming the field, the value and the expectation', (_what, edit, pattern) => {
    const msg = messageFor(edit);
    expect(msg).toMatch(pattern);
    expect(msg).not.toContain('\n');
  });

  it('reads NaN written as a bare token by Python and names the field that holds it', () => {
    const path = join(dir, 'nan.json');
    writeFileSync(path, JSON.stringify(base()).replace(/("W": ?\[\[)[^,]+/, '$1NaN'));
    expect(() => loadCase(path)).toThrow(/params\.W\[0\]\[0\] is NaN, expected a finite number/);
  });

  it('rejects malformed JSON with the file named', () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, '{"schemaVersion": 1,');
    expect(() => loadCase(path)).toThrow(/bad\.json" is not valid JSON/);
  });

  it('rejects an unreadable path', () => {
    expect(() => loadCase(join(dir, 'no-such.json'))).toThrow(/cannot be read \(no such file\)/);
    expect(() => loadCase(dir)).toThrow(/cannot be read \(it is a directory\)/);
  });
});

describe('case generation and files', () => {
  it('gives the same case, bit for bit, for the same options and seed', () => {
    const o = { ...GENERATE_DEFAULTS, bias: true, initialState: true, denseInputs: true, batch: 2 };
    expect(caseJson(generateCase(o))).toBe(caseJson(generateCase({ ...o })));
    expect(caseJson(generateCase({ ...o, seed: 2 }))).not.toBe(caseJson(generateCase(o)));
  });

  it('draws weights with standard deviation σ/√fan_in and token ids over the whole vocabulary', () => {
    const c = generateCase({ ...GENERATE_DEFAULTS, hiddenSize: 64, inputSize: 16, steps: 400, initScale: 2 });
    const std = (a: Float64Array) => Math.sqrt(a.reduce((s, x) => s + x * x, 0) / a.length);
    expect(std(c.params.W!.data)).toBeCloseTo(2 / 8, 1); // σ/√H
    expect(Math.max(...c.params.W!.data.map(Math.abs))).toBeLessThanOrEqual((2 * Math.sqrt(3)) / 8);
    expect(new Set(c.tokens).size).toBe(16);
  });

  it('saves and loads a case exactly', () => {
    const c = generateCase({ ...GENERATE_DEFAULTS, bias: true, initialState: true, batch: 3, id: 'round-trip' });
    const path = join(dir, 'rt.case.json');
    saveCase(c, path);
    const back = loadCase(path);
    expect(back).toEqual(c);
  });

  it('rejects generation options out of range', () => {
    expect(() => generateCase({ ...GENERATE_DEFAULTS, hiddenSize: 0 })).toThrow(
      /`hiddenSize` is 0, expected a positive integer/,
    );
    expect(() => generateCase({ ...GENERATE_DEFAULTS, steps: -2 })).toThrow(/`steps` is -2/);
    expect(() => generateCase({ ...GENERATE_DEFAULTS, initScale: 0 })).toThrow(
      /`initScale` is 0, expected a positive number/,
    );
  });
});
