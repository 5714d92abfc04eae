import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from './errors.js';
import { bytesText, MAX_FILE_BYTES } from './limits.js';

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
  const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : code;
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
    if (st.size > limit) return new InputError(`${where} is ${bytesText(st.size)}, expected at most ${bytesText(limit)} (the limit on input files)`);
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
      if (total > limit) throw new InputError(`${where} is more than ${bytesText(limit)} (it grew while read), expected at most ${bytesText(limit)} (the limit on input files)`);
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
