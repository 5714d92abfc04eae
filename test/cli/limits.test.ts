/**
 * Every size is bounded before anything is allocated (issue 14, item 3): through the real command, a size
 * beyond its cap, a run over --max-memory, a huge --fd or --workers, and an input that is not a regular
 * file (a FIFO, /dev/zero, a file over the limit) are each exit 2 with one line naming the option or the
 * file, quickly and in little memory, with the reports of an earlier run left exactly as they were.
 */
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  ftruncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { withWorkspace } from '../../src/kernels/heap.js';
import { estimateMemory, parseMemory, type Sizes } from '../../src/model/limits.js';
import { cli } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fixtures.js';

const dir = join(tmpdir(), `bptt-limits-${process.pid}`);
const snapshot = () =>
  readdirSync(join(dir, 'reports'))
    .sort()
    .map((f) => [f, readFileSync(join(dir, 'reports', f), 'utf8')]);
let before: string[][];

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  const first = await cli(['compare', '--out', 'reports'], dir);
  expect(first.code).toBe(0);
  before = snapshot();
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  writeFileSync(join(dir, 'case.json'), readFileSync(fixturePath('rnn-sigmoid-bias-batch.case.json')));
  const big = openSync(join(dir, 'big.json'), 'w'); // sparse: 300 MB by its size, nothing on disk
  ftruncateSync(big, 300e6);
  closeSync(big);
});

/** A refusal: exit 2, one line starting `bptt-check:`, no internal error, the earlier reports untouched. */
async function refused(args: string[], message: RegExp): Promise<void> {
  const t0 = performance.now();
  // grads writes one file (its --out is a file path); the other commands a report directory
  const run = await cli([...args, '--out', args[0] === 'grads' ? 'grads.json' : 'reports'], dir);
  expect(run.stderr).not.toMatch(/internal error|RangeError/);
  expect(run.code).toBe(2);
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(/^bptt-check: /);
  expect(run.stderr).toMatch(message);
  expect(performance.now() - t0).toBeLessThan(20_000); // refused before any work (a FIFO would wait forever)
  expect(snapshot()).toEqual(before);
}

describe('sizes beyond their caps', () => {
  it.each([
    [
      'a size with 20 digits',
      ['compare', '--hidden-size', '99999999999999999999'],
      /--hidden-size is "99999999999999999999", expected an integer ≤ 65536 \(the cap on H\)/,
    ],
    [
      'a hidden size of 100000',
      ['compare', '--hidden-size', '100000'],
      /--hidden-size is "100000", expected an integer ≤ 65536/,
    ],
    [
      'vanishing over 99999999999 steps',
      ['vanishing', '--steps', '99999999999'],
      /--steps is "99999999999", expected an integer ≤ 1048576 \(the cap on T\)/,
    ],
    [
      '3000000000 steps',
      ['compare', '--steps', '3000000000'],
      /--steps is "3000000000", expected an integer ≤ 1048576/,
    ],
    [
      'a batch with 20 digits',
      ['compare', '--batch', '99999999999999999999'],
      /--batch is "99999999999999999999", expected an integer ≤ 65536 \(the cap on B\)/,
    ],
    [
      'an fd seed beyond the largest exact integer',
      ['compare', '--fd', 'fast', '--fd-seed', '99999999999999999999'],
      /--fd-seed is "99999999999999999999", expected an integer ≤ 9007199254740991/,
    ],
    [
      '--fd fast 99999999999',
      ['compare', '--fd', 'fast', '99999999999'],
      /--fd is "fast 99999999999", expected fast \[k\] with k ≤ 1048576/,
    ],
    [
      '--fd sample 99999999999',
      ['compare', '--fd', 'sample', '99999999999'],
      /--fd is "sample 99999999999", expected sample N with N ≤ 1048576/,
    ],
    [
      '--workers with 20 digits',
      ['sweep', '--preset', 'default', '--workers', '99999999999999999999'],
      /--workers is "99999999999999999999", expected an integer ≤ 9007199254740991/,
    ],
    [
      'a case file whose hidden size is 100000',
      ['compare', '--case', 'h100000.json'],
      /h100000\.json: model\.hiddenSize is 100000, expected at most 65536/,
    ],
  ])('%s is exit 2 naming the option and its cap', async (_name, args, message) => {
    const c = JSON.parse(readFileSync(fixturePath('rnn-sigmoid-bias-batch.case.json'), 'utf8'));
    c.model.hiddenSize = 100000;
    writeFileSync(join(dir, 'h100000.json'), JSON.stringify(c));
    await refused(args, message);
  });

  it('--fd full on a case with more than 2^20 entries is refused before the oracle starts', async () => {
    await refused(
      ['compare', '--hidden-size', '1100', '--reference', 'ops', '--no-steps-detail', '--fd', 'full'],
      /--fd full is 1227600 perturbations on this case .*expected at most 1048576: use --fd sample N or --fd fast/,
    );
  });
});

describe('--max-memory', () => {
  it('a hidden size of 16384 is refused at once with the estimate, the option and what to lower', async () => {
    // P = H² + 2·8·H = 268,697,600: 23 GB by the estimate, over any default of 50% of a machine under 46 GB
    await refused(
      ['compare', '--hidden-size', '16384', '--steps', '2', '--max-memory', '16G'],
      /the case needs about 2\d\.\d GB \(rnn I=8 H=16384 K=8 T=2 B=1; most of it the parameters, P = 268697600\), over --max-memory 16\.0 GB; expected a smaller case \(lower H, T or B, or --no-steps-detail\) or a larger --max-memory/,
    );
  });

  it('a run estimated over --max-memory is exit 2 on compare, vanishing, grads and sweep, each naming the case', async () => {
    await refused(
      ['compare', '--hidden-size', '2048', '--max-memory', '500M'],
      /the case needs about 1\.1 GB .*over --max-memory 500 MB/,
    );
    await refused(
      ['vanishing', '--steps', '1000000', '--max-memory', '2G'],
      /the case needs about \d+\.\d GB .*12 series of T = 1000000 steps.*over --max-memory 2\.0 GB/,
    );
    await refused(
      ['grads', '--case', 'case.json', '--impl', 'fd', '--max-memory', '1M'],
      /case\.json: the case needs about .* over --max-memory 1 MB/,
    );
    writeFileSync(
      join(dir, 'wide.json'),
      JSON.stringify({ schemaVersion: 1, generate: { hiddenSize: [4, 2048], seeds: [1] } }),
    );
    await refused(
      ['sweep', '--matrix', 'wide.json', '--max-memory', '400M'],
      /matrix entry 1 \(rnn-tanh-nobias-tok-I8-H2048-K8-T10-B1-seed1\): the case needs about .* over --max-memory 400 MB/,
    );
  });

  it('a sweep entry beyond a cap is refused naming the entry, before any case runs', async () => {
    writeFileSync(
      join(dir, 'huge.json'),
      JSON.stringify({ schemaVersion: 1, generate: { hiddenSize: [4, 100000], seeds: [1] } }),
    );
    await refused(
      ['sweep', '--matrix', 'huge.json'],
      /matrix file "huge\.json": entry 1 \(.*H100000.*\) cannot be used: --hidden-size is 100000, expected a positive integer ≤ 65536 \(the cap on H\)/,
    );
  });

  it('a bad --max-memory is exit 2 saying what a size looks like', async () => {
    await refused(
      ['compare', '--max-memory', '12X'],
      /--max-memory is "12X", expected a size of at least 1M such as 512M, 2G/,
    );
  });

  it('a run under --max-memory runs as before', async () => {
    const run = await cli(['compare', '--max-memory', '2G', '--json', '--out', 'ok'], dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('parses sizes in powers of 1000 and of 1024', () => {
    expect(parseMemory('--max-memory', '2G')).toBe(2e9);
    expect(parseMemory('--max-memory', '512M')).toBe(512e6);
    expect(parseMemory('--max-memory', '1.5GiB')).toBe(1.5 * 2 ** 30);
    expect(parseMemory('--max-memory', '3000000')).toBe(3e6);
    expect(() => parseMemory('--max-memory', '-1G')).toThrow(/expected a size/);
  });

  it('estimates within −5%…+30% of the peak memory measured with /usr/bin/time -v (limits.ts)', () => {
    const rnn = (H: number, T: number, B = 1): Sizes => ({
      cell: 'rnn',
      bias: false,
      I: 8,
      H,
      K: 8,
      T,
      B,
      dense: false,
      initialState: false,
    });
    const both = ['tfjs-layers', 'tfjs-ops'];
    const measured: [Sizes, string[], boolean, number][] = [
      [rnn(2048, 10), both, true, 1024e6],
      [rnn(2048, 10), ['tfjs-ops'], false, 490e6],
      [rnn(1024, 40), both, true, 872e6],
      [rnn(64, 20000), both, false, 1210e6],
      [rnn(256, 5000), ['tfjs-ops'], false, 1668e6],
      [rnn(16, 5000, 16), ['tfjs-ops'], false, 329e6],
    ];
    for (const [s, references, stepsDetail, rss] of measured) {
      const e = estimateMemory(s, { command: 'compare', references, stepsDetail }).bytes;
      expect(e / rss).toBeGreaterThan(0.95);
      expect(e / rss).toBeLessThan(1.3);
    }
  });

  it("counts --fd fast k as at most the largest tensor's entries of directions, as fd.ts measures them", () => {
    // H = 64: W has 4096 entries; k = 1,000,000 runs 4096 directions on W (474 MB peak measured), not 10⁶ (41 GB estimated before)
    const s: Sizes = { cell: 'rnn', bias: false, I: 8, H: 64, K: 8, T: 10, B: 1, dense: false, initialState: false };
    const work = (k: number) => ({
      command: 'compare' as const,
      references: ['tfjs-layers', 'tfjs-ops'],
      stepsDetail: true,
      fd: { kind: 'fast' as const, k },
      fdThreads: 2,
    });
    expect(estimateMemory(s, work(1_000_000)).bytes).toBe(estimateMemory(s, work(4096)).bytes);
    expect(estimateMemory(s, work(1_000_000)).bytes).toBeLessThan(1e9);
    expect(estimateMemory(s, work(2)).bytes).toBeLessThan(estimateMemory(s, work(4096)).bytes);
  });
});

describe('--fd fast and --workers', () => {
  it("--fd fast 1000000 measures at most each tensor's entries of directions (128 for V = 8×16), quickly", async () => {
    const run = await cli(['compare', '--fd', 'fast', '1000000', '--json', '--out', 'fast'], dir);
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout).cases[0].rows.filter(
      (r: { r: string; a: string }) => r.r === 'fd' && r.a === 'hand',
    );
    expect(Object.fromEntries(rows.map((r: { tensor: string; shape: string }) => [r.tensor, r.shape]))).toEqual({
      U: '128 directions',
      W: '256 directions',
      V: '128 directions',
    });
  });

  it('a failing --fd fast direction on a tensor over 65536 entries is not rerun entry by entry: the direction row fails and a note says why', async () => {
    // H = 257: W has 66049 entries (a rerun would be 132098 forward passes); the student's dW[7][101] is off by 0.5
    const module = fileURLToPath(new URL('../modules/perturbed-w.mjs', import.meta.url));
    const run = await cli(
      ['compare', '--hidden-size', '257', '--steps', '2', '--impl', module, '--fd', 'fast', '--json', '--out', 'rerun'],
      dir,
    );
    expect(run.code).toBe(1);
    const c = JSON.parse(run.stdout).cases[0];
    const fdW = c.rows.filter(
      (r: { tensor: string; a: string; r: string }) => r.tensor === 'W' && r.a === 'yours' && r.r.startsWith('fd'),
    );
    expect(fdW.map((r: { r: string; pass: boolean }) => [r.r, r.pass])).toEqual([['fd', false]]);
    expect(c.notes).toContain(
      'the entry-by-entry rerun of W is left out: 66049 entries, over the 65536 it measures (--fd full measures every entry)',
    );
  });

  it('--workers beyond the cores and the cases is capped to what can be used, with a note on stderr', async () => {
    writeFileSync(
      join(dir, 'two.json'),
      JSON.stringify({ schemaVersion: 1, generate: { hiddenSize: [4], seeds: [1, 2] } }),
    );
    const run = await cli(['sweep', '--matrix', 'two.json', '--workers', '64', '--json', '--out', 'w64'], dir);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^bptt-check: note: --workers 64 capped at [12] \(\d+ cores, 2 cases\)\n$/);
  });
});

describe('input files', () => {
  it.each([
    [
      'a FIFO with no writer as --case',
      () => ['compare', '--case', 'fifo'],
      /case file "fifo" is a FIFO, expected a regular file/,
    ],
    [
      '/dev/zero as --case',
      () => ['compare', '--case', '/dev/zero'],
      /case file "\/dev\/zero" is a character device, expected a regular file/,
    ],
    [
      'a directory as --case',
      () => ['compare', '--case', dir],
      /case file ".*" cannot be read \(it is a directory\), expected a regular file/,
    ],
    [
      'a 300 MB case file',
      () => ['compare', '--case', 'big.json'],
      /case file "big\.json" is 300 MB, expected at most 256 MB \(the limit on input files\)/,
    ],
    [
      'a FIFO as --grads',
      () => ['verify', '--case', 'case.json', '--grads', 'fifo'],
      /gradients file "fifo" is a FIFO, expected a regular file/,
    ],
    [
      '/dev/zero as --grads',
      () => ['verify', '--case', 'case.json', '--grads', '/dev/zero'],
      /gradients file "\/dev\/zero" is a character device/,
    ],
    [
      'a FIFO as --matrix',
      () => ['sweep', '--matrix', 'fifo'],
      /matrix file "fifo" is a FIFO, expected a regular file/,
    ],
    [
      '/dev/zero as --matrix',
      () => ['sweep', '--matrix', '/dev/zero'],
      /matrix file "\/dev\/zero" is a character device/,
    ],
    ['a FIFO as the case of grads', () => ['grads', '--case', 'fifo'], /case file "fifo" is a FIFO/],
  ])('%s is exit 2 naming the file, without opening it', async (_name, args, message) => {
    await refused(args(), message);
  });

  it('the case command refuses a case file it could not read back', async () => {
    const run = await cli(['case', '--hidden-size', '8192', '--out', 'c8192.json'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^bptt-check: the case file would be about 1\.5 GB \(rnn I=8 H=8192 K=8 T=10 B=1\), expected at most 256 MB, the limit on the files bptt-check reads/,
    );
    expect(existsSync(join(dir, 'c8192.json'))).toBe(false);
  });
});

describe("the kernels' heap", () => {
  it('an array of 2 GiB or more in a workspace falls back to an ordinary array instead of wrapping the 32-bit alignment', () => {
    // 2²⁸ float64 = 2 GiB, over the heap's maximum: the computation reruns on plain arrays (untouched pages cost no memory)
    const out = withWorkspace(2 ** 31, (ws) => {
      const a = ws.f64(2 ** 28);
      return {
        length: a.length,
        plain: !(a.buffer instanceof SharedArrayBuffer) && a.byteOffset === 0 && a.buffer.byteLength === 2 ** 31,
      };
    });
    expect(out).toEqual({ length: 2 ** 28, plain: true });
  });
});
