/**
 * The subject's view of a case: what user code is handed and how its answer is read, in the conventions the case
 * carries (c.conventions, conventions.ts). A case without conventions is seen as ours: caseToFile, our names.
 */
import { caseToFile, type Case, type CaseFile } from './case.js';
import { caseInConventions, conventionsOf, type Conventions, type Preset } from './conventions.js';
import { fieldName, InputError } from './errors.js';

/**
 * The case as user code receives it (a module's argument, a command's request, the library's call): a case file
 * whose params (and h0) have the names and layouts of the subject's conventions.
 */
export function subjectCase(c: Case): CaseFile {
  return c.conventions ? (caseInConventions(c, c.conventions) as unknown as CaseFile) : caseToFile(c);
}

/**
 * The conventions an answer's tensors are read in: the case's, or those the answer declares (its `conventions`).
 * An answer may declare how its tensors are written (names, layout, gates, biases), not a different model:
 * a reduction or a GRU reset other than the case's changes what the references compute, so it is declared before the run.
 */
export function answerConventions(c: Case, declared: unknown, where: string): Conventions | undefined {
  if (declared === undefined) return c.conventions;
  const conv = conventionsOf(declared as Parameters<typeof conventionsOf>[0], `${where}: conventions`);
  const reduction = c.reduction ?? 'sum';
  const reset = c.model.cell === 'gru' ? (c.model.gruReset ?? 'before') : conv.gruReset;
  const [field, said, checked] =
    conv.reduction !== reduction ? ['reduction', conv.reduction, reduction] : ['gruReset', conv.gruReset, reset];
  if (said !== checked)
    throw new InputError(
      `${where}: conventions declare ${field} ${said}, but the case was checked with ${field} ${checked}: declare the conventions before the run (they change what the references compute), expected the same ${field} or no conventions in the answer`,
      'conventions',
    );
  return conv;
}

/** The telling names of other codebases' params, to say which conventions a case undeclared is written in. */
const TELLING: [string, Preset, string][] = [
  ['weight_ih_l0', 'pytorch', 'PyTorch'],
  ['kernel', 'keras', 'Keras'],
  ['Wx', 'cs231n', 'cs231n'],
  ['Wxh', 'min-char-rnn', 'min-char-rnn'],
];

function presetOfNames(params: unknown): { preset: Preset; names: string; keys: string } | undefined {
  if (params === null || typeof params !== 'object') return undefined;
  const keys = Object.keys(params);
  const hit = TELLING.find(([name]) => keys.includes(name));
  return hit ? { preset: hit[1], names: hit[2], keys: keys.slice(0, 3).join(', ') } : undefined;
}

/**
 * Tensors named as another codebase names them, while no conventions are declared: one line saying which
 * conventions to declare (`where` names the object: "case.json: params", "grads.json: gradients").
 */
export function refuseForeignNames(tensors: unknown, where: string): void {
  const guess = presetOfNames(tensors);
  if (guess)
    throw new InputError(
      `${where} has ${guess.names}'s names (${guess.keys}), expected ours (U, W, V, …) or conventions declared for them: ${fieldName('conventions')} ${guess.preset}?`,
      'conventions',
    );
}
