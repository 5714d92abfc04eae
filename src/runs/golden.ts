/**
 * Golden regression snapshots: for each case of the default matrix, the case (as its generation recipe
 * and the SHA-256 of its case file, since generation is bit-exact), and the gradients of the hand side and
 * of both references, stored as float32 (base64). `verify` recomputes everything and compares with the
 * tolerances, so float noise across machines does not fail it; drift beyond tolerance does, with a readable
 * diff: which case, which tensor, how far.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { handGradients } from '../bptt/index.js';
import { referenceGradients, tf, type ReferenceName } from '../../reference/index.js';
import type { Case } from '../model/case.js';
import { fieldName, InputError } from '../model/errors.js';
import { MANIFEST, writeRunDir } from '../model/out-dir.js';
import { generateCase } from '../model/generate.js';
import { jsonNumber, readJsonNumber, type Gradients } from '../model/gradients.js';
import { caseJson } from '../model/io.js';
import { indexOf } from '../model/matrix.js';
import { gradientSpecs } from '../model/spec.js';
import { TOOL_VERSION } from '../version.js';
import {
  decodeF32,
  GOLDEN_SCHEMA_VERSION,
  readGoldenFile,
  SIDES,
  sidesOf,
  SUBJECT_SIDE,
  type GoldenFile,
  type Side,
} from './golden-file.js';
import { checkCase, type CheckOptions } from '../check/compare.js';
import type { Side as CheckSide } from '../check/sides.js';
import { compareArrays, type Tolerance } from '../check/metrics.js';
import { defaultSuite, notRunResult } from './suite.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const encode = (data: Float64Array) => Buffer.from(Float32Array.from(data).buffer).toString('base64');

/** Your code as golden snapshots know it: the Side that computes it, and what the snapshot says it was. */
export interface GoldenSubject {
  side: CheckSide;
  /** a module's path or a command, as given */
  said: NonNullable<GoldenFile['subject']>;
}

async function sideGradients(c: Case, side: Side, subject?: GoldenSubject): Promise<Gradients> {
  if (side === SUBJECT_SIDE) return subject!.side.gradients(c, {});
  return side === 'hand' ? handGradients(c) : referenceGradients(c, side as ReferenceName);
}

/**
 * Writes one file per case of the default matrix into dir: the hand side's and both references' gradients,
 * or, with a subject, your code's on each case of a cell it implements (the others are left out: `skipped`).
 */
export async function goldenUpdate(
  dir: string,
  backend: string,
  subject?: GoldenSubject,
): Promise<{ written: string[]; skipped: Case[] }> {
  const files: { name: string; content: string }[] = [];
  const skipped: Case[] = [];
  for (const o of defaultSuite()) {
    const c = generateCase(o);
    if (subject && notRunResult(c, subject.side)) {
      skipped.push(c);
      continue;
    }
    const gradients = {} as GoldenFile['gradients'];
    for (const side of subject ? ([SUBJECT_SIDE] as const) : SIDES) {
      const g = await sideGradients(c, side, subject);
      gradients[side] = {
        loss: jsonNumber(g.loss),
        tensors: Object.fromEntries(
          Object.entries(g.tensors).map(([n, m]) => [n, { shape: [m.rows, m.cols], f32: encode(m.data) }]),
        ),
      };
    }
    const file: GoldenFile = {
      schemaVersion: GOLDEN_SCHEMA_VERSION,
      toolVersion: TOOL_VERSION,
      tfjsVersion: tf.version_core,
      backend,
      case: { id: c.id, generate: o, sha256: sha256(caseJson(c)) },
      ...(subject ? { subject: subject.said } : {}),
      gradients,
    };
    files.push({ name: `${c.id}.json`, content: `${JSON.stringify(file, null, 1)}\n` });
  }
  // swapped in as a whole: a kill never leaves a set of two runs' snapshots
  return { written: await writeRunDir(dir, files), skipped };
}

export interface GoldenDrift {
  case: string;
  side: string;
  tensor: string;
  message: string;
}

export interface GoldenResult {
  files: number;
  drifts: GoldenDrift[];
  /** with a subject: the comparisons of your code with the references (checked now) that fail, side "yours vs tfjs-ops" */
  disagreements?: GoldenDrift[];
  pass: boolean;
}

/**
 * Reads the golden files of dir and validates every one of them in full before computing anything (exit 2
 * on an unreadable, malformed or newer one), then checks every side against them.
 */
export async function goldenVerify(
  dir: string,
  tol: Tolerance,
  maxMemory?: number,
  subject?: GoldenSubject,
  check: CheckOptions = {},
): Promise<GoldenResult> {
  if (!existsSync(dir))
    throw new InputError(
      `${fieldName('dir')} ${JSON.stringify(dir)} does not exist, expected a golden directory (bptt-check golden update writes one)`,
      'dir',
    );
  if (!statSync(dir).isDirectory())
    throw new InputError(
      `${fieldName('dir')} ${JSON.stringify(dir)} is a file, expected a golden directory (bptt-check golden update writes one)`,
      'dir',
    );
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== MANIFEST)
    .sort();
  if (!names.length)
    throw new InputError(
      `${fieldName('dir')} ${JSON.stringify(dir)} holds no golden files, expected the output of bptt-check golden update`,
      'dir',
    );
  const files = names.map((name) =>
    readGoldenFile(join(dir, name), `golden file ${JSON.stringify(join(dir, name))}`, maxMemory),
  );
  // a snapshot of your code is verified with your code, the built-in side's without (each says which it is)
  files.forEach((g, k) => {
    const where = `golden file ${JSON.stringify(join(dir, names[k]!))}`;
    if (subject && !g.subject)
      throw new InputError(
        `${where} is a snapshot of the built-in hand side, expected a snapshot of your code (golden update with ${fieldName('impl')} or ${fieldName('implCmd')} writes one)`,
        'dir',
      );
    if (!subject && g.subject)
      throw new InputError(
        `${where} is a snapshot of your code (${g.subject.kind} ${JSON.stringify(g.subject.name)}), expected ${fieldName('impl')} or ${fieldName('implCmd')} to verify it with`,
        'dir',
      );
  });
  const drifts: GoldenDrift[] = [];
  const disagreements: GoldenDrift[] = [];
  for (const g of files) {
    const c = generateCase(g.case.generate);
    const id = g.case.id;
    if (sha256(caseJson(c)) !== g.case.sha256) {
      drifts.push({
        case: id,
        side: 'case',
        tensor: '-',
        message: 'the generated case differs from the one the snapshot was taken on (the generator changed)',
      });
      continue;
    }
    // your code is asked once per case: its answer is compared with its snapshot and checked against the references
    const asked = subject ? once(subject.side) : undefined;
    for (const side of sidesOf(g)) {
      const stored = g.gradients[side]!;
      const now = await sideGradients(c, side, asked && { ...subject!, side: asked });
      const storedLoss = readJsonNumber(stored.loss)!;
      const loss = compareArrays([now.loss], [storedLoss], tol, () => []);
      if (!loss.pass)
        drifts.push({
          case: id,
          side,
          tensor: 'loss',
          message: `loss ${now.loss} now vs ${storedLoss} stored${loss.reason ? ` (${loss.reason})` : ''}`,
        });
      for (const s of gradientSpecs(c.model, c.batch, c.initialState !== null)) {
        const m = now.tensors[s.name]!;
        const d = compareArrays(Float32Array.from(m.data), decodeF32(stored.tensors[s.name]!.f32), tol, (k) =>
          indexOf(m, k, s.vector),
        );
        if (d.pass) continue;
        const worst = d.worst ? `; worst [${d.worst.index.join(', ')}]: ${d.worst.a} now vs ${d.worst.r} stored` : '';
        const how = d.reason ?? `relErrNorm ${d.relErrNorm.toExponential(2)}`;
        drifts.push({
          case: id,
          side,
          tensor: s.name,
          message: `${how}, ${d.failing} of ${d.count} entries beyond tolerance${worst}`,
        });
      }
    }
    if (asked) disagreements.push(...(await disagreeing(c, asked, tol, check)));
  }
  return {
    files: names.length,
    drifts,
    ...(subject ? { disagreements } : {}),
    pass: drifts.length === 0 && disagreements.length === 0,
  };
}

/** A side that computes once and gives that answer again (the snapshot's comparison and the check share it). */
function once(side: CheckSide): CheckSide {
  let answer: ReturnType<CheckSide['gradients']> | undefined;
  return { ...side, gradients: (c, v) => (answer ??= side.gradients(c, v)) };
}

/** Your code against both references on the case, now: the failing rows, as lines of the verify output. */
async function disagreeing(c: Case, side: CheckSide, tol: Tolerance, check: CheckOptions): Promise<GoldenDrift[]> {
  const r = await checkCase(c, ['tfjs-layers', 'tfjs-ops'], tol, { ...check, subject: side });
  return r.rows
    .filter((x) => !x.pass)
    .map((x) => ({
      case: c.id,
      side: `${x.a} vs ${x.r}`,
      tensor: x.tensor,
      message: `${x.reason ?? `relErrNorm ${x.relErrNorm.toExponential(2)}`}, ${x.failing} of ${x.count} entries beyond tolerance${
        r.diagnosis?.some((d) => d.tensor === x.tensor)
          ? `; diagnosis: ${r.diagnosis
              .filter((d) => d.tensor === x.tensor)
              .map((d) => d.pattern)
              .join(', ')}`
          : ''
      }`,
    }));
}
