/** sweep, shards and merge through the real command (the compiled worker runs in piscina threads). */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMatrix, shardIndices } from '../../src/runs/grid.js';
import { crashOn } from '../helpers/crash.js';
import { BIN, cli } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'bptt-sweep-'));
const matrix = {
  schemaVersion: 1,
  id: 'test-matrix',
  generate: {
    activation: ['tanh', 'relu'],
    bias: [false, true],
    hiddenSize: [6],
    inputSize: [4],
    steps: [5, 9],
    seeds: [1, 2],
  },
  cases: [fixturePath('rnn-sigmoid-bias-batch.case.json')],
};
const range = (n: number) => Array.from({ length: n }, (_, k) => k + 1);
const report = (sub: string) => JSON.parse(readFileSync(join(dir, sub, 'report.json'), 'utf8'));
/** report.json without its timing fields (and the output directory in the command) */
const untimed = (sub: string) => {
  const r = report(sub);
  delete r.createdAt;
  r.command = r.command.replace(/--out \S+/, '');
  for (const c of r.cases) delete c.ms;
  return JSON.stringify(r);
};

beforeAll(() => writeFileSync(join(dir, 'matrix.json'), JSON.stringify(matrix)));

describe('sweep', () => {
  it('runs the cross product of the value lists and seeds plus the listed case files', () => {
    const m = loadMatrix(join(dir, 'matrix.json'));
    expect(m.entries).toHaveLength(2 * 2 * 2 * 2 + 1);
    expect(m.entries.filter((e) => 'file' in e)).toHaveLength(1);
  });

  it('crosses cells and recurrent activations, with one RNN case per combination (an RNN has no recurrent activation)', () => {
    const path = join(dir, 'cells.json');
    writeFileSync(
      path,
      JSON.stringify({
        schemaVersion: 1,
        generate: {
          cell: ['rnn', 'lstm', 'gru'],
          recurrentActivation: ['sigmoid', 'hardSigmoid'],
          hiddenSize: [4],
          seeds: [1, 2],
        },
      }),
    );
    const gen = loadMatrix(path).entries.map((e) => ('generate' in e ? e.generate : null)!);
    expect(gen).toHaveLength((1 + 2 + 2) * 2);
    expect(gen.filter((g) => g.cell === 'rnn').every((g) => !('recurrentActivation' in g))).toBe(true);
    expect(new Set(gen.filter((g) => g.cell === 'gru').map((g) => g.recurrentActivation))).toEqual(
      new Set(['sigmoid', 'hardSigmoid']),
    );
    writeFileSync(path, JSON.stringify({ schemaVersion: 1, generate: { cell: ['lstm', 'cnn'] } }));
    expect(() => loadMatrix(path)).toThrow(/generate\.cell\[1\]/);
  });

  it('writes a report.json that is byte-identical, timing aside, with 1 and with 2 workers', async () => {
    const one = await cli(['sweep', '--matrix', 'matrix.json', '--workers', '1', '--out', 'w1'], dir);
    const two = await cli(['sweep', '--matrix', 'matrix.json', '--workers', '2', '--out', 'w2'], dir);
    expect([one.code, two.code]).toEqual([0, 0]);
    expect(report('w1').cases).toHaveLength(17);
    expect(untimed('w2')).toBe(untimed('w1'));
  });

  it('reports a crashed worker as a failing case with its error, and runs the rest', async () => {
    const victim = 'rnn-relu-bias-tok-I4-H6-K4-T9-B1-seed2';
    const run = await cli(
      ['sweep', '--matrix', 'matrix.json', '--workers', '2', '--json', '--out', 'crash'],
      dir,
      crashOn(victim),
    );
    expect(run.code).toBe(1);
    const cases = JSON.parse(run.stdout).cases as { id: string; pass: boolean; error?: string }[];
    expect(cases).toHaveLength(17);
    expect(cases.filter((c) => !c.pass).map((c) => c.id)).toEqual([victim]);
    expect(cases.find((c) => c.id === victim)!.error).toMatch(/exit|terminated/i);
  });

  it('splits into shards that cover every case exactly once, and merge joins them into the unsharded report', async () => {
    for (const n of [1, 2, 3, 7]) {
      const seen = Array.from({ length: n }, (_, i) => shardIndices(17, { index: i + 1, count: n }))
        .flat()
        .sort((a, b) => a - b);
      expect(seen).toEqual(Array.from({ length: 17 }, (_, k) => k));
    }
    for (const i of [1, 2, 3])
      expect(
        (await cli(['sweep', '--matrix', 'matrix.json', '--shard', `${i}/3`, '--workers', '1', '--out', `s${i}`], dir))
          .code,
      ).toBe(0);
    expect(report('s2').sweep).toMatchObject({ matrix: 'test-matrix', total: 17, shard: { index: 2, count: 3 } });
    const merged = await cli(['merge', 's1', 's2', 's3', '--out', 'merged'], dir);
    expect(merged.code).toBe(0);
    const a = report('merged');
    const b = report('w1');
    expect(a.cases.map((c: { id: string }) => c.id)).toEqual(b.cases.map((c: { id: string }) => c.id));
    expect(readFileSync(join(dir, 'merged', 'summary.csv'), 'utf8').split('\n').length).toBe(
      readFileSync(join(dir, 'w1', 'summary.csv'), 'utf8').split('\n').length,
    );
  });

  it('merge refuses shards of different matrices or tool versions, and says when one is missing', async () => {
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ ...matrix, generate: { ...matrix.generate, seeds: [3] } }));
    expect(
      (await cli(['sweep', '--matrix', 'other.json', '--shard', '1/3', '--workers', '1', '--out', 'o1'], dir)).code,
    ).toBe(0);
    const mixed = await cli(['merge', 's1', 'o1', '--out', 'bad'], dir);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/shard report "o1" is from matrix test-matrix \(\w+\), expected the matrix of "s1"/);
    const r = report('s3');
    r.tool.version = '0.0.0-other';
    writeFileSync(join(dir, 's3', 'report.json'), JSON.stringify(r));
    const old = await cli(['merge', 's1', 's2', 's3', '--out', 'bad'], dir);
    expect(old.code).toBe(2);
    expect(old.stderr).toMatch(/written by bptt-check 0\.0\.0-other, expected/);
    const partial = await cli(['merge', 's1', 's2', '--out', 'partial'], dir);
    expect(partial.code).toBe(1);
    expect(partial.stderr).toMatch(/merged \d+ of the matrix's 17 cases: a shard is missing/);
  });

  it('merge with a shard missing writes a report that says INCOMPLETE in every format and does not pass', async () => {
    // shard 3/3 holds the cases k with k mod 3 = 2: 2, 5, 8, 11, 14, i.e. 5 of 17
    const missing = shardIndices(17, { index: 3, count: 3 }).length;
    expect(missing).toBe(5);
    const summary = join(dir, 'step-summary.md');
    writeFileSync(summary, '');
    const run = await cli(['merge', 's1', 's2', '--junit', 'incomplete.xml', '--out', 'incomplete'], dir, {
      GITHUB_STEP_SUMMARY: summary,
    });
    expect(run.code).toBe(1);
    const r = report('incomplete');
    expect(r.pass).toBe(false);
    expect(r.incomplete).toEqual({ missing: 5, total: 17, shards: ['3/3'] });
    expect(r.cases).toHaveLength(12);
    const line = 'INCOMPLETE: 5 of 17 cases missing (shard 3/3 not merged); the 12 merged cases agree';
    expect(run.stdout).toContain(line);
    const md = readFileSync(join(dir, 'incomplete', 'report.md'), 'utf8');
    expect(md).toMatch(/^# bptt-check sweep: INCOMPLETE\n/);
    expect(md).toContain(`**${line}`);
    expect(md).not.toMatch(/PASS/);
    const html = readFileSync(join(dir, 'incomplete', 'report.html'), 'utf8');
    expect(html).toContain('<title>bptt-check sweep: INCOMPLETE</title>');
    expect(html).toMatch(new RegExp(`<p class="verdict fail" id="verdict">${line.replace(/[()/]/g, '\\$&')}`));
    expect(html).not.toMatch(/PASS/);
    expect(readFileSync(summary, 'utf8')).toMatch(/^# bptt-check sweep: INCOMPLETE\n/);
    const xml = readFileSync(join(dir, 'incomplete.xml'), 'utf8');
    expect(xml).toMatch(/<testsuites name="bptt-check sweep" tests="\d+" failures="1">/);
    expect(xml).toContain(`<failure message="${line}`);
  });

  it('on Ctrl-C (SIGINT) leaves the previous report untouched and writes a partial report beside it, marked as partial', async () => {
    writeFileSync(
      join(dir, 'slow.json'),
      JSON.stringify({ schemaVersion: 1, generate: { hiddenSize: [64], steps: [300], batch: [4], seeds: range(40) } }),
    );
    const before = readFileSync(join(dir, 'w1', 'report.json'));
    const child = execFile(process.execPath, [BIN, 'sweep', '--matrix', 'slow.json', '--out', 'w1'], { cwd: dir });
    const code = await new Promise<number | null>((resolve) => {
      setTimeout(() => child.kill('SIGINT'), 3000); // 40 cases of ~0.6 s: not done by then
      child.on('exit', resolve);
    });
    expect(code).toBe(130);
    expect(readFileSync(join(dir, 'w1', 'report.json')).equals(before)).toBe(true);
    const partial = report('w1/partial');
    expect(partial.sweep.interrupted).toEqual({ done: partial.cases.length, of: 40 });
    expect(partial.cases.length).toBeLessThan(40);
    expect(partial.pass).toBe(false);
    expect(readFileSync(join(dir, 'w1', 'partial', 'report.md'), 'utf8')).toMatch(
      /^# bptt-check sweep: PARTIAL\n\n\*\*PARTIAL: interrupted after \d+ of 40 cases/,
    );
    const merged = await cli(['merge', 'w1/partial', '--out', 'never'], dir);
    expect(merged.code).toBe(2);
    expect(merged.stderr).toMatch(/is partial \(interrupted after \d+ of 40 cases\), expected a complete shard/);
  });

  it.each([
    [['--preset', 'huge'], /--preset is "huge", expected one of default\|large\|stress/],
    [['--matrix', 'matrix.json', '--preset', 'default'], /--matrix and --preset are both given, expected exactly one/],
    [['--preset', 'default', '--shard', '3/2'], /--shard is "3\/2", expected i\/n with 1 ≤ i ≤ n/],
    [['--preset', 'default', '--workers', '0'], /--workers is "0", expected a positive integer/],
    [
      ['--matrix', 'bad-matrix.json'],
      /matrix file "bad-matrix\.json": generate\.activation\[1\] is "gelu", expected one of tanh\|sigmoid\|relu\|linear/,
    ],
    // 120 sizes × 100 lengths × 2 seeds = 24,000 cases, counted without building them
    [
      ['--matrix', 'huge-matrix.json'],
      /the cross product has 24000 cases, more than --max-cases 10000; expected at most 10000/,
    ],
    [['--matrix', 'matrix.json', '--max-cases', '16'], /the cross product has 17 cases, more than --max-cases 16/],
    [['--matrix', 'matrix.json', '--max-cases', '0'], /--max-cases is "0", expected a positive integer/],
  ])('%s gets exit 2 and one line', async (args, pattern) => {
    writeFileSync(
      join(dir, 'bad-matrix.json'),
      JSON.stringify({ schemaVersion: 1, generate: { activation: ['tanh', 'gelu'] } }),
    );
    writeFileSync(
      join(dir, 'huge-matrix.json'),
      JSON.stringify({ schemaVersion: 1, generate: { hiddenSize: range(120), steps: range(100), seeds: [1, 2] } }),
    );
    const run = await cli(['sweep', ...args, '--out', 'never'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(pattern);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
