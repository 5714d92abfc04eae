/**
 * Bad input: a one-line message naming the field, the value and what was expected, exit code 2, no
 * stack trace, and the reports of an earlier run left exactly as they were.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fixtures.js';

const dir = join(tmpdir(), `bptt-bad-${process.pid}`);
const base = () =>
  JSON.parse(readFileSync(fixturePath('rnn-sigmoid-bias-batch.case.json'), 'utf8')) as Record<string, any>;
function caseFile(name: string, edit: (c: Record<string, any>) => void): string {
  const c = base();
  edit(c);
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(c));
  return path;
}
const snapshot = () =>
  readdirSync(join(dir, 'reports'))
    .sort()
    .map((f) => [f, readFileSync(join(dir, 'reports', f), 'utf8')]);
let before: string[][];

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'malformed.json'), '{"schemaVersion": 1, "model": ');
  const first = await cli(['compare', '--out', 'reports'], dir);
  expect(first.code).toBe(0);
  before = snapshot();
});

const CASES: [string, () => string[], RegExp][] = [
  [
    'a malformed JSON file',
    () => ['--case', join(dir, 'malformed.json')],
    /malformed\.json" is not valid JSON .*expected a JSON document/,
  ],
  [
    'an unknown schemaVersion',
    () => ['--case', caseFile('v9', (c) => (c.schemaVersion = 9))],
    /schemaVersion is 9, expected 1/,
  ],
  [
    'a parameter of the wrong shape',
    () => ['--case', caseFile('shape', (c) => c.params.W.pop())],
    /params\.W is 4×5, expected H×H = 5×5/,
  ],
  [
    'a missing parameter',
    () => ['--case', caseFile('missing', (c) => delete c.params.U)],
    /params\.U is missing, expected H×I = 5×4/,
  ],
  [
    'a bias present while bias is false',
    () => ['--case', caseFile('bias', (c) => (c.model.bias = false))],
    /params\.b is present, expected no bias parameters/,
  ],
  [
    'a token id out of range',
    () => ['--case', caseFile('token', (c) => (c.inputs[0][3] = 99))],
    /inputs\[0\]\[3\] is 99, expected an integer token id in \[0, I\) = \[0, 4\)/,
  ],
  [
    'a token id that is not an integer',
    () => ['--case', caseFile('frac', (c) => (c.inputs[0][3] = 0.5))],
    /inputs\[0\]\[3\] is 0\.5, expected an integer token id/,
  ],
  [
    'targets of another length',
    () => ['--case', caseFile('len', (c) => c.targets[2].push(0))],
    /targets\[2\] is an array of length 7, expected T = 6 ids, as many as targets\[0\]/,
  ],
  [
    'inputs of another length',
    () => ['--case', caseFile('len2', (c) => c.inputs[1].pop())],
    /inputs\[1\] is an array of length 5, expected T = 6 ids, as many as targets\[1\]/,
  ],
  [
    'NaN in params',
    () => ['--case', caseFile('nan', (c) => (c.params.V[0][0] = 'NaN'))],
    /params\.V\[0\]\[0\] is "NaN", expected a finite number/,
  ],
  [
    'Infinity in inputs',
    () => ['--case', join(dir, 'inf.json')],
    /inputVectors\[0\]\[1\]\[2\] is Infinity, expected a finite number/,
  ],
  [
    'an unknown activation in a file',
    () => ['--case', caseFile('act', (c) => (c.model.activation = 'gelu'))],
    /model\.activation is "gelu", expected one of tanh\|sigmoid\|relu\|linear/,
  ],
  [
    'an unknown activation option',
    () => ['--activation', 'gelu'],
    /--activation is "gelu", expected one of tanh\|sigmoid\|relu\|linear/,
  ],
  ['an unknown backend', () => ['--backend', 'gpu'], /--backend is "gpu", expected one of cpu\|wasm\|tensorflow/],
  ['a zero size option', () => ['--hidden-size', '0'], /--hidden-size is 0, expected a positive integer/],
  ['a negative size option', () => ['--steps', '-5'], /--steps is -5, expected a positive integer/],
  ['a size that is not a number', () => ['--batch', 'four'], /--batch is "four", expected an integer/],
  [
    'a zero size in a file',
    () => ['--case', caseFile('zero', (c) => (c.model.outputSize = 0))],
    /model\.outputSize is 0, expected/,
  ],
  [
    'an unreadable path',
    () => ['--case', join(dir, 'nowhere.json')],
    /case file ".*nowhere\.json" cannot be read \(no such file\), expected a readable file/,
  ],
  [
    'a case file and generation options together',
    () => ['--case', fixturePath('rnn-tanh.case.json'), '--hidden-size', '3'],
    /--hidden-size is given with --case/,
  ],
  ['a negative tolerance', () => ['--atol', '-1'], /--atol is "-1", expected a number ≥ 0/],
  ['an unknown option', () => ['--hiden-size', '3'], /unknown option '--hiden-size'/],
];

describe('bad input to bptt-check compare', () => {
  beforeAll(() => {
    const c = base();
    delete c.inputs;
    c.model.inputSize = 4;
    c.inputVectors = c.targets.map((row: number[], b: number) =>
      row.map((_x, t) => [0.1, 0.2, b === 0 && t === 1 ? 7.77 : 0.3, 0.4]),
    );
    writeFileSync(join(dir, 'inf.json'), JSON.stringify(c).replace('7.77', 'Infinity')); // as Python's json.dump writes it
  });

  it.each(CASES)('%s gets exit 2, one line naming it, and no report touched', async (_what, args, pattern) => {
    const run = await cli(['compare', '--out', 'reports', ...args()], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(pattern);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe('');
    expect(snapshot()).toEqual(before);
  });

  it('explains a missing native backend with exit 2', async () => {
    const run = await cli(['compare', '--backend', 'tensorflow', '--out', 'reports'], dir);
    if (run.code === 0) return; // tfjs-node installed on this machine: nothing to explain
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--backend is "tensorflow", but @tensorflow\/tfjs-node is not usable here/);
    expect(snapshot()).toEqual(before);
  });
});
