/**
 * A report directory (`--out`) that holds exactly the files of the last run, swapped in as a whole.
 *
 * A run's files go into a fresh sibling temp directory T = `.<out>.bptt-check-new-<tag>` (the same parent, so
 * a rename is atomic), with a manifest (MANIFEST) listing them, written last: a T with a manifest is complete.
 * Then the entries of the old `--out` that the tool did not write (not in the old manifest: the user's files)
 * are moved into T, the old directory is renamed aside to `.<out>.bptt-check-old-<tag>`, T is renamed to
 * `--out`, and the old directory is removed. A run that is killed part way leaves T and/or the old directory;
 * the next run on the same `--out` finishes or undoes that commit first (recoverOutDir, also for a report
 * directory inside it: a sweep's partial/), so `--out` never holds files of two runs, and no file the tool
 * did not write is lost. Between the two renames `--out` is missing for an instant (Node has no atomic
 * exchange of two directories); a kill there leaves the new run complete beside it, which recovery renames in.
 */
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fieldName, InputError } from './errors.js';
import { running } from './atomic.js';
import { exitAt, isIoError, makeDirs, writeFailure, writeFileChecked } from './files.js';

export const MANIFEST = '.bptt-check-manifest.json';

export interface RunFile {
  /** a plain file name inside the directory */
  name: string;
  content: string | Uint8Array;
}

/** The files a manifest lists, or null where there is none (a directory no run of this tool wrote). */
export function readManifest(dir: string): string[] | null {
  try {
    const m = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as { files?: unknown };
    return Array.isArray(m.files) ? m.files.filter((f): f is string => typeof f === 'string') : null;
  } catch {
    return null;
  }
}

/** The entries of `from` the tool did not write (not in its manifest), each moved into `to` unless `to` has that name. */
function moveUserFiles(from: string, to: string): void {
  const tools = new Set([...(readManifest(from) ?? []), MANIFEST]);
  for (const name of readdirSync(from)) {
    if (tools.has(name) || existsSync(join(to, name))) continue;
    renameSync(join(from, name), join(to, name));
    exitAt(`move:${name}`);
  }
}

/** The temp (new) or aside (old) directories of cut commits on `out`, leaving out those of a run still going. */
const leftovers = (out: string, kind: 'new' | 'old') => {
  const prefix = `.${basename(out)}.bptt-check-${kind}-`;
  const parent = dirname(out);
  if (!existsSync(parent)) return [];
  return readdirSync(parent)
    .filter((n) => n.startsWith(prefix) && !running(Number(n.slice(prefix.length).split('-')[0])))
    .map((n) => join(parent, n));
};

/**
 * Finishes or undoes a commit that was cut short: a complete new directory whose `--out` is missing (renamed
 * aside) becomes `--out`; otherwise the user's files it holds go back to `--out` and it is removed. An old
 * directory renamed aside gives back the user's files still in it, then is removed.
 */
export function recoverOutDir(out: string): void {
  for (const t of leftovers(out, 'new')) {
    if (!existsSync(out) && readManifest(t) !== null)
      renameSync(t, out); // the swap was cut between its two renames
    else {
      if (existsSync(out) && readManifest(t) !== null) moveUserFiles(t, out); // cut while moving the user's files in
      rmSync(t, { recursive: true, force: true });
    }
  }
  for (const old of leftovers(out, 'old')) {
    if (!existsSync(out))
      renameSync(old, out); // no new directory to finish with: the old run's files stand
    else {
      moveUserFiles(old, out);
      rmSync(old, { recursive: true, force: true });
    }
  }
  // a report directory inside this one (a sweep's partial/) whose commit was cut
  if (!existsSync(out) || !statSync(out).isDirectory()) return;
  const nested = new Set(
    readdirSync(out)
      .map((n) => NESTED.exec(n)?.[1])
      .filter((n): n is string => n !== undefined),
  );
  for (const n of nested) recoverOutDir(join(out, n));
}
const NESTED = /^\.(.+)\.bptt-check-(?:new|old)-\d+-[0-9a-f]{8}$/;

/** `--out` must be a directory of its own: not the current directory, nor one that holds it. */
export function checkOutDir(out: string, given: string, field = 'out'): void {
  const rel = relative(out, process.cwd());
  if (!(rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)))
    throw new InputError(
      `${fieldName(field)} is ${JSON.stringify(given)}, which holds the current directory, expected a directory of its own for the reports`,
      field,
    );
  if (existsSync(out) && !statSync(out).isDirectory())
    throw new InputError(`${fieldName(field)} is ${JSON.stringify(given)}, a file, expected a directory`, field);
}

/**
 * Replaces the directory `dir` by one holding exactly `files` (plus the user's files of the old one); returns their paths.
 * The stages a test can end the process after (BPTT_CHECK_FAULT=commit-exit:<stage>): `write:<file>`, `written`,
 * `move:<user file>`, `moved`, `aside`, `swapped` (see the module comment); `enospc:<file>` fails that write as a full disk.
 */
export function writeRunDir(dir: string, files: readonly RunFile[]): string[] {
  let out = resolve(dir);
  if (existsSync(out) && lstatSync(out).isSymbolicLink()) out = realpathSync(out); // swap the target, keep the link
  checkOutDir(out, dir);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = join(dirname(out), `.${basename(out)}.bptt-check-new-${tag}`);
  const old = join(dirname(out), `.${basename(out)}.bptt-check-old-${tag}`);
  let at = basename(temp);
  try {
    makeDirs(dirname(out));
    recoverOutDir(out);
    mkdirSync(temp);
    for (const f of files) {
      at = f.name;
      writeFileChecked(join(temp, f.name), f.content);
      exitAt(`write:${f.name}`);
    }
    at = MANIFEST;
    writeFileChecked(
      join(temp, MANIFEST),
      `${JSON.stringify({ tool: 'bptt-check', files: files.map((f) => f.name) }, null, 2)}\n`,
    );
    exitAt('written');
    at = basename(out);
    if (existsSync(out)) {
      moveUserFiles(out, temp);
      exitAt('moved');
      renameSync(out, old);
      exitAt('aside');
      renameSync(temp, out);
      exitAt('swapped');
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(temp, out);
      exitAt('swapped');
    }
  } catch (e) {
    // undo: the old directory back in place, the user's files back into it, the new one removed
    if (!existsSync(out) && existsSync(old)) renameSync(old, out);
    if (existsSync(temp)) {
      if (existsSync(out) && readManifest(temp) !== null) moveUserFiles(temp, out);
      rmSync(temp, { recursive: true, force: true });
    }
    if (isIoError(e))
      throw new InputError(
        `output directory ${JSON.stringify(dir)} cannot be written (${writeFailure(e.code)}, at ${at}), expected a writable location with room for the reports; what it held is untouched`,
      );
    throw e;
  }
  return files.map((f) => join(dir, f.name));
}
