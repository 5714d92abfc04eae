/**
 * The preflight of every output of a command, run before any work (before a case is generated, a module
 * loaded or tfjs started): the report directory (`--out`, `golden update --dir`), the single files
 * (`--junit`, `case --out`, `grads --out`) and the GitHub step summary. A path that cannot be written is
 * exit 2 with one line, and nothing is written or touched.
 *
 * The rule for a path that does not exist yet: its nearest existing ancestor A must be a directory in
 * which an entry can be created, tested by creating and removing a probe directory in A (so a read-only
 * mount, a directory without write permission, or a pseudo file system such as /proc are refused at once).
 * An existing file output must be a regular file (never /dev/null or another device: writing one means
 * renaming a temp file over it); an existing report directory must be a directory, probed too.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, realpathSync, rmdirSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fieldName, InputError } from './errors.js';
import { writeFailure } from './files.js';
import { checkOutDir, MANIFEST, readManifest } from './out-dir.js';

export interface Output {
  /** the option field that names it: `out`, `junit`, `dir`, `case` (the CLI shows it as its flag) */
  field: string;
  path: string;
}

/** How a message names an output: its field (`out`), or the environment variable GITHUB_STEP_SUMMARY. */
const SUMMARY = 'GITHUB_STEP_SUMMARY';
const named = (o: Output) => (o.field === SUMMARY ? SUMMARY : fieldName(o.field));

export interface Outputs {
  /** the report directory (--out; golden update --dir), swapped in as a whole (writeRunDir) */
  dir?: Output;
  /** single files, each written through a temp file (writeFilesAtomic) */
  files?: readonly Output[];
  /** the GitHub step summary is appended to (publish), when GITHUB_STEP_SUMMARY is set */
  stepSummary?: boolean;
  /** directories the command reads (merge's shards): no output may be one of them, inside one, or hold one */
  inputs?: { what: string; paths: readonly string[] };
  /** files the command reads (--case, --grads, --matrix, --impl): no output may be one of them */
  reads?: readonly Output[];
}

/**
 * The names a report set may write into its directory (writeReports, writeVanishingReports, a sweep's
 * partial/, the manifest): a --junit file of the same name in --out would overwrite a report with XML.
 */
export const isReportName = (name: string) =>
  name === MANIFEST ||
  name === 'partial' ||
  /^(summary\.csv|report\.(json|md|html)|steps\.(csv|png)|vanishing\.csv|[\w-]+\.png)$/.test(name) ||
  name.startsWith('.bptt-check');

const kind = (s: Stats) =>
  s.isDirectory()
    ? 'a directory'
    : s.isFile()
      ? 'a file'
      : s.isCharacterDevice()
        ? 'a character device'
        : s.isBlockDevice()
          ? 'a block device'
          : s.isFIFO()
            ? 'a FIFO'
            : s.isSocket()
              ? 'a socket'
              : 'not a regular file';
const statOf = (p: string) => {
  try {
    return statSync(p);
  } catch {
    return null; // missing (or a dangling link, which a write replaces)
  }
};
/** The real path of p: its existing part resolved through links, the rest appended. */
function realOf(p: string): string {
  const abs = resolve(p);
  if (existsSync(abs)) return realpathSync(abs);
  const up = dirname(abs);
  return up === abs ? abs : join(realOf(up), basename(abs));
}
const inside = (p: string, dir: string) => {
  const r = relative(dir, p);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
};

/** Refuses o unless an entry can be created where it goes: the nearest existing ancestor is a directory that takes a probe entry. */
function checkCreatable(o: Output, what: string, from: string): void {
  let a = resolve(from);
  while (!existsSync(a) && dirname(a) !== a) a = dirname(a);
  const s = statOf(a);
  if (!s?.isDirectory())
    throw new InputError(
      `${named(o)} is ${JSON.stringify(o.path)}, under ${JSON.stringify(a)}, which is ${s ? kind(s) : 'missing'}, expected ${what} in a directory`,
      o.field,
    );
  const probe = join(a, `.bptt-check-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    mkdirSync(probe);
    rmdirSync(probe);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // ENOENT for a new entry in a directory that exists: a pseudo file system (procfs) that takes none
    const why = code === 'ENOENT' ? 'it takes no new entries' : writeFailure(code);
    throw new InputError(
      `${named(o)} is ${JSON.stringify(o.path)}, but nothing can be created in ${JSON.stringify(a)} (${why}), expected ${what} in a writable directory`,
      o.field,
    );
  }
}

function checkDir(o: Output): void {
  checkOutDir(resolve(o.path), o.path, o.field);
  const s = statOf(o.path);
  // the run's files go into a sibling directory, swapped in by renames: the parent must take new entries, and so must an existing --out
  checkCreatable(o, 'a report directory', dirname(realOf(o.path)));
  if (s) checkCreatable(o, 'a report directory', o.path);
}

function checkFile(o: Output, dir: Output | undefined): void {
  const s = statOf(o.path);
  if (s && !s.isFile())
    throw new InputError(
      `${named(o)} is ${JSON.stringify(o.path)}, ${kind(s)}, expected a path for a regular file`,
      o.field,
    );
  const real = realOf(o.path);
  // a file another run of the tool wrote into its report directory (listed in its manifest), or that manifest
  const ownSet = dir !== undefined && dirname(real) === realOf(dir.path); // a --junit inside --out joins this run's set
  if (s && !ownSet && (basename(real) === MANIFEST || readManifest(dirname(real))?.includes(basename(real))))
    throw new InputError(
      `${named(o)} is ${JSON.stringify(o.path)}, a file of the report set in ${JSON.stringify(dirname(o.path))}, expected a path outside the report directories bptt-check writes`,
      o.field,
    );
  if (dir) {
    const out = realOf(dir.path);
    if (real === out)
      throw new InputError(
        `${named(o)} is ${JSON.stringify(o.path)}, the ${named(dir)} directory, expected a file path`,
        o.field,
      );
    if (dirname(real) === out && isReportName(basename(real)))
      throw new InputError(
        `${named(o)} is ${JSON.stringify(o.path)}, a file of the report set ${named(dir)} ${JSON.stringify(dir.path)} writes, expected another name (e.g. ${join(dir.path, 'junit.xml')})`,
        o.field,
      );
  }
  checkCreatable(o, 'a file path', dirname(real));
}

/** GITHUB_STEP_SUMMARY is appended to: an existing regular file, or a new one in an existing writable directory. */
function checkSummary(path: string): void {
  const o = { field: SUMMARY, path };
  const s = statOf(path);
  if (s && !s.isFile())
    throw new InputError(
      `GITHUB_STEP_SUMMARY is ${JSON.stringify(path)}, ${kind(s)}, expected a file the step summary can be appended to`,
    );
  if (s) {
    try {
      accessSync(path, constants.W_OK);
    } catch (e) {
      throw new InputError(
        `GITHUB_STEP_SUMMARY is ${JSON.stringify(path)}, which cannot be appended to (${writeFailure((e as NodeJS.ErrnoException).code)}), expected a writable file`,
      );
    }
  }
  const parent = statOf(dirname(resolve(path)));
  if (!parent?.isDirectory())
    throw new InputError(
      `GITHUB_STEP_SUMMARY is ${JSON.stringify(path)}, in a directory that does not exist, expected a file the step summary can be appended to`,
    );
  checkCreatable(o, 'a file the step summary can be appended to', dirname(resolve(path)));
}

/** Checks every output path of a command before it does any work; an InputError (exit 2) names the first that cannot be written. */
export function checkOutputs(o: Outputs): void {
  if (o.dir) checkDir(o.dir);
  for (const f of o.files ?? []) checkFile(f, o.dir);
  const summary = process.env.GITHUB_STEP_SUMMARY;
  if (o.stepSummary && summary) checkSummary(summary);
  const outputs = [...(o.dir ? [o.dir] : []), ...(o.files ?? [])];
  for (const read of o.reads ?? [])
    for (const out of outputs)
      if (realOf(out.path) === realOf(read.path))
        throw new InputError(
          `${named(out)} is ${JSON.stringify(out.path)}, the file ${named(read)} reads, expected another path: writing it would destroy what is read`,
          out.field,
        );
  for (const input of o.inputs?.paths ?? []) {
    const real = realOf(input);
    for (const out of outputs) {
      const r = realOf(out.path);
      if (inside(r, real) || inside(real, r))
        throw new InputError(
          `${named(out)} is ${JSON.stringify(out.path)}, ${r === real ? 'one of' : inside(r, real) ? 'inside one of' : 'holding one of'} the ${o.inputs!.what} (${JSON.stringify(input)}), expected a path apart from them: writing it would destroy what is read`,
          out.field,
        );
    }
  }
}
