/**
 * Sweeps and merges refuse bad input before running (issue 14, item 6), through the real command: a matrix
 * entry that cannot be used is exit 2 naming the entry before any case runs; a crashed worker's case is a
 * failure in JUnit and a row in summary.csv; merge refuses shards checked otherwise or that are not sweep
 * reports; a complete sweep removes an older partial/; the reproduce command leaves --workers=N out.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { crashOn } from '../helpers/crash.js';
import { cli } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'bptt-sweep-input-'));
const json = (name: string, value: unknown) => writeFileSync(join(dir, name), JSON.stringify(value));
const read = (path: string) => readFileSync(join(dir, path), 'utf8');
/** Every file under `d` (relative path → contents), for "nothing written or touched". */
function snapshot(d: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string) => {
    for (const name of readdirSync(join(dir, p)).sort()) {
      const q = join(p, name);
      if (statSync(join(dir, q)).isDirectory()) walk(q);
      else out[q] = read(q);
    }
  };
  if (existsSync(join(dir, d))) walk(d);
  return out;
}
/** Two tiny generated cases: ids rnn-tanh-nobias-tok-I8-H4-K8-T3-B1-seed1 and …-seed2. */
const small = { hiddenSize: [4], steps: [3], seeds: [1, 2] };
const id = (seed: number) => `rnn-tanh-nobias-tok-I8-H4-K8-T3-B1-seed${seed}`;

beforeAll(async () => {
  json('ok.json', { schemaVersion: 1, generate: small });
  // a report already in --out, which a refused sweep must leave as it is
  expect(
    (await cli(['sweep', '--matrix', 'ok.json', '--workers', '1', '--out', 'kept', '--junit', 'kept.xml'], dir)).code,
  ).toBe(0);
});

describe('sweep refuses a matrix with an entry that cannot be used, before any case runs', () => {
  const badCase = JSON.parse(readFileSync(fixturePath('rnn-tanh.case.json'), 'utf8'));
  const zeroHidden = { ...badCase, model: { ...badCase.model, hiddenSize: 0 } };
  const hugeHidden = { ...badCase, model: { ...badCase.model, hiddenSize: 100000 } };
  const cases: [string, () => void, RegExp][] = [
    [
      'a case file that does not exist, after the generated cases',
      () => json('m.json', { schemaVersion: 1, generate: small, cases: ['missing.case.json'] }),
      /^bptt-check: matrix file "m\.json": entry 2 \(cases\[0\] "missing\.case\.json"\) cannot be used: case file ".*missing\.case\.json" cannot be read \(no such file\), expected a readable file$/,
    ],
    [
      'a case file whose model has hiddenSize 0',
      () => (
        json('zero.case.json', zeroHidden),
        json('m.json', { schemaVersion: 1, generate: small, cases: ['zero.case.json'] })
      ),
      /^bptt-check: matrix file "m\.json": entry 2 \(cases\[0\] "zero\.case\.json"\) cannot be used: zero\.case\.json: model\.hiddenSize is 0, expected .+$/,
    ],
    [
      'a case file that is not JSON',
      () => (
        writeFileSync(join(dir, 'broken.case.json'), '{"schemaVersion": 1,'),
        json('m.json', { schemaVersion: 1, cases: ['broken.case.json'] })
      ),
      /^bptt-check: matrix file "m\.json": entry 0 \(cases\[0\] "broken\.case\.json"\) cannot be used: case file ".*broken\.case\.json" is not valid JSON .*$/,
    ],
    [
      'a seed of 2^40, past the generator’s 32-bit seeds',
      () => json('m.json', { schemaVersion: 1, generate: { ...small, seeds: [1, 2 ** 40] } }),
      new RegExp(
        `^bptt-check: matrix file "m\\.json": entry 1 \\(${id(2 ** 40)}\\) cannot be used: --seed is 1099511627776, expected an integer in \\[0, 4294967295\\]$`,
      ),
    ],
    [
      'a case file whose model has hiddenSize 100000, over the cap on H',
      () => (
        json('huge.case.json', hugeHidden),
        json('m.json', { schemaVersion: 1, generate: small, cases: ['huge.case.json'] })
      ),
      /^bptt-check: matrix file "m\.json": entry 2 \(cases\[0\] "huge\.case\.json"\) cannot be used: huge\.case\.json: model\.hiddenSize is 100000, expected at most 65536$/,
    ],
    [
      'a generated hiddenSize of 100000, over the cap on H',
      () => json('m.json', { schemaVersion: 1, generate: { ...small, hiddenSize: [100000] } }),
      /^bptt-check: matrix file "m\.json": entry 0 \(rnn-.*-H100000-.*\) cannot be used: --hidden-size is 100000, expected a positive integer ≤ 65536 \(the cap on H\)$/,
    ],
    [
      'a seed of -1',
      () => json('m.json', { schemaVersion: 1, generate: { ...small, seeds: [1, -1] } }),
      /^bptt-check: matrix file "m\.json": generate\.seeds\[1\] is -1, expected at least 0$/,
    ],
    [
      'a hiddenSize of 0',
      () => json('m.json', { schemaVersion: 1, generate: { ...small, hiddenSize: [4, 0] } }),
      /^bptt-check: matrix file "m\.json": generate\.hiddenSize\[1\] is 0, expected more than 0$/,
    ],
  ];
  it.each(cases)(
    '%s: exit 2, one line naming the entry, --out and --junit untouched',
    async (_what, write, message) => {
      write();
      const before = { out: snapshot('kept'), junit: read('kept.xml') };
      // shard 2/2 runs entry 1 only: every entry is checked, not only the shard's
      const run = await cli(
        ['sweep', '--matrix', 'm.json', '--workers', '1', '--shard', '2/2', '--out', 'kept', '--junit', 'kept.xml'],
        dir,
      );
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr.trim()).toMatch(message);
      expect(run.stderr).not.toMatch(/undefined|Infinity|internal error/);
      expect({ out: snapshot('kept'), junit: read('kept.xml') }).toEqual(before);
    },
  );
});

describe('a crashed worker', () => {
  it('is a failing testcase in JUnit and a failing row in summary.csv, with its error, and the other case still passes', async () => {
    const run = await cli(
      ['sweep', '--matrix', 'ok.json', '--workers', '1', '--out', 'crash', '--junit', 'crash.xml'],
      dir,
      crashOn(id(2)),
    );
    expect(run.code).toBe(1);
    const junit = read('crash.xml');
    expect(junit).toMatch(/<testsuites name="bptt-check sweep" tests="5" failures="1">/);
    expect(junit).toMatch(
      new RegExp(
        `<testsuite name="${id(2)}" tests="1" failures="1">\\s*<testcase classname="${id(2)}" name="case">\\s*<failure message="the case did not complete: worker exited with code: 1" type="CaseError"`,
      ),
    );
    const [header, ...lines] = read('crash/summary.csv').trim().split('\n');
    const col = header!.split(',');
    const victim = lines.filter((l) => l.startsWith(`${id(2)},`)).map((l) => l.split(','));
    expect(victim).toHaveLength(1);
    expect(victim[0]![col.indexOf('pass')]).toBe('false');
    expect(victim[0]![col.indexOf('H')]).toBe('4');
    expect(victim[0]![col.indexOf('reason')]).toBe('the case did not complete: worker exited with code: 1');
    // the other case: 3 pairs × (loss, U, W, V), all passing
    const other = lines.filter((l) => l.startsWith(`${id(1)},`));
    expect(other).toHaveLength(12);
    expect(other.every((l) => l.split(',')[col.indexOf('pass')] === 'true')).toBe(true);
    // the verdict says a case did not complete, not "0 of 12 comparisons disagree"; its section has no empty loss line
    const md = read('crash/report.md');
    expect(md).toMatch(/FAIL: 1 of 2 cases did not complete; 0 of 12 comparisons of the others disagree/);
    expect(md).not.toMatch(/Loss: \. Time: \./);
  });
});

describe('merge refuses shards it cannot join honestly (exit 2 naming the shard, --out untouched)', () => {
  beforeAll(async () => {
    const runs = await Promise.all([
      cli(['sweep', '--matrix', 'ok.json', '--shard', '1/2', '--workers=1', '--out', 's1'], dir),
      cli(['sweep', '--matrix', 'ok.json', '--shard', '2/2', '--workers', '1', '--out', 's2'], dir),
      cli(
        ['sweep', '--matrix', 'ok.json', '--shard', '2/2', '--workers', '1', '--atol', '0.01', '--out', 's2-atol'],
        dir,
      ),
      cli(
        [
          'sweep',
          '--matrix',
          'ok.json',
          '--shard',
          '2/2',
          '--workers',
          '1',
          '--reference',
          'layers',
          '--out',
          's2-layers',
        ],
        dir,
      ),
    ]);
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    const good = JSON.parse(read('s2/report.json'));
    const { cases: _cases, ...noCases } = good;
    for (const [name, content] of [
      ['null', 'null'],
      ['array', '[1]'],
      ['no-cases', JSON.stringify(noCases)],
      ['bad-index', JSON.stringify({ ...good, cases: good.cases.map((c: object) => ({ ...c, index: 7 })) })],
    ] as const) {
      mkdirSync(join(dir, `shard-${name}`), { recursive: true });
      writeFileSync(join(dir, `shard-${name}`, 'report.json'), content);
    }
  });

  it('joins two matching shards (the control)', async () => {
    const run = await cli(['merge', 's1', 's2', '--out', 'merged'], dir);
    expect(run.code).toBe(0);
    expect(JSON.parse(read('merged/report.json')).cases).toHaveLength(2);
  });

  it.each([
    [
      'checked with another --atol',
      's2-atol',
      /^bptt-check: shard report "s2-atol" was checked with atol 0\.01, rtol 0\.001, expected the tolerances of "s1": atol 0\.0001, rtol 0\.001 \(run every shard with the same --atol and --rtol\)$/,
    ],
    [
      'checked against other references',
      's2-layers',
      /^bptt-check: shard report "s2-layers" was checked against tfjs-layers, expected the references of "s1": tfjs-layers, tfjs-ops \(run every shard with the same --reference\)$/,
    ],
    [
      'whose report.json is null',
      'shard-null',
      /^bptt-check: shard report "shard-null": report\.json is null, expected a sweep report object/,
    ],
    [
      'whose report.json is not an object',
      'shard-array',
      /^bptt-check: shard report "shard-array": report\.json is an array of length 1, expected a sweep report object/,
    ],
    [
      'whose report.json has no cases',
      'shard-no-cases',
      /^bptt-check: shard report "shard-no-cases": report\.json has no field cases, expected a sweep report/,
    ],
    [
      'whose case index is outside the matrix',
      'shard-bad-index',
      /^bptt-check: shard report "shard-bad-index": case ".*seed2" has index 7, expected an index below the matrix's 2 cases$/,
    ],
  ])('a shard %s', async (_what, shard, message) => {
    const before = snapshot('kept');
    const run = await cli(['merge', 's1', shard, '--out', 'kept'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr.trim()).toMatch(message);
    expect(snapshot('kept')).toEqual(before);
  });
});

describe('the reproduce command and partial reports', () => {
  it('leaves --workers=N out of the reproduce command, as it leaves --workers N out', () => {
    expect(JSON.parse(read('s1/report.json')).command).toBe('bptt-check sweep --matrix ok.json --shard 1/2 --out s1');
    expect(JSON.parse(read('s2/report.json')).command).toBe('bptt-check sweep --matrix ok.json --shard 2/2 --out s2');
  });

  it('removes the partial/ of an interrupted sweep once a complete sweep replaces the report, and keeps the user’s files', async () => {
    const cut = await cli(['sweep', '--matrix', 'ok.json', '--workers', '1', '--out', 'pd'], dir, {
      BPTT_CHECK_FAULT: 'interrupt-after:1',
    });
    expect(cut.code).toBe(130);
    expect(JSON.parse(read('pd/partial/report.json')).sweep.interrupted).toEqual({ done: 1, of: 2 });
    writeFileSync(join(dir, 'pd', 'notes.txt'), 'mine');
    copyFileSync(join(dir, 'ok.json'), join(dir, 'pd', 'matrix-copy.json'));
    const full = await cli(['sweep', '--matrix', 'ok.json', '--workers', '1', '--out', 'pd'], dir);
    expect(full.code).toBe(0);
    expect(existsSync(join(dir, 'pd', 'partial'))).toBe(false);
    expect(read('pd/notes.txt')).toBe('mine');
    expect(readdirSync(join(dir, 'pd')).sort()).toEqual([
      '.bptt-check-manifest.json',
      'matrix-copy.json',
      'notes.txt',
      'report.html',
      'report.json',
      'report.md',
      'summary.csv',
    ]);
  });

  it('keeps a partial/ directory the tool did not write', async () => {
    mkdirSync(join(dir, 'pu', 'partial'), { recursive: true });
    writeFileSync(join(dir, 'pu', 'partial', 'mine.txt'), 'mine');
    expect((await cli(['sweep', '--matrix', 'ok.json', '--workers', '1', '--out', 'pu'], dir)).code).toBe(0);
    expect(read('pu/partial/mine.txt')).toBe('mine');
  });
});
