import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError, visible } from './errors.js';

/** A bare NaN / Infinity / -Infinity token, as Python's json module writes them. */
const NON_FINITE_TOKEN = /([[,:]\s*)(-?Infinity|NaN)(?=\s*[\],}])/g;
const SENTINEL = '@@bptt-check-nonfinite@@';

/** Keys that name an object's prototype machinery: JSON.parse makes them own properties, which zod's records drop and `in` or a spread can mistake for the prototype's. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Parses JSON text. Bare NaN and ±Infinity tokens (written by Python's json module) are read as the
 * numbers they stand for, so that validation can name the field that holds them instead of failing
 * on a parse error at some byte offset. A `__proto__`, `constructor` or `prototype` key anywhere is
 * refused, naming the field.
 */
export function parseJsonText(text: string, where: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (first) {
    const patched = text.replace(NON_FINITE_TOKEN, (_m, before: string, token: string) => `${before}"${SENTINEL}${token}"`);
    try {
      value = JSON.parse(patched, (_key, v: unknown) => (typeof v === 'string' && v.startsWith(SENTINEL) ? Number(v.slice(SENTINEL.length)) : v));
    } catch {
      const reason = visible((first as Error).message.split('\n')[0]!); // a binary file's bytes are quoted in it
      throw new InputError(`${where} is not valid JSON (${reason}), expected a JSON document`);
    }
  }
  const field = forbiddenKey(value);
  if (field !== null) throw new InputError(`${where}: ${field} is a forbidden key, expected field names other than __proto__, constructor and prototype`);
  return value;
}

/** The path of the first __proto__, constructor or prototype key (e.g. params.__proto__), or null. Iterative: any depth. */
function forbiddenKey(root: unknown): string | null {
  const stack: [unknown, string][] = [[root, '']];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) if (v[i] !== null && typeof v[i] === 'object') stack.push([v[i], `${path}[${i}]`]);
      continue;
    }
    const keys = Object.keys(v);
    for (const k of keys) if (FORBIDDEN_KEYS.has(k)) return path ? `${path}.${k}` : k;
    for (let i = keys.length - 1; i >= 0; i--) stack.push([(v as Record<string, unknown>)[keys[i]!], path ? `${path}.${keys[i]}` : keys[i]!]);
  }
  return null;
}

export function readTextFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : code;
    throw new InputError(`${what} ${JSON.stringify(path)} cannot be read (${why}), expected a readable file`);
  }
}

export function readJsonFile(path: string, what: string): unknown {
  return parseJsonText(readTextFile(path, what), `${what} ${JSON.stringify(path)}`);
}

/**
 * Writes files so that a reader never sees a half-written one: each is written to a temporary file
 * in the same directory, and only when all are written are they renamed into place. An interrupted
 * run leaves the previous files as they were.
 */
export function writeFilesAtomic(files: readonly { path: string; content: string | Uint8Array }[]): void {
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temps: string[] = [];
  try {
    for (const f of files) {
      mkdirSync(dirname(f.path), { recursive: true });
      const temp = join(dirname(f.path), `.${basename(f.path)}.tmp-${tag}`);
      temps.push(temp);
      writeFileSync(temp, f.content);
    }
    files.forEach((f, i) => renameSync(temps[i]!, f.path));
  } catch (e) {
    for (const t of temps) rmSync(t, { force: true });
    const err = e as NodeJS.ErrnoException;
    if (err.code && err.path) throw new InputError(`output path ${JSON.stringify(err.path)} cannot be written (${err.code}), expected a writable location`);
    throw e;
  }
}

export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  writeFilesAtomic([{ path, content }]);
}
