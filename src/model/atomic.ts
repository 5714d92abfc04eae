/** Files written whole or not at all: temp files beside their paths, renamed into place once all are written. */
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from './errors.js';
import { exitAt, isIoError, makeDirs, writeFailure, writeFileChecked } from './files.js';

/** Whether the process a leftover's name carries (`…-<pid>-<hex>`) still runs: then it is not a leftover yet. */
export function running(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const TEMP = /^\.(.+)\.tmp-(\d+)-[0-9a-f]{8}$/;

/** The temp files a killed writeFilesAtomic left beside `path` (`.<name>.tmp-<pid>-<hex>` of a process that is gone). */
function removeLeftoverTemps(path: string): void {
  const dir = dirname(path);
  if (!existsSync(dir)) return;
  for (const n of readdirSync(dir)) {
    const m = TEMP.exec(n);
    if (m && m[1] === basename(path) && !running(Number(m[2]))) rmSync(join(dir, n), { force: true });
  }
}

/** Files written to temp files beside their paths, not yet in place: commit() renames them in, abort() removes them. */
export interface PreparedFiles {
  commit(): void;
  abort(): void;
}

const failed = (e: unknown, at: string): unknown =>
  isIoError(e)
    ? new InputError(
        `output file ${JSON.stringify(at)} cannot be written (${writeFailure(e.code)}), expected a writable location`,
      )
    : e;

/** A file output that is a symbolic link is written at its target, and the link kept (as a report directory is). */
function linkTarget(path: string): string {
  try {
    return lstatSync(path).isSymbolicLink() ? realpathSync(path) : path;
  } catch {
    return path; // missing, or a dangling link: written as a new file
  }
}

/**
 * Writes each file to a temp file in its directory (`.<name>.tmp-<pid>-<hex>`); nothing is in place until
 * commit(). A failing write (a full disk) removes the temp files and is an InputError naming the path.
 */

export function prepareFiles(given: readonly { path: string; content: string | Uint8Array }[]): PreparedFiles {
  const files = given.map((f) => ({ ...f, path: linkTarget(f.path) }));
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temps: string[] = [];
  const abort = () => temps.forEach((t) => rmSync(t, { force: true }));
  let at = '';
  try {
    for (const f of files) {
      at = f.path;
      makeDirs(dirname(f.path));
      removeLeftoverTemps(f.path);
      const temp = join(dirname(f.path), `.${basename(f.path)}.tmp-${tag}`);
      temps.push(temp);
      writeFileChecked(temp, f.content);
      exitAt(`write:${basename(f.path)}`);
    }
  } catch (e) {
    abort();
    throw failed(e, at);
  }
  const commit = () => {
    try {
      files.forEach((f, i) => {
        at = f.path;
        renameSync(temps[i]!, f.path);
        exitAt(`rename:${basename(f.path)}`);
      });
    } catch (e) {
      abort();
      throw failed(e, at);
    }
  };
  return { commit, abort };
}

/**
 * Writes files so that a reader never sees a half-written one: each is written to a temporary file
 * in the same directory, and only when all are written are they renamed into place. An interrupted
 * run leaves the previous files as they were (and its temp files, which the next write of that path
 * removes).
 */
export function writeFilesAtomic(files: readonly { path: string; content: string | Uint8Array }[]): void {
  prepareFiles(files).commit();
}

export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  writeFilesAtomic([{ path, content }]);
}
