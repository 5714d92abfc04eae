import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { goldenVerify } from '../../src/check/golden.js';
import { DEFAULT_TOLERANCE } from '../../src/check/metrics.js';
import { useBackend } from '../../reference/index.js';
import { cli } from '../helpers/cli.js';

const golden = fileURLToPath(new URL('../../reference/golden/', import.meta.url));
const first = readdirSync(golden).filter((f) => f.startsWith('rnn-') && f.endsWith('.json')).sort()[0]!;

beforeAll(async () => {
  await useBackend('cpu');
});

/** A golden dir holding one file, edited by `edit`. */
function oneFileDir(edit: (g: any) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'bptt-golden-'));
  const g = JSON.parse(readFileSync(join(golden, first), 'utf8'));
  edit(g);
  writeFileSync(join(dir, first), JSON.stringify(g));
  return dir;
}

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
    expect(r.drifts[0]).toMatchObject({ case: first.replace('.json', ''), side: 'tfjs-ops', tensor: 'W', message: expect.stringMatching(/relErrNorm 9\.\d+e-3, \d+ of \d+ entries beyond tolerance; worst \[\d+, \d+\]: .* now vs .* stored/) });
    const run = await cli(['golden', 'verify', '--dir', dir], tmpdir());
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^DRIFT {2}rnn-\S+ {2}tfjs-ops {2}W: relErrNorm/m);
  });

  it('refuses a golden directory from a newer schemaVersion with exit 2', async () => {
    const dir = oneFileDir((g) => (g.schemaVersion = 2));
    await expect(goldenVerify(dir, DEFAULT_TOLERANCE)).rejects.toThrow(/schemaVersion is 2, newer than this bptt-check reads \(1\)/);
    const run = await cli(['golden', 'verify', '--dir', dir], tmpdir());
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('writes a fresh set that verifies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bptt-golden-new-'));
    const up = await cli(['golden', 'update', '--dir', dir], tmpdir());
    expect(up.code).toBe(0);
    expect(readdirSync(dir)).toHaveLength(56);
    expect((await cli(['golden', 'verify', '--dir', dir], tmpdir())).code).toBe(0);
  });
});
