/** --out holds exactly the last run's files (and the user's), swapped in as a whole; an interrupted commit is recovered. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { writeCheckInputs } from '../helpers/inputs.js';

const MANIFEST = '.bptt-check-manifest.json';
const COMPARE = ['heatmap-W.png', 'report.html', 'report.json', 'report.md', 'steps.csv', 'steps.png', 'summary.csv'];
const TRUNCATED = ['heatmap-W.png', 'report.html', 'report.json', 'report.md', 'summary.csv'];
const VANISHING = [
  'adjoints.png',
  'decay.png',
  'factor.png',
  'jacobian.png',
  'report.html',
  'report.json',
  'report.md',
  'vanishing.csv',
];
const compare = ['compare', '--steps', '6', '--hidden-size', '5', '--reference', 'ops'];
const truncated = [...compare, '--truncate', '3'];
const vanishing = ['vanishing', '--steps', '8', '--hidden-size', '4', '--activations', 'tanh', '--w-norm', '0.5,2'];

const files = (d: string) => readdirSync(d).sort();
const fresh = () => mkdtempSync(join(tmpdir(), 'bptt-outdir-'));
/** the user's own files in --out: a note and a directory */
function addUserFiles(out: string): void {
  writeFileSync(join(out, 'my-notes.txt'), 'mine');
  mkdirSync(join(out, 'plots'));
  writeFileSync(join(out, 'plots', 'a.txt'), 'also mine');
}
const USER = ['my-notes.txt', 'plots'];
const userFilesIntact = (out: string) =>
  readFileSync(join(out, 'my-notes.txt'), 'utf8') === 'mine' &&
  readFileSync(join(out, 'plots', 'a.txt'), 'utf8') === 'also mine';
const manifestOf = (out: string) =>
  (JSON.parse(readFileSync(join(out, MANIFEST), 'utf8')) as { files: string[] }).files.sort();

describe('the report directory after a run', () => {
  it('has no steps.csv after a truncated compare where a full one wrote it', async () => {
    const dir = fresh();
    expect((await cli([...compare, '--out', 'o'], dir)).code).toBe(0);
    expect(files(join(dir, 'o'))).toEqual([MANIFEST, ...COMPARE].sort());
    expect((await cli([...truncated, '--out', 'o'], dir)).code).toBe(0);
    expect(files(join(dir, 'o'))).toEqual([MANIFEST, ...TRUNCATED].sort());
    expect(manifestOf(join(dir, 'o'))).toEqual(TRUNCATED);
    expect(files(dir)).toEqual(['o']); // no temporary or old directory left beside it
  });

  it('has no compare heatmap (nor summary.csv) after a vanishing run where a compare wrote them', async () => {
    const dir = fresh();
    expect((await cli([...compare, '--out', 'o'], dir)).code).toBe(0);
    expect((await cli([...vanishing, '--out', 'o'], dir)).code).toBe(0);
    expect(files(join(dir, 'o'))).toEqual([MANIFEST, ...VANISHING].sort());
  });

  it('keeps the files the tool did not write, through runs of every kind', async () => {
    const dir = fresh();
    mkdirSync(join(dir, 'o'));
    addUserFiles(join(dir, 'o'));
    for (const args of [compare, vanishing, truncated]) expect((await cli([...args, '--out', 'o'], dir)).code).toBe(0);
    expect(files(join(dir, 'o'))).toEqual([MANIFEST, ...TRUNCATED, ...USER].sort());
    expect(userFilesIntact(join(dir, 'o'))).toBe(true);
  });

  it('counts a --junit file inside --out as the run’s own: a later run without --junit leaves none behind', async () => {
    const dir = fresh();
    expect((await cli([...compare, '--junit', 'o/junit.xml', '--out', 'o'], dir)).code).toBe(0);
    expect(readFileSync(join(dir, 'o', 'junit.xml'), 'utf8')).toMatch(/<testsuites name="bptt-check compare"/);
    expect(manifestOf(join(dir, 'o'))).toContain('junit.xml');
    expect((await cli([...compare, '--out', 'o'], dir)).code).toBe(0);
    expect(files(join(dir, 'o'))).toEqual([MANIFEST, ...COMPARE].sort());
  });

  it.each([
    // killed with the old directory renamed aside and the new one complete: the next run finds --out missing
    ['aside', 'the new run is finished'],
    // killed while the user's files were being moved into the new directory: --out still the old run's
    ['moved', 'the old run stands'],
    ['written', 'the old run stands'],
  ])(
    'recovers a commit killed after stage "%s" (%s) on the next run, without mixing files or losing the user’s',
    async (stage) => {
      const dir = fresh();
      mkdirSync(join(dir, 'o'));
      addUserFiles(join(dir, 'o'));
      expect((await cli([...compare, '--out', 'o'], dir)).code).toBe(0);
      const killed = await cli([...truncated, '--out', 'o'], dir, { BPTT_CHECK_FAULT: `commit-exit:${stage}` });
      expect(killed.code).toBe(99);
      expect(files(dir).some((n) => n.startsWith('.o.bptt-check-'))).toBe(true); // the leftover of the cut commit
      if (stage === 'aside') expect(existsSync(join(dir, 'o'))).toBe(false);
      // the next run, of another kind: recovers first, then writes its own files
      expect((await cli([...vanishing, '--out', 'o'], dir)).code).toBe(0);
      expect(files(dir)).toEqual(['o']);
      expect(files(join(dir, 'o'))).toEqual([MANIFEST, ...VANISHING, ...USER].sort());
      expect(userFilesIntact(join(dir, 'o'))).toBe(true);
    },
  );

  it.each([
    ['aside', TRUNCATED],
    ['moved', COMPARE],
  ])(
    'recoverOutDir leaves one whole run in --out (and the user’s files) after a commit killed at "%s"',
    async (stage, expected) => {
      const dir = fresh();
      mkdirSync(join(dir, 'o'));
      addUserFiles(join(dir, 'o'));
      expect((await cli([...compare, '--out', 'o'], dir)).code).toBe(0);
      expect((await cli([...truncated, '--out', 'o'], dir, { BPTT_CHECK_FAULT: `commit-exit:${stage}` })).code).toBe(
        99,
      );
      // a run that fails on bad input writes nothing, but the next writing run recovers first; use the module directly
      const { recoverOutDir } = await import('../../src/model/out-dir.js');
      recoverOutDir(join(dir, 'o'));
      expect(files(dir)).toEqual(['o']);
      expect(files(join(dir, 'o'))).toEqual([MANIFEST, ...expected, ...USER].sort());
      expect(manifestOf(join(dir, 'o'))).toEqual(expected);
      expect(userFilesIntact(join(dir, 'o'))).toBe(true);
    },
  );

  it('leaves alone the temp directory of a run still going on the same --out (its pid is alive)', async () => {
    const dir = fresh();
    const busy = join(dir, `.o.bptt-check-new-${process.pid}-abcd1234`); // this test's process: alive
    mkdirSync(busy);
    writeFileSync(join(busy, 'report.json'), 'half written');
    const dead = join(dir, '.o.bptt-check-new-999999999-abcd1234'); // no such process
    mkdirSync(dead);
    expect((await cli([...compare, '--out', 'o'], dir)).code).toBe(0);
    expect(readFileSync(join(busy, 'report.json'), 'utf8')).toBe('half written');
    expect(existsSync(dead)).toBe(false);
    expect(files(join(dir, 'o'))).toEqual([MANIFEST, ...COMPARE].sort());
  });

  it('refuses --out that holds the current directory (exit 2), and touches nothing', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'keep.txt'), 'x');
    const run = await cli([...compare, '--out', '.'], dir);
    expect(run.code).toBe(2);
    // the message names the value as given, not the directory it resolves to
    expect(run.stderr).toBe(
      'bptt-check: --out is ".", which holds the current directory, expected a directory of its own for the reports\n',
    );
    expect(files(dir)).toEqual(['keep.txt']);
  });

  it.each([
    [['compare', '--steps', '3', '--out', ''], '--out is "", expected a report directory (an unset shell variable?)'],
    [
      ['compare', '--steps', '3', '--junit', ''],
      '--junit is "", expected a file path for the JUnit XML (an unset shell variable?)',
    ],
    [
      ['case', '--out', ''],
      '--out is "", expected a file path for the case (leave --out out to print it) (an unset shell variable?)',
    ],
    [['vanishing', '--steps', '3', '--out', ''], '--out is "", expected a report directory (an unset shell variable?)'],
    [['golden', 'verify', '--dir', ''], '--dir is "", expected a snapshot directory (an unset shell variable?)'],
  ])(
    'an empty path (an unset shell variable) is refused, not taken as the current directory: %j',
    async (args, message) => {
      const dir = fresh();
      writeFileSync(join(dir, 'keep.txt'), 'x');
      const run = await cli(args, dir);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(`bptt-check: ${message}\n`);
      expect(files(dir)).toEqual(['keep.txt']);
    },
  );
});

/** The files a manifest lists, each with its bytes, and the manifest: one run's report set as it is in d. */
const setOf = (d: string) =>
  Object.fromEntries([MANIFEST, ...manifestOf(d)].map((n) => [n, readFileSync(join(d, n)).toString('base64')]));
/** d holds one whole run: a manifest, every file it lists, and nothing else but the user's files. */
const whole = (d: string) => expect(files(d)).toEqual([MANIFEST, ...manifestOf(d), ...USER].sort());
const leftoversIn = (dir: string) => files(dir).filter((n) => n.startsWith('.o.bptt-check-'));

describe('a commit killed at each stage, for every command that writes a report set', () => {
  // inputs for verify, sweep and merge: a case, its gradients, a tiny matrix and its two shards
  let inputs = '';
  beforeAll(async () => {
    inputs = fresh();
    await writeCheckInputs(inputs);
  }, 120_000);

  const COMMANDS: Record<string, string[]> = {
    compare,
    verify: ['verify', '--case', 'c.json', '--grads', 'g.json', '--reference', 'ops'],
    suite: ['suite', '--reference', 'ops'],
    sweep: ['sweep', '--matrix', 'm.json', '--workers', '1', '--reference', 'ops'],
    merge: ['merge', 's1', 's2'],
    vanishing,
  };
  // every stage of the commit (module comment of src/model/out-dir.ts): after a file of the new set, after all of
  // them and the manifest, after moving one user file across, after all, with the old set aside, and after the swap
  const STAGES = ['write:report.json', 'written', 'move:my-notes.txt', 'moved', 'aside', 'swapped'];
  const rows: [string, string][] = [
    ...STAGES.map((s): [string, string] => ['compare', s]),
    ...['verify', 'sweep', 'merge', 'vanishing'].flatMap((c) =>
      ['move:my-notes.txt', 'aside', 'swapped'].map((s): [string, string] => [c, s]),
    ),
    ['suite', 'aside'],
  ];

  it.each(rows)(
    '%s killed after stage "%s" leaves the old set or the new one, never a mix, and the next run cleans up',
    async (name, stage) => {
      const dir = fresh();
      execFileSync('cp', ['-r', ...['c.json', 'g.json', 'm.json', 's1', 's2'].map((n) => join(inputs, n)), dir]);
      const o = join(dir, 'o');
      mkdirSync(o);
      addUserFiles(o);
      const args = [...COMMANDS[name]!, '--out', 'o'];
      expect((await cli(args, dir)).code).toBe(0);
      const old = setOf(o);
      expect((await cli(args, dir, { BPTT_CHECK_FAULT: `commit-exit:${stage}` })).code).toBe(99);
      const left = leftoversIn(dir);
      expect(left.length).toBeGreaterThan(0);
      if (stage === 'aside') {
        // --out is missing for the instant between the two renames; the new set beside it is whole
        expect(existsSync(o)).toBe(false);
        const t = left.find((n) => n.includes('-new-'))!;
        whole(join(dir, t));
      } else if (stage === 'swapped') {
        whole(o);
        expect(setOf(o)['report.json']).not.toEqual(old['report.json']); // the new run's
      } else expect(setOf(o)).toEqual(old); // byte for byte the old run's set, whatever the user's files are doing
      // the next run recovers first, then commits its own set
      expect((await cli(args, dir)).code).toBe(0);
      expect(leftoversIn(dir)).toEqual([]);
      whole(o);
      expect(userFilesIntact(o)).toBe(true);
    },
    120_000,
  );
});

describe('a report directory inside --out (a sweep’s partial/) and single output files', () => {
  it('the next run on --out finishes a commit of o/partial that was cut, instead of carrying its temp directory along', async () => {
    const dir = fresh();
    expect((await cli([...compare, '--out', 'o'], dir)).code).toBe(0);
    // a partial report's first commit cut with its set whole in o/.partial.bptt-check-new-…, before the rename to o/partial
    expect((await cli([...compare, '--out', 'o/partial'], dir, { BPTT_CHECK_FAULT: 'commit-exit:written' })).code).toBe(
      99,
    );
    expect(files(join(dir, 'o')).filter((n) => n.startsWith('.partial.bptt-check-new-'))).toHaveLength(1);
    expect((await cli([...compare, '--out', 'o'], dir)).code).toBe(0);
    expect(files(join(dir, 'o'))).toEqual([MANIFEST, ...COMPARE, 'partial'].sort());
    expect(files(join(dir, 'o', 'partial'))).toEqual([MANIFEST, ...COMPARE].sort());
  });

  it.each([
    ['case --out', ['case', '--seed', '3', '--out', 'f.json'], 'f.json'],
    ['grads --out', ['grads', '--case', 'c.json', '--out', 'f.json'], 'f.json'],
    ['compare --junit', [...compare, '--out', 'o', '--junit', 'f.json'], 'f.json'],
  ])(
    '%s killed before its rename leaves the old file and a temp file, which the next write of that path removes',
    async (_name, args, file) => {
      const dir = fresh();
      expect((await cli(['case', '--seed', '1', '--out', 'f.json'], dir)).code).toBe(0);
      expect((await cli(['case', '--seed', '2', '--out', 'c.json'], dir)).code).toBe(0); // what grads reads (never its own --out)
      const before = readFileSync(join(dir, file), 'utf8');
      const dead = join(dir, `.${file}.tmp-999999999-abcd1234`); // a temp file of a process long gone
      writeFileSync(dead, 'half');
      expect((await cli(args, dir, { BPTT_CHECK_FAULT: `commit-exit:write:${file}` })).code).toBe(99);
      expect(readFileSync(join(dir, file), 'utf8')).toBe(before);
      expect(files(dir).filter((n) => n.startsWith(`.${file}.tmp-`))).toHaveLength(1); // the dead one removed, the killed run's own left
      expect((await cli(args, dir)).code).toBe(0);
      expect(files(dir).filter((n) => n.startsWith(`.${file}.tmp-`))).toEqual([]);
    },
  );

  it('golden update is swapped in as a whole: killed with the old set aside, the new set is whole beside it and recovery puts it in', async () => {
    const dir = fresh();
    const repo = fileURLToPath(new URL('../../reference/golden/', import.meta.url));
    execFileSync('cp', ['-r', repo, join(dir, 'o')]);
    const old = files(join(dir, 'o')).filter((n) => n !== MANIFEST);
    expect(old).toHaveLength(56);
    expect((await cli(['golden', 'update', '--dir', 'o'], dir, { BPTT_CHECK_FAULT: 'commit-exit:aside' })).code).toBe(
      99,
    );
    expect(existsSync(join(dir, 'o'))).toBe(false);
    const { recoverOutDir } = await import('../../src/model/out-dir.js');
    recoverOutDir(join(dir, 'o'));
    expect(files(dir)).toEqual(['o']);
    expect(manifestOf(join(dir, 'o'))).toEqual(old.filter((n) => n !== MANIFEST));
    // golden verify reads the snapshots, not the manifest (which ends in .json too)
    const { goldenVerify } = await import('../../src/runs/golden.js');
    const one = fresh();
    execFileSync('cp', [join(dir, 'o', old[0]!), join(dir, 'o', MANIFEST), one]);
    const { useBackend } = await import('../../reference/index.js');
    await useBackend('cpu');
    const { DEFAULT_TOLERANCE } = await import('../../src/check/metrics.js');
    expect((await goldenVerify(one, DEFAULT_TOLERANCE)).files).toBe(1);
  }, 180_000);
});
