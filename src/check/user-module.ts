/**
 * Your own gradient code as the side under test (`compare --impl MODULE`): a .js, .mjs or .ts file
 * exporting `gradients` (named or default), called with the case object exactly as in the case file and
 * the options it is to apply (`{ clipValue, clipNorm }`, each present only when clipping), returning (or
 * resolving to) `{ loss, gradients }` in the gradients-file shape. What it returns is compared as given.
 */
import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { caseToFile, type Case, type CaseFile } from '../model/case.js';
import { InputError } from '../model/errors.js';
import { parseGradients, type Dtype, type Gradients } from '../model/gradients.js';
import type { SubjectOptions } from './compare.js';

/** What your module returns: the gradients-file shape without the header. */
export interface UserGradients {
  loss: number;
  gradients: Record<string, number[] | number[][]>;
  /** optional: the precision your code computes in (detected from the values when absent) */
  dtype?: Dtype;
}

/** What your function is told to apply: clipping (each key present only when that clipping is asked for). */
export type GradientsOptions = SubjectOptions;

/** The function your module exports. */
export type GradientsFunction = (c: CaseFile, options: GradientsOptions) => UserGradients | Promise<UserGradients>;

const EXTENSIONS = ['.js', '.mjs', '.ts'];

/** Loads the module, resolved relative to the current directory. Throws InputError on any problem. */
export async function loadGradientsModule(path: string): Promise<GradientsFunction> {
  const where = `--impl module ${JSON.stringify(path)}`;
  const abs = resolve(process.cwd(), path);
  if (!EXTENSIONS.includes(extname(abs))) throw new InputError(`${where} has extension ${JSON.stringify(extname(abs))}, expected one of ${EXTENSIONS.join(', ')}`);
  if (!existsSync(abs)) throw new InputError(`${where} cannot be read (no such file), expected a module relative to ${process.cwd()}`);
  let mod: Record<string, unknown>;
  try {
    if (extname(abs) === '.ts') {
      const { tsImport } = await import('tsx/esm/api');
      mod = (await tsImport(pathToFileURL(abs).href, import.meta.url)) as Record<string, unknown>;
    } else mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (e) {
    throw new InputError(`${where} failed to load (${oneLine(e)}), expected a module that imports cleanly`);
  }
  const def = mod.default as Record<string, unknown> | undefined;
  const fn = mod.gradients ?? (typeof def === 'function' ? def : def?.gradients);
  if (typeof fn !== 'function') throw new InputError(`${where} exports no function "gradients" (named or default), expected export function gradients(case, options) { … }`);
  return fn as GradientsFunction;
}

const oneLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200);

/** Runs your function on a case within `timeoutSeconds`, and checks what it returns. */
export async function runGradientsModule(fn: GradientsFunction, c: Case, path: string, timeoutSeconds: number, options: GradientsOptions = {}): Promise<Gradients> {
  const where = `--impl module ${JSON.stringify(path)}`;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new InputError(`${where} did not settle within --timeout ${timeoutSeconds} s, expected a result or a promise that settles`)), timeoutSeconds * 1000);
  });
  let result: unknown;
  try {
    result = await Promise.race([Promise.resolve().then(() => fn(caseToFile(c), { ...options })), timeout]);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${where} threw on case ${c.id}: ${oneLine(e)}`);
  } finally {
    clearTimeout(timer);
  }
  return parseGradients(result, `${where} returned for case ${c.id}`, c, false);
}
