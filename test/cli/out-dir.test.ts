/** --out holds exactly the last run's files (and the user's), swapped in as a whole; an interrupted commit is recovered. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const MANIFEST = '.bptt-check-manifest.json';
const COMPARE = ['heatmap-W.png', 'report.html', 'report.json', 'report.md', 'steps.csv', 'steps.png', 'summary.csv'];
const TRUNCATED = ['heatmap-W.png', 'report.html', 'report.json', 'report.md', 'summary.csv'];
const VANISHING = ['adjoints.png', 'decay.png', 'jacobian.png', 'report.html', 'report.json', 'report.md', 'vanishing.csv'];
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
const userFilesIntact = (out: string) => readFileSync(join(out, 'my-notes.txt'), 'utf8') === 'mine' && readFileSync(join(out, 'plots', 'a.txt'), 'utf8') === 'also mine';
const manifestOf = (out: string) => (JSON.parse(readFileSync(join(out, MANIFEST), 'utf8')) as { files: string[] }).files.sort();

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
  ])('recovers a commit killed after stage "%s" (%s) on the next run, without mixing files or losing the user’s', async (stage) => {
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
  });

  it.each([['aside', TRUNCATED], ['moved', COMPARE]])('recoverOutDir leaves one whole run in --out (and the user’s files) after a commit killed at "%s"', async (stage, expected) => {
    const dir = fresh();
    mkdirSync(join(dir, 'o'));
    addUserFiles(join(dir, 'o'));
    expect((await cli([...compare, '--out', 'o'], dir)).code).toBe(0);
    expect((await cli([...truncated, '--out', 'o'], dir, { BPTT_CHECK_FAULT: `commit-exit:${stage}` })).code).toBe(99);
    // a run that fails on bad input writes nothing, but the next writing run recovers first; use the module directly
    const { recoverOutDir } = await import('../../src/model/out-dir.js');
    recoverOutDir(join(dir, 'o'));
    expect(files(dir)).toEqual(['o']);
    expect(files(join(dir, 'o'))).toEqual([MANIFEST, ...expected, ...USER].sort());
    expect(manifestOf(join(dir, 'o'))).toEqual(expected);
    expect(userFilesIntact(join(dir, 'o'))).toBe(true);
  });

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
    expect(run.stderr).toBe('bptt-check: --out is ".", which holds the current directory, expected a directory of its own for the reports\n');
    expect(files(dir)).toEqual(['keep.txt']);
  });

  it.each([
    [['compare', '--steps', '3', '--out', ''], '--out is "", expected a report directory (an unset shell variable?)'],
    [['compare', '--steps', '3', '--junit', ''], '--junit is "", expected a file path for the JUnit XML (an unset shell variable?)'],
    [['case', '--out', ''], '--out is "", expected a file path for the case (leave --out out to print it) (an unset shell variable?)'],
    [['vanishing', '--steps', '3', '--out', ''], '--out is "", expected a report directory (an unset shell variable?)'],
    [['golden', 'verify', '--dir', ''], '--dir is "", expected a snapshot directory (an unset shell variable?)'],
  ])('an empty path (an unset shell variable) is refused, not taken as the current directory: %j', async (args, message) => {
    const dir = fresh();
    writeFileSync(join(dir, 'keep.txt'), 'x');
    const run = await cli(args, dir);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`bptt-check: ${message}\n`);
    expect(files(dir)).toEqual(['keep.txt']);
  });
});
