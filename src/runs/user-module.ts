/**
 * Your own gradient code as the side under test (`compare --impl MODULE`): a .js, .mjs or .ts file
 * exporting `gradients` (named or default), called with the case object exactly as in the case file and
 * the variant it is to compute itself (`{ truncate, detachEvery, clipValue, clipNorm }`, each present only when
 * asked for), returning (or resolving to) `{ loss, gradients, adjoints? }` in the gradients-file shape. What it
 * returns is compared as given: bptt-check never truncates nor clips it.
 *
 * The command line runs the module isolated (openGradientsModule: a child process, user-host.ts) with a
 * heap limit and --timeout; the library functions (loadGradientsModule, runGradientsModule) call it in
 * your own process, as you asked for it.
 */
import { existsSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Case, CaseFile } from '../model/case.js';
import { subjectCase } from '../model/view.js';
import { CELLS, type Cell } from '../model/spec.js';
import { fieldName, InputError, jsonSafe, shown } from '../model/errors.js';
import { parseGradients, type Dtype, type Gradients } from '../model/gradients.js';
import type { SubjectOptions } from '../check/compare.js';
import { SubjectFault, firstLine as oneLine } from './subject-host.js';
import { startModuleHost, type ModuleHost } from './user-host.js';

/** What your module returns: the gradients-file shape without the header. */
export interface UserGradients {
  loss: number;
  gradients: Record<string, number[] | number[][]>;
  /** optional: ∂L/∂s_t (B×T×H; and ∂L/∂c_t for an LSTM), checked step by step (docs/formats.md, "Gradients file") */
  adjoints?: { s: number[][][]; c?: number[][][] } | number[][][];
  /** optional: the precision your code computes in (detected from the values when absent) */
  dtype?: Dtype;
}

/** What your function is told to compute: the truncation or detaching and the clipping (each key present only when asked for). */
export type GradientsOptions = SubjectOptions;

/** The function your module exports. */
export type GradientsFunction = (c: CaseFile, options: GradientsOptions) => UserGradients | Promise<UserGradients>;

const EXTENSIONS = ['.js', '.mjs', '.ts'];

/** The module's heap limit in its worker (V8's old generation), in MB. */
export const MODULE_HEAP_MB = 1024;
/** How much the tool's resident memory may grow while the module loads or answers one case (heap and typed arrays), in MB. */
export const MODULE_MEMORY_MB = 2048;

const whereOf = (path: string) => `${fieldName('impl')} module ${JSON.stringify(path)}`;
const NO_EXPORT =
  'exports no function "gradients" (named or default), expected export function gradients(case, options) { … }';
const LOAD_EXPECTED = 'expected a module that imports cleanly';

/** The module's absolute path, resolved relative to the current directory; InputError when it is not one. */
function modulePath(path: string): string {
  const where = whereOf(path);
  const abs = resolve(process.cwd(), path);
  if (!EXTENSIONS.includes(extname(abs)))
    throw new InputError(
      `${where} has extension ${JSON.stringify(extname(abs))}, expected one of ${EXTENSIONS.join(', ')}`,
      'impl',
    );
  if (!existsSync(abs))
    throw new InputError(
      `${where} cannot be read (no such file), expected a module relative to ${process.cwd()}`,
      'impl',
    );
  if (!statSync(abs).isFile())
    throw new InputError(
      `${where} is not a regular file (a FIFO, a device or a directory), expected a module file`,
      'impl',
    ); // importing a FIFO waits forever
  return abs;
}

/** Loads the module in this process (the library's path), relative to the current directory. Throws InputError on any problem. */
export async function loadGradientsModule(path: string): Promise<GradientsFunction> {
  const where = whereOf(path);
  const abs = modulePath(path);
  let mod: Record<string, unknown>;
  try {
    if (extname(abs) === '.ts') {
      const { tsImport } = await import('tsx/esm/api');
      mod = (await tsImport(pathToFileURL(abs).href, import.meta.url)) as Record<string, unknown>;
    } else mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (e) {
    throw new InputError(`${where} failed to load (${oneLine(e)}), ${LOAD_EXPECTED}`);
  }
  const def = mod.default as Record<string, unknown> | undefined;
  const fn = mod.gradients ?? (typeof def === 'function' ? def : def?.gradients);
  if (typeof fn !== 'function') throw new InputError(`${where} ${NO_EXPORT}`);
  return fn as GradientsFunction;
}

/** Runs your function in this process (the library's path) on a case within `timeoutSeconds`, and checks what it returns. */
export async function runGradientsModule(
  fn: GradientsFunction,
  c: Case,
  path: string,
  timeoutSeconds: number,
  options: GradientsOptions = {},
): Promise<Gradients> {
  const where = whereOf(path);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new InputError(
            `${where} did not settle within ${fieldName('timeout')} ${timeoutSeconds} s, expected a result or a promise that settles`,
            'timeout',
          ),
        ),
      timeoutSeconds * 1000,
    );
  });
  let result: unknown;
  try {
    result = await Promise.race([Promise.resolve().then(() => fn(subjectCase(c), { ...options })), timeout]);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${where} threw on case ${c.id}: ${oneLine(e)}`);
  } finally {
    clearTimeout(timer);
  }
  return parseGradients(result, `${where} returned for case ${c.id}`, c, false);
}

/** The module as the command line runs it: loaded once in its own worker, asked once per case. */
export interface ModuleSubject {
  gradients(c: Case, options: GradientsOptions): Promise<Gradients>;
  /** the cells the subject says it implements (a module's `cells` export), when it says */
  readonly cells?: readonly Cell[];
  /** stops the worker (and whatever timers the module left running) */
  close(): Promise<void>;
}

/** The one line the user reads for a fault of the module (on a case, or while loading). */
function faultMessage(where: string, f: SubjectFault, timeoutSeconds: number, caseId?: string): string {
  const at = f.loading ? 'while loading' : `on case ${caseId}`;
  switch (f.kind) {
    case 'load':
      return `${where} failed to load (${f.detail}), ${LOAD_EXPECTED}`;
    case 'no-export':
      return `${where} ${NO_EXPORT}`;
    case 'timeout':
      return f.loading
        ? `${where} did not finish loading within ${fieldName('timeout')} ${timeoutSeconds} s and was stopped, expected a module that imports in time`
        : `${where} did not settle within ${fieldName('timeout')} ${timeoutSeconds} s on case ${caseId} and was stopped, expected a result or a promise that settles`;
    case 'exited':
      return `${where}: the module exited before answering (${f.detail}, ${at}), expected gradients(case, options) to return its result without process.exit`;
    case 'memory':
      return `${where} ran out of memory ${at}: it ${f.detail}, expected a module within the limits of an ${fieldName('impl')} module (${MODULE_HEAP_MB} MB of heap, ${MODULE_MEMORY_MB} MB in all)`;
    case 'threw':
      return `${where} threw on case ${caseId}: ${f.detail}`;
    case 'uncaught':
      return `${where} left an error uncaught ${at} (${f.detail}), expected every promise awaited or caught`;
    case 'unreadable':
      return `${where} gave an answer ${at} that cannot be read (${f.detail}), expected plain data: { loss, gradients } of numbers and arrays`;
  }
}

/** The module's `cells` export, checked: a non-empty array of cells, each once; undefined when it exports none. */
export function moduleCells(value: unknown, where: string): Cell[] | undefined {
  if (value === undefined) return undefined;
  const ok =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((x) => (CELLS as readonly unknown[]).includes(x)) &&
    new Set(value).size === value.length;
  let said: string;
  try {
    said = JSON.stringify(value) ?? shown(value);
  } catch {
    said = shown(value);
  }
  if (!ok)
    throw new InputError(
      `${where} exports cells = ${said.length > 80 ? shown(value) : jsonSafe(said)}, expected an array of the cells it implements, each once, of ${CELLS.join('|')} (e.g. export const cells = ['rnn'])`,
      'impl',
    );
  return value as Cell[];
}

/** Starts the module in a child process (limits MODULE_HEAP_MB and MODULE_MEMORY_MB, each step within timeoutSeconds). Throws InputError on any problem. */
export async function openGradientsModule(path: string, timeoutSeconds: number): Promise<ModuleSubject> {
  const where = whereOf(path);
  const word = (e: unknown, caseId?: string) =>
    e instanceof SubjectFault
      ? new InputError(faultMessage(where, e, timeoutSeconds, caseId), e.kind === 'timeout' ? 'timeout' : 'impl')
      : e;
  let host: ModuleHost;
  try {
    host = await startModuleHost({
      path: modulePath(path),
      timeoutSeconds,
      heapMb: MODULE_HEAP_MB,
      memoryMb: MODULE_MEMORY_MB,
    });
  } catch (e) {
    throw word(e);
  }
  let cells: Cell[] | undefined;
  try {
    cells = moduleCells(host.cells, where);
  } catch (e) {
    await host.close();
    throw e;
  }
  return {
    ...(cells ? { cells } : {}),
    async gradients(c, options) {
      let result: unknown;
      try {
        result = await host.request(subjectCase(c), { ...options });
      } catch (e) {
        throw word(e, c.id);
      }
      return parseGradients(result, `${where} returned for case ${c.id}`, c, false);
    },
    close: () => host.close(),
  };
}
