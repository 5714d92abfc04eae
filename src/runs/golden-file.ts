/**
 * The golden file format and its validation. A golden file is read whole and checked whole before anything
 * is computed: every field present with the right type, the generation recipe valid, and for each side
 * (hand, tfjs-layers, tfjs-ops) exactly the gradients of the case, each with its shape in math layout and
 * rows·cols float32 values (base64, little-endian). A malformed file is bad input (exit 2), one line naming
 * the file, the field, the value and what was expected.
 */
import { z } from 'zod';
import { InputError, shown } from '../model/errors.js';
import { NON_FINITE_TEXT } from '../model/gradients.js';
import { readJsonFile } from '../model/files.js';
import { checkGenerateOptions, modelOf, type GenerateOptions } from '../model/generate.js';
import { checkBudget, sizesOfRecipe } from '../model/limits.js';
import { ACTIVATIONS, CELLS, gradientSpecs, RECURRENT_ACTIVATIONS } from '../model/spec.js';

export const GOLDEN_SCHEMA_VERSION = 1;
export const SIDES = ['hand', 'tfjs-layers', 'tfjs-ops'] as const;
/** The side of a snapshot of your code (golden update with a subject): your gradients alone, the references being checked live. */
export const SUBJECT_SIDE = 'yours';
export type Side = (typeof SIDES)[number] | typeof SUBJECT_SIDE;
/** The sides a golden file holds: the hand side and both references, or, for a snapshot of your code, yours. */
export const sidesOf = (g: Pick<GoldenFile, 'subject'>): readonly Side[] => (g.subject ? [SUBJECT_SIDE] : SIDES);

const size = z.number().int().positive();
const generateSchema = z.strictObject({
  cell: z.enum(CELLS).optional(),
  recurrentActivation: z.enum(RECURRENT_ACTIVATIONS).optional(),
  activation: z.enum(ACTIVATIONS),
  bias: z.boolean(),
  inputSize: size,
  hiddenSize: size,
  outputSize: size.optional(),
  steps: size,
  batch: size,
  denseInputs: z.boolean(),
  initialState: z.boolean(),
  initScale: z.number().positive(),
  seed: z.number().int().min(0).max(0xffffffff),
  id: z.string().optional(),
  lastStepOnly: z.boolean().optional(),
  lengths: z.array(size).optional(),
});
// every field of GenerateOptions has its schema above (tsc fails here when one is added to GenerateOptions only)
type Unvalidated = Exclude<keyof GenerateOptions, keyof z.infer<typeof generateSchema>>;
const everyRecipeFieldValidated: [Unvalidated] extends [never] ? true : Unvalidated = true;
void everyRecipeFieldValidated;
const tensorSchema = z.strictObject({
  shape: z.tuple([z.number().int().positive(), z.number().int().positive()]),
  f32: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/),
});
// a non-finite loss is written as gradients files write it (jsonNumber: "NaN", "Infinity", "-Infinity"; null read as NaN), and drifts
const sideSchema = z.strictObject({
  loss: z.union([z.number(), z.enum(NON_FINITE_TEXT), z.null()]),
  tensors: z.record(z.string(), tensorSchema),
});
const goldenSchema = z.strictObject({
  schemaVersion: z.number().int().positive(),
  toolVersion: z.string(),
  tfjsVersion: z.string(),
  backend: z.string(),
  case: z.strictObject({ id: z.string(), generate: generateSchema, sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  /** a snapshot of your code: which (a module's path or a command, as given) */
  subject: z.strictObject({ kind: z.enum(['module', 'command']), name: z.string() }).optional(),
  gradients: z.strictObject({
    hand: sideSchema.optional(),
    'tfjs-layers': sideSchema.optional(),
    'tfjs-ops': sideSchema.optional(),
    yours: sideSchema.optional(),
  }),
});

export type GoldenFile = z.infer<typeof goldenSchema>;

/** What a missing field should have held, for the message. */
const MEANING: Record<string, string> = {
  schemaVersion: `the format version (${GOLDEN_SCHEMA_VERSION})`,
  toolVersion: 'the bptt-check version that wrote the snapshot',
  tfjsVersion: 'the tfjs version that computed the references',
  backend: 'the tfjs backend of the snapshot',
  case: 'the case the snapshot was taken on',
  'case.id': 'the case id',
  'case.generate': 'the generation recipe of the case',
  'case.sha256': 'the SHA-256 of the generated case file',
  gradients: `the gradients of every side (${SIDES.join(', ')}; or yours)`,
  subject: 'the subject the snapshot was taken of',
  yours: "your code's loss and tensors",
  loss: 'the loss',
  tensors: 'the gradient tensors',
  shape: 'the tensor shape [rows, cols]',
  f32: 'the float32 values, base64',
  ...Object.fromEntries(SIDES.map((side) => [side, `the ${side} side's loss and tensors`])),
};

const pathText = (path: readonly PropertyKey[]) => path.map(String).join('.');

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
          : `${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
    case 'too_small':
      return issue.inclusive ? `at least ${String(issue.minimum)}` : `more than ${String(issue.minimum)}`;
    case 'invalid_union':
      return pathText(issue.path).endsWith('loss') ? 'a number (or "NaN", "Infinity", "-Infinity")' : issue.message;
    case 'too_big':
      return `at most ${String(issue.maximum)}`;
    case 'invalid_format':
      return issue.format === 'regex' && pathText(issue.path).endsWith('f32')
        ? 'base64 text'
        : issue.format === 'regex'
          ? '64 lowercase hex digits'
          : issue.message;
    default:
      return issue.message;
  }
}

function issueText(where: string, issue: z.core.$ZodIssue, raw: unknown): string {
  const field = pathText(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const key = field ? `${field}.${issue.keys[0]}` : issue.keys[0];
    return `${where}: field "${key}" is not a golden-file field, expected only the fields bptt-check golden update writes`;
  }
  const received = issue.path.reduce<unknown>(
    (v, p) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined),
    raw,
  );
  if (received === undefined) {
    const last = String(issue.path[issue.path.length - 1] ?? '');
    return `${where} has no field "${field}", expected ${MEANING[field] ?? MEANING[last] ?? expectation(issue)}`;
  }
  return `${where}: field ${field} is ${shown(received)}, expected ${expectation(issue)}`;
}

/** The stored float32 values, as float64. */
export function decodeF32(s: string): Float64Array {
  const b = Buffer.from(s, 'base64');
  return Float64Array.from(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
}

/** Reads and validates one golden file; `where` names it in every message. */
export function readGoldenFile(path: string, where: string, maxMemory?: number): GoldenFile {
  const raw = readJsonFile(path, 'golden file');
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new InputError(`${where} is ${shown(raw)}, expected a golden-file object`);
  const version = (raw as Record<string, unknown>).schemaVersion;
  if (typeof version === 'number' && version > GOLDEN_SCHEMA_VERSION)
    throw new InputError(
      `${where}: schemaVersion is ${version}, newer than this bptt-check reads (${GOLDEN_SCHEMA_VERSION}); expected a golden directory written by this version or an older one`,
    );
  const parsed = goldenSchema.safeParse(raw);
  if (!parsed.success) throw new InputError(issueText(where, parsed.error.issues[0]!, raw));
  const g = parsed.data;
  const o = g.case.generate;
  if ((o.cell ?? 'rnn') === 'rnn' && o.recurrentActivation !== undefined)
    throw new InputError(
      `${where}: field case.generate.recurrentActivation is ${shown(o.recurrentActivation)} for cell rnn, expected none (an RNN has no gates)`,
    );
  // the recipe is validated as the case command's options are (sizes within the limits) before any case is generated
  try {
    checkGenerateOptions(o);
    // and the run it asks for (the case, the hand side and both references) within --max-memory: each size may be under its cap and B·T not
    checkBudget(
      sizesOfRecipe(o),
      { command: 'compare', references: ['tfjs-layers', 'tfjs-ops'], stepsDetail: false },
      maxMemory,
    );
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`${where}: field case.generate cannot be used: ${e.message}`);
    throw e;
  }
  const specs = gradientSpecs(modelOf(o), o.batch, o.initialState);
  const names = specs.map((s) => s.name).join(', ');
  // exactly the sides of its kind: the hand side and both references, or (a snapshot of your code) yours
  const sides = sidesOf(g);
  for (const side of sides)
    if (!g.gradients[side])
      throw new InputError(`${where} has no field "gradients.${side}", expected ${MEANING[side]}`);
  const extra = Object.keys(g.gradients).find((k) => !(sides as readonly string[]).includes(k));
  if (extra !== undefined)
    throw new InputError(
      g.subject
        ? `${where}: field gradients.${extra} is in a snapshot of your code (subject ${shown(g.subject.name)}), expected only gradients.yours`
        : `${where}: field gradients.${extra} is in a snapshot of the built-in side, expected only ${SIDES.join(', ')} (a snapshot of your code has a subject field)`,
    );
  for (const side of sides) {
    const tensors = g.gradients[side]!.tensors;
    for (const name of Object.keys(tensors))
      if (!specs.some((s) => s.name === name))
        throw new InputError(
          `${where}: field gradients.${side}.tensors.${name} is not a gradient of this case, expected only ${names}`,
        );
    for (const s of specs) {
      const field = `gradients.${side}.tensors.${s.name}`;
      const st = tensors[s.name];
      if (!st) throw new InputError(`${where} has no field "${field}", expected every gradient of the case (${names})`);
      const [rows, cols] = st.shape;
      if (rows !== s.rows || cols !== s.cols)
        throw new InputError(
          `${where}: field ${field} has shape ${rows}×${cols}, expected ${s.formula} = ${s.rows}×${s.cols}`,
        );
      const bytes = Buffer.from(st.f32, 'base64').byteLength;
      if (bytes !== 4 * rows * cols)
        throw new InputError(
          `${where}: field ${field}.f32 holds ${bytes} bytes, expected ${rows}×${cols} float32 values = ${4 * rows * cols} bytes`,
        );
      // a NaN or ±Inf stored is read as it is: verify reports it as a drift (a non-finite value never passes)
    }
  }
  return g;
}
