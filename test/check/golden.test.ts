import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { goldenVerify } from '../../src/runs/golden.js';
import { DEFAULT_TOLERANCE } from '../../src/check/metrics.js';
import { useBackend } from '../../reference/index.js';
import { cli } from '../helpers/cli.js';

const golden = fileURLToPath(new URL('../../reference/golden/', import.meta.url));
const first = readdirSync(golden)
  .filter((f) => f.startsWith('rnn-') && f.endsWith('.json'))
  .sort()[0]!;

beforeAll(async () => {
  await useBackend('cpu');
});

/** A golden dir holding one file, edited by `edit`. */
function oneFileDir(edit: (g: any) => void, file = first): string {
  const dir = mkdtempSync(join(tmpdir(), 'bptt-golden-'));
  const g = JSON.parse(readFileSync(join(golden, file), 'utf8'));
  edit(g);
  writeFileSync(join(dir, file), JSON.stringify(g));
  return dir;
}
/** The smallest RNN snapshot: H = 4, no bias, so its tensors are U, W, V, each 4×4. */
const small = 'rnn-tanh-nobias-tok-I4-H4-K4-T5-B1-seed1.json';

describe('golden snapshots', () => {
  it('the repository’s own golden set holds: every case of the default matrix, every side within tolerance', async () => {
    const r = await goldenVerify(golden, DEFAULT_TOLERANCE);
    expect(r.files).toBe(56); // 48 rnn cases, 4 LSTM, 4 GRU
    expect(readdirSync(golden).filter((f) => /^(lstm|gru)-/.test(f))).toHaveLength(8);
    expect(r.drifts).toEqual([]);
  });

  it('each file carries schemaVersion, tool version and tfjs version', () => {
    const g = JSON.parse(readFileSync(join(golden, first), 'utf8'));
    expect(g).toMatchObject({ schemaVersion: 1, toolVersion: expect.any(String), tfjsVersion: '4.22.0' });
    expect(Object.keys(g.gradients)).toEqual(['hand', 'tfjs-layers', 'tfjs-ops']);
  });

  it('names the case, the side, the tensor and how far when a stored gradient drifts', async () => {
    const dir = oneFileDir((g) => {
      const b = Buffer.from(g.gradients['tfjs-ops'].tensors.W.f32, 'base64');
      const f = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4).map((x) => x * 1.01);
      g.gradients['tfjs-ops'].tensors.W.f32 = Buffer.from(f.buffer).toString('base64');
    });
    const r = await goldenVerify(dir, DEFAULT_TOLERANCE);
    expect(r.pass).toBe(false);
    expect(r.drifts).toHaveLength(1);
    expect(r.drifts[0]).toMatchObject({
      case: first.replace('.json', ''),
      side: 'tfjs-ops',
      tensor: 'W',
      message: expect.stringMatching(
        /relErrNorm 9\.\d+e-3, \d+ of \d+ entries beyond tolerance; worst \[\d+, \d+\]: .* now vs .* stored/,
      ),
    });
    const run = await cli(['golden', 'verify', '--dir', dir], tmpdir());
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^DRIFT {2}rnn-\S+ {2}tfjs-ops {2}W: relErrNorm/m);
  });

  it('refuses a golden directory from a newer schemaVersion with exit 2', async () => {
    const dir = oneFileDir((g) => (g.schemaVersion = 2));
    await expect(goldenVerify(dir, DEFAULT_TOLERANCE)).rejects.toThrow(
      /schemaVersion is 2, newer than this bptt-check reads \(1\)/,
    );
    const run = await cli(['golden', 'verify', '--dir', dir], tmpdir());
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  describe('a malformed golden file is bad input (exit 2), one line naming the file and the field, before anything is computed', () => {
    const f32Of = (n: number) => Buffer.from(new Float32Array(n).fill(0.5).buffer).toString('base64');
    it.each([
      [
        'without "case"',
        (g: any) => delete g.case,
        /^bptt-check: golden file ".*seed1\.json" has no field "case", expected the case the snapshot was taken on$/,
      ],
      [
        'without case.sha256',
        (g: any) => delete g.case.sha256,
        /has no field "case\.sha256", expected the SHA-256 of the generated case file$/,
      ],
      [
        'without a side',
        (g: any) => delete g.gradients['tfjs-layers'],
        /has no field "gradients\.tfjs-layers", expected the tfjs-layers side's loss and tensors$/,
      ],
      [
        'with a tensor of the wrong shape',
        (g: any) => (g.gradients.hand.tensors.W = { shape: [3, 4], f32: f32Of(12) }),
        /: field gradients\.hand\.tensors\.W has shape 3×4, expected H×H = 4×4$/,
      ],
      [
        'with fewer values than its shape',
        (g: any) => (g.gradients.hand.tensors.W.f32 = f32Of(12)),
        /: field gradients\.hand\.tensors\.W\.f32 holds 48 bytes, expected 4×4 float32 values = 64 bytes$/,
      ],
      [
        'with an empty tensor',
        (g: any) => (g.gradients['tfjs-ops'].tensors.V.f32 = ''),
        /: field gradients\.tfjs-ops\.tensors\.V\.f32 holds 0 bytes, expected 4×4 float32 values = 64 bytes$/,
      ],
      [
        'with values that are not base64',
        (g: any) => (g.gradients.hand.tensors.U.f32 = '%%%'),
        /: field gradients\.hand\.tensors\.U\.f32 is "%%%", expected base64 text$/,
      ],
      [
        'without a tensor of the case',
        (g: any) => delete g.gradients['tfjs-ops'].tensors.V,
        /has no field "gradients\.tfjs-ops\.tensors\.V", expected every gradient of the case \(U, W, V\)$/,
      ],
      [
        'with a tensor the case does not have',
        (g: any) => (g.gradients.hand.tensors.b = { shape: [4, 1], f32: f32Of(4) }),
        /: field gradients\.hand\.tensors\.b is not a gradient of this case, expected only U, W, V$/,
      ],
      [
        'with a loss that is not a number',
        (g: any) => (g.gradients.hand.loss = 'x'),
        /: field gradients\.hand\.loss is "x", expected a number \(or "NaN", "Infinity", "-Infinity"\)$/,
      ],
      [
        'with an invalid recipe',
        (g: any) => (g.case.generate.activation = 'gelu'),
        /: field case\.generate\.activation is "gelu", expected one of tanh\|sigmoid\|relu\|linear$/,
      ],
      ['with a field it does not know', (g: any) => (g.extra = 1), /: field "extra" is not a golden-file field/],
    ])('%s', async (_what, edit, message) => {
      const dir = oneFileDir(edit, small);
      const run = await cli(['golden', 'verify', '--dir', dir], tmpdir());
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(JSON.stringify(join(dir, small)));
      expect(lines[0]).toMatch(message);
      expect(run.stderr).not.toMatch(/undefined|internal error/);
    });

    it('refuses the directory when one of its files is broken, even if the others are fine, without checking any', async () => {
      const dir = oneFileDir(() => {}, small);
      writeFileSync(join(dir, 'zz-broken.json'), '{"schemaVersion": 1');
      const run = await cli(['golden', 'verify', '--dir', dir], tmpdir());
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim()).toMatch(
        /^bptt-check: golden file ".*zz-broken\.json" is not valid JSON .*expected a JSON document$/,
      );
    });

    it('refuses a missing directory, an empty one and a file given as the directory', async () => {
      const empty = mkdtempSync(join(tmpdir(), 'bptt-golden-empty-'));
      const cases: [string, RegExp][] = [
        [join(empty, 'nope'), /^bptt-check: --dir ".*nope" does not exist, expected a golden directory/],
        [empty, /^bptt-check: --dir ".*" holds no golden files, expected the output of bptt-check golden update$/],
        [join(golden, first), /^bptt-check: --dir ".*\.json" is a file, expected a golden directory/],
      ];
      for (const [dir, message] of cases) {
        const run = await cli(['golden', 'verify', '--dir', dir], tmpdir());
        expect(run.code, dir).toBe(2);
        expect(run.stderr.trim()).toMatch(message);
      }
    });
  });

  describe('a snapshot holding a non-finite value, as golden update writes one, is read and drifts (exit 1), never refused', () => {
    it.each([
      [
        'a NaN stored in a tensor',
        (g: any) =>
          (g.gradients.hand.tensors.U.f32 = Buffer.from(new Float32Array(16).fill(NaN).buffer).toString('base64')),
        'U',
        /^non-finite values \(NaN or ±Inf\) in the reference/,
      ],
      [
        'a loss stored as "Infinity"',
        (g: any) => (g.gradients.hand.loss = 'Infinity'),
        'loss',
        /^loss [\d.]+ now vs Infinity stored \(non-finite values \(NaN or ±Inf\) in the reference/,
      ],
      [
        'a loss stored as null (JSON.stringify’s NaN)',
        (g: any) => (g.gradients.hand.loss = null),
        'loss',
        /^loss [\d.]+ now vs NaN stored/,
      ],
    ])('%s', async (_what, edit, tensor, message) => {
      const dir = oneFileDir(edit, small);
      const r = await goldenVerify(dir, DEFAULT_TOLERANCE);
      expect(r.drifts.map((d) => [d.side, d.tensor])).toEqual([['hand', tensor]]);
      expect(r.drifts[0]!.message).toMatch(message);
      const run = await cli(['golden', 'verify', '--dir', dir], tmpdir());
      expect(run.code).toBe(1);
      expect(run.stderr).toBe('');
    });
  });

  it('refuses a snapshot whose recipe is over the size limits (exit 2 naming the file) before generating its case', async () => {
    const edits = [
      (g: any) => (g.case.generate.hiddenSize = 100000), // over the cap on H
      (g: any) => (g.case.generate.steps = 3_000_000_000), // over the cap on T
      (g: any) => Object.assign(g.case.generate, { batch: 65536, steps: 1_048_576 }), // each at its cap, B·T not: a RangeError (exit 3) before
    ];
    for (const edit of edits) {
      const dir = oneFileDir(edit, small);
      const run = await cli(['golden', 'verify', '--dir', dir], tmpdir());
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain(
        `golden file ${JSON.stringify(join(dir, small))}: field case.generate cannot be used: `,
      );
    }
    // within the caps but over --max-memory: refused with the estimate
    const dir = oneFileDir((g: any) => Object.assign(g.case.generate, { batch: 4096, steps: 4096 }), small);
    const run = await cli(['golden', 'verify', '--dir', dir, '--max-memory', '500M'], tmpdir());
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /field case\.generate cannot be used: the case needs about [\d.]+ GB \(.*T=4096 B=4096.*\), over --max-memory 500 MB/,
    );
  });

  it('writes a fresh set that verifies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bptt-golden-new-'));
    const up = await cli(['golden', 'update', '--dir', dir], tmpdir());
    expect(up.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual([
      '.bptt-check-manifest.json',
      ...readdirSync(golden)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ]); // 56 snapshots and the set's manifest
    expect((await cli(['golden', 'verify', '--dir', dir], tmpdir())).code).toBe(0);
  });
});
