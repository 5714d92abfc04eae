import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from './errors.js';

/** A bare NaN / Infinity / -Infinity token, as Python's json module writes them. */
const NON_FINITE_TOKEN = /([[,:]\s*)(-?Infinity|NaN)(?=\s*[\],}])/g;
const SENTINEL = '@@bptt-check-nonfinite@@';

/**
 * Parses JSON text. Bare NaN and ±Infinity tokens (written by Python's json module) are read as the
 * numbers they stand for, so that validation can name the field that holds them instead of failing
 * on a parse error at some byte offset.
 */
export function parseJsonText(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (first) {
    const patched = text.replace(NON_FINITE_TOKEN, (_m, before: string, token: string) => `${before}"${SENTINEL}${token}"`);
    try {
      return JSON.parse(patched, (_key, value: unknown) =>
        typeof value === 'string' && value.startsWith(SENTINEL) ? Number(value.slice(SENTINEL.length)) : value,
      );
    } catch {
      const reason = (first as Error).message.split('\n')[0];
      throw new InputError(`${where} is not valid JSON (${reason}), expected a JSON document`);
    }
  }
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
