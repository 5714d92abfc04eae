import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  statSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { InputError, visible } from './errors.js';
import { bytesText, MAX_FILE_BYTES } from './limits.js';

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
    const patched = text.replace(
      NON_FINITE_TOKEN,
      (_m, before: string, token: string) => `${before}"${SENTINEL}${token}"`,
    );
    try {
      value = JSON.parse(patched, (_key, v: unknown) =>
        typeof v === 'string' && v.startsWith(SENTINEL) ? Number(v.slice(SENTINEL.length)) : v,
      );
    } catch {
      const reason = visible((first as Error).message.split('\n')[0]!); // a binary file's bytes are quoted in it
      throw new InputError(`${where} is not valid JSON (${reason}), expected a JSON document`);
    }
  }
  const field = forbiddenKey(value);
  if (field !== null)
    throw new InputError(
      `${where}: ${field} is a forbidden key, expected field names other than __proto__, constructor and prototype`,
    );
  return value;
}

/** The path of the first __proto__, constructor or prototype key (e.g. params.__proto__), or null. Iterative: any depth. */
function forbiddenKey(root: unknown): string | null {
  const stack: [unknown, string][] = [[root, '']];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--)
        if (v[i] !== null && typeof v[i] === 'object') stack.push([v[i], `${path}[${i}]`]);
      continue;
    }
    const keys = Object.keys(v);
    for (const k of keys) if (FORBIDDEN_KEYS.has(k)) return path ? `${path}.${k}` : k;
    for (let i = keys.length - 1; i >= 0; i--)
      stack.push([(v as Record<string, unknown>)[keys[i]!], path ? `${path}.${keys[i]}` : keys[i]!]);
  }
  return null;
}

/** What a path that is not a regular file is, for the message. */
function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function unreadable(e: unknown, where: string): InputError {
  const code = (e as NodeJS.ErrnoException).code ?? 'error';
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EISDIR'
        ? 'it is a directory'
        : code === 'EACCES'
          ? 'permission denied'
          : code;
  return new InputError(`${where} cannot be read (${why}), expected a readable file`);
}

/**
 * Reads a regular file of at most `limit` bytes (MAX_FILE_BYTES) as UTF-8. A FIFO, a device (/dev/zero),
 * a socket or a directory is refused after a stat, before it is opened (opening a FIFO with no writer
 * would wait forever); the file is opened non-blocking and checked again, and at most limit + 1 bytes are
 * read, so a file that grows while it is read is refused too.
 */
export function readTextFile(path: string, what: string, limit = MAX_FILE_BYTES): string {
  const where = `${what} ${JSON.stringify(path)}`;
  const refuse = (st: Stats) => {
    if (st.isDirectory()) return new InputError(`${where} cannot be read (it is a directory), expected a regular file`);
    if (!st.isFile()) return new InputError(`${where} is ${kindOf(st)}, expected a regular file`);
    if (st.size > limit)
      return new InputError(
        `${where} is ${bytesText(st.size)}, expected at most ${bytesText(limit)} (the limit on input files)`,
      );
    return null;
  };
  let fd: number;
  try {
    const bad = refuse(statSync(path));
    if (bad) throw bad;
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw e instanceof InputError ? e : unreadable(e, where);
  }
  try {
    const bad = refuse(fstatSync(fd)); // the path may have been replaced between the stat and the open
    if (bad) throw bad;
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, limit + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > limit)
        throw new InputError(
          `${where} is more than ${bytesText(limit)} (it grew while read), expected at most ${bytesText(limit)} (the limit on input files)`,
        );
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } catch (e) {
    throw e instanceof InputError ? e : unreadable(e, where);
  } finally {
    closeSync(fd);
  }
}

export function readJsonFile(path: string, what: string): unknown {
  return parseJsonText(readTextFile(path, what), `${what} ${JSON.stringify(path)}`);
}

/** An error of the file system (errno code ENOSPC, EACCES, …), not one of Node's own ERR_… codes (a bug of ours). */
export const isIoError = (e: unknown): e is NodeJS.ErrnoException & { code: string } =>
  typeof (e as NodeJS.ErrnoException | null)?.code === 'string' &&
  /^E[A-Z0-9]+$/.test((e as NodeJS.ErrnoException).code!);

/** Why a write failed, in words, for the errno codes a user can cause (a full disk, a read-only mount, permissions). */
export function writeFailure(code: string | undefined): string {
  const words: Record<string, string> = {
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    EROFS: 'read-only file system',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOENT: 'no such directory',
    ENOTDIR: 'a part of the path is a file',
    EISDIR: 'it is a directory',
    EEXIST: 'a file is in the way',
    EFBIG: 'file too large',
    EIO: 'input/output error',
    ENAMETOOLONG: 'name too long',
    EXDEV: 'another file system',
  };
  return words[code ?? ''] ?? code ?? 'error';
}

/**
 * `mkdir -p`, one level at a time. Node's `mkdirSync(dir, { recursive: true })` loops forever where mkdir
 * answers ENOENT under a parent that exists (procfs: `/proc/x`, 20 s+ of 100% CPU until killed); here the
 * first failing mkdir throws.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d); d = dirname(d)) {
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) mkdirSync(d);
}

/**
 * For the tests of interrupted and failing writes (BPTT_CHECK_FAULT):
 * `commit-exit:<stage>` ends the process right after that stage, as a kill would;
 * `enospc:<name>` makes writing the file named <name> fail half way with ENOSPC, as a full disk would.
 */
export function exitAt(stage: string): void {
  if (process.env.BPTT_CHECK_FAULT === `commit-exit:${stage}`) process.exit(99);
}

/** writeFileSync, or (under BPTT_CHECK_FAULT=enospc:<its name>) half the content and an ENOSPC error. */
export function writeFileChecked(path: string, content: string | Uint8Array): void {
  if (process.env.BPTT_CHECK_FAULT !== `enospc:${basename(path).replace(/^\.(.*)\.tmp-.*$/, '$1')}`)
    return writeFileSync(path, content);
  writeFileSync(path, content.slice(0, Math.floor(content.length / 2)));
  throw Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), {
    code: 'ENOSPC',
    path,
    syscall: 'write',
  });
}
