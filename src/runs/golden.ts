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
import { decodeF32, GOLDEN_SCHEMA_VERSION, readGoldenFile, SIDES, type GoldenFile, type Side } from './golden-file.js';
import { compareArrays, type Tolerance } from '../check/metrics.js';
import { defaultSuite } from './suite.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const encode = (data: Float64Array) => Buffer.from(Float32Array.from(data).buffer).toString('base64');

async function sideGradients(c: Case, side: Side): Promise<Gradients> {
  return side === 'hand' ? handGradients(c) : referenceGradients(c, side as ReferenceName);
}

/** Writes one file per case of the default matrix into dir. */
export async function goldenUpdate(dir: string, backend: string): Promise<string[]> {
  const files: { name: string; content: string }[] = [];
  for (const o of defaultSuite()) {
    const c = generateCase(o);
    const gradients = {} as GoldenFile['gradients'];
    for (const side of SIDES) {
      const g = await sideGradients(c, side);
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
      gradients,
    };
    files.push({ name: `${c.id}.json`, content: `${JSON.stringify(file, null, 1)}\n` });
  }
  return writeRunDir(dir, files); // swapped in as a whole: a kill never leaves a set of two runs' snapshots
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
  pass: boolean;
}

/**
 * Reads the golden files of dir and validates every one of them in full before computing anything (exit 2
 * on an unreadable, malformed or newer one), then checks every side against them.
 */
export async function goldenVerify(dir: string, tol: Tolerance, maxMemory?: number): Promise<GoldenResult> {
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
  const drifts: GoldenDrift[] = [];
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
    for (const side of SIDES) {
      const stored = g.gradients[side];
      const now = await sideGradients(c, side);
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
  }
  return { files: names.length, drifts, pass: drifts.length === 0 };
}
