/**
 * Validation of case files. Every failure is one line naming the field, the value received and what
 * was expected, e.g. `case.json: params.W is 16×15, expected H×H = 16×16`.
 */
import { z } from 'zod';
import { CASE_SCHEMA_VERSION, caseFromValidFile, type Case, type CaseFile } from './case.js';
import { InputError, shown } from './errors.js';
import { checkSizes, MAX_DIM } from './limits.js';
import { REDUCTIONS } from './loss.js';
import {
  ACTIVATIONS,
  CELLS,
  GRU_RESETS,
  modelConfig,
  paramSpecs,
  RECURRENT_ACTIVATIONS,
  shapeText,
  type ModelConfig,
  type TensorSpec,
} from './spec.js';

const size = z.number().int().positive().max(MAX_DIM); // the cap on I, H, K (src/model/limits.ts)
export const modelSchema = z.strictObject({
  cell: z.enum(CELLS),
  recurrentActivation: z.enum(RECURRENT_ACTIVATIONS).optional(),
  gruReset: z.enum(GRU_RESETS).optional(),
  activation: z.enum(ACTIVATIONS),
  bias: z.boolean(),
  inputSize: size,
  hiddenSize: size,
  outputSize: size,
});
/** The case file's fields (docs/formats.md, "Case file", documents every one; test/docs checks that it does). */
export const caseSchema = z.strictObject({
  schemaVersion: z.literal(CASE_SCHEMA_VERSION),
  id: z.string().optional(),
  model: modelSchema,
  params: z.record(z.string(), z.unknown()),
  inputs: z.unknown().optional(),
  inputVectors: z.unknown().optional(),
  targets: z.unknown(),
  initialState: z.unknown().optional(),
  reduction: z.enum(REDUCTIONS).optional(),
  conventions: z.unknown().optional(),
});

type Path = (string | number)[];
const pathText = (path: readonly PropertyKey[]) =>
  path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${String(p)}` : String(p)), '');

function at(value: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (v, p) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined),
    value,
  );
}

/** The field names a (strict) object schema accepts at `path`, looking through optional wrappers. */
function knownFields(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const unwrap = (s: unknown): unknown => (s instanceof z.ZodOptional ? unwrap(s.unwrap()) : s);
  const shapeOf = (s: unknown) => (s instanceof z.ZodObject ? (s.shape as Record<string, z.ZodType>) : undefined);
  let s: unknown = schema;
  for (const p of path) s = typeof p === 'string' ? shapeOf(unwrap(s))?.[p] : undefined;
  return Object.keys(shapeOf(unwrap(s)) ?? {});
}

/**
 * One zod issue as one line: field, value, expectation. `schema` is the one that was parsed and `format`
 * the section of docs/formats.md that documents it, for the message about an unknown field.
 */
export function zodIssueText(
  issue: z.core.$ZodIssue,
  input: unknown,
  schema: z.ZodType = caseSchema,
  format = 'Case file',
): string {
  const field = pathText(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const where = field ? `${field}.` : '';
    const known = knownFields(schema, issue.path);
    return `${where}${issue.keys[0]} is not a known field, expected only ${known.length ? known.join(', ') : 'the documented fields'} (docs/formats.md, "${format}")`;
  }
  const received = at(input, issue.path);
  if (received === undefined) return `${field} is missing, expected ${expectation(issue)}`;
  return `${field} is ${shown(received)}, expected ${expectation(issue)}`;
}

function expectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return issue.values.length === 1
        ? JSON.stringify(issue.values[0])
        : `one of ${issue.values.map(String).join('|')}`;
    case 'invalid_type':
      return issue.expected === 'int'
        ? 'an integer'
        : issue.expected === 'number'
          ? 'a finite number'
          : `a ${issue.expected}`;
    case 'too_small':
      return issue.inclusive ? `at least ${String(issue.minimum)}` : `more than ${String(issue.minimum)}`;
    case 'too_big':
      return issue.inclusive ? `at most ${String(issue.maximum)}` : `less than ${String(issue.maximum)}`;
    default:
      return issue.message;
  }
}

class Checker {
  constructor(private readonly where: string) {}

  fail(path: Path, received: string, expected: string): never {
    throw new InputError(`${this.where}: ${pathText(path)} is ${received}, expected ${expected}`);
  }

  /** A rows×cols nested array of finite numbers (or a vector of `rows` numbers). */
  tensor(value: unknown, path: Path, spec: Pick<TensorSpec, 'rows' | 'cols' | 'vector' | 'formula'>): void {
    const expected = `${spec.formula} = ${shapeText(spec)}`;
    if (spec.vector) {
      this.numbers(value, path, spec.rows, expected);
      return;
    }
    if (!Array.isArray(value) || value.some((r) => !Array.isArray(r)))
      this.fail(path, shown(value), `a nested array of ${expected}`);
    const widths = new Set(value.map((r: unknown[]) => r.length));
    if (value.length !== spec.rows || widths.size !== 1 || !widths.has(spec.cols)) {
      const w = widths.size === 1 ? String([...widths][0]) : `(${[...widths].join('|')})`;
      this.fail(path, `${value.length}×${w}`, expected);
    }
    value.forEach((row: unknown[], i) => this.numbers(row, [...path, i], spec.cols, expected));
  }

  numbers(value: unknown, path: Path, length: number, expected: string): void {
    if (!Array.isArray(value) || value.length !== length) this.fail(path, shown(value), `${expected} numbers`);
    value.forEach((x, j) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) this.fail([...path, j], shown(x), 'a finite number');
    });
  }

  /**
   * B sequences of T integer ids in [0, limit); B and T are set by the targets (T by targets[0]). A target may
   * be null: no loss at that step (NO_TARGET in the case).
   */
  ids(value: unknown, path: Path, B: number, T: number, limit: number, letter: string): void {
    const isTargets = path[0] === 'targets';
    if (!Array.isArray(value) || value.length !== B)
      this.fail(path, shown(value), `B = ${B} sequences, as many as targets`);
    value.forEach((row: unknown, b) => {
      if (!Array.isArray(row) || row.length !== T)
        this.fail([...path, b], shown(row), `T = ${T} ids, as many as ${isTargets ? 'targets[0]' : `targets[${b}]`}`);
      row.forEach((x: unknown, t) => {
        if (isTargets && x === null) return; // no loss at this step
        if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x >= limit)
          this.fail(
            [...path, b, t],
            shown(x),
            `an integer token id in [0, ${letter}) = [0, ${limit})${isTargets ? ' or null (no loss at that step)' : ''}`,
          );
      });
    });
  }
}

/** Validates a parsed case file and builds the case. `where` names the source in messages. */
export function parseCase(raw: unknown, where: string, fallbackId = 'case'): Case {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new InputError(`${where} is ${shown(raw)}, expected a case object`);
  const version = (raw as Record<string, unknown>).schemaVersion;
  if (version !== CASE_SCHEMA_VERSION)
    throw new InputError(
      `${where}: schemaVersion is ${shown(version)}, expected ${CASE_SCHEMA_VERSION} (this version of bptt-check reads schemaVersion ${CASE_SCHEMA_VERSION})`,
    );
  const parsed = caseSchema.safeParse(raw);
  if (!parsed.success) throw new InputError(`${where}: ${zodIssueText(parsed.error.issues[0]!, raw)}`);
  const f = parsed.data;
  const check: Checker = new Checker(where);
  if (f.model.cell === 'rnn' && f.model.recurrentActivation !== undefined)
    check.fail(
      ['model', 'recurrentActivation'],
      JSON.stringify(f.model.recurrentActivation),
      'no recurrentActivation for cell rnn (it has no gates)',
    );
  const model: ModelConfig = modelConfig(f.model); // a gated cell without recurrentActivation: tfjs's default
  const { inputSize: I, hiddenSize: H, outputSize: K } = model;

  const specs = paramSpecs(model);
  for (const name of Object.keys(f.params)) {
    if (specs.some((s) => s.name === name)) continue;
    if ((name === 'b' || name === 'c') && !model.bias)
      check.fail(['params', name], 'present', 'no bias parameters while model.bias is false');
    check.fail(['params', name], 'not a parameter of this model', `only ${specs.map((s) => s.name).join(', ')}`);
  }
  for (const s of specs) {
    if (!(s.name in f.params)) {
      const why = model.cell !== 'rnn' ? ` for cell ${model.cell}` : s.vector ? ' (model.bias is true)' : '';
      throw new InputError(`${where}: params.${s.name} is missing, expected ${s.formula} = ${shapeText(s)}${why}`);
    }
    check.tensor(f.params[s.name], ['params', s.name], s);
  }

  if (!Array.isArray(f.targets) || f.targets.length === 0 || !Array.isArray(f.targets[0]) || f.targets[0].length === 0)
    check.fail(['targets'], shown(f.targets), 'B ≥ 1 sequences of T ≥ 1 target ids');
  const B = f.targets.length;
  const T = (f.targets[0] as unknown[]).length;
  checkSizes(
    {
      cell: model.cell,
      bias: model.bias,
      I,
      H,
      K,
      T,
      B,
      dense: f.inputVectors !== undefined,
      initialState: f.initialState !== undefined,
    },
    where,
  );
  check.ids(f.targets, ['targets'], B, T, K, 'K');
  if ((f.targets as unknown[][]).every((row) => row.every((y) => y === null)))
    throw new InputError(
      `${where}: targets: every target is null, expected at least one step with a loss (a null target has none)`,
    );

  if ((f.inputs === undefined) === (f.inputVectors === undefined))
    throw new InputError(
      `${where}: inputs and inputVectors are ${f.inputs === undefined ? 'both missing' : 'both present'}, expected exactly one of them`,
    );
  if (f.inputs !== undefined) check.ids(f.inputs, ['inputs'], B, T, I, 'I');
  else {
    const iv = f.inputVectors;
    if (!Array.isArray(iv) || iv.length !== B)
      check.fail(['inputVectors'], shown(iv), `B = ${B} sequences, as many as targets`);
    iv.forEach((seq: unknown, b) =>
      check.tensor(seq, ['inputVectors', b], { rows: T, cols: I, vector: false, formula: 'T×I' }),
    );
  }
  if (f.initialState !== undefined)
    check.tensor(f.initialState, ['initialState'], { rows: B, cols: H, vector: false, formula: 'B×H' });

  return caseFromValidFile({ ...(f as CaseFile), model }, fallbackId);
}
