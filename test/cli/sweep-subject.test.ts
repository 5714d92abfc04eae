/**
 * `sweep --impl`: each worker thread opens the user's module once and stops it when the pool ends; the
 * results do not depend on the number of workers; cases of cells the module does not implement are not
 * run; a module that fails on a case stops the sweep (exit 2 naming the case). Through the real CLI.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const mod = (name: string) => join(ROOT, 'test/modules', name);
const example = (name: string) => join(ROOT, 'examples', name);
const SLOW = 600_000;

// 8 RNN and 8 LSTM cases, small
const MATRIX = {
  schemaVersion: 1,
  id: 'subject',
  generate: {
    cell: ['rnn', 'lstm'],
    activation: ['tanh', 'relu'],
    bias: [false, true],
    inputSize: [3],
    hiddenSize: [4],
    steps: [5],
    batch: [1, 2],
    seeds: [1],
  },
};

interface Report {
  pass: boolean;
  createdAt?: string;
  command?: string;
  counts: { cases: number; failedCases: number; notRun?: number };
  cases: { id: string; pass: boolean; ms?: unknown; notRun?: string; config: { cell: string } }[];
}
const read = (dir: string) => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
/** The report without what a run's timing and command line change. */
const timeless = (r: Report) => ({
  ...r,
  createdAt: undefined,
  command: undefined,
  cases: r.cases.map((c) => ({ ...c, ms: undefined })),
});
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** Whether every process is gone within a few seconds (a SIGKILL is delivered asynchronously). */
async function allGone(pids: number[]): Promise<boolean> {
  for (let k = 0; k < 50 && pids.some(alive); k++) await new Promise((r) => setTimeout(r, 100));
  return !pids.some(alive);
}

describe('bptt-check sweep --impl', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bptt-sweep-subject-'));
  writeFileSync(join(dir, 'm.json'), JSON.stringify(MATRIX));

  it(
    'gives the same report on 1 and 2 workers, starts the module once per worker and stops it at the end',
    async () => {
      const runs = [];
      for (const workers of [1, 2]) {
        const starts = join(dir, `starts-${workers}.txt`);
        writeFileSync(starts, '');
        const run = await cli(
          ['sweep', '--matrix', 'm.json', '--impl', mod('counts-starts.mjs'), '--cells', 'rnn'].concat([
            '--workers',
            String(workers),
            '--out',
            `w${workers}`,
          ]),
          dir,
          { BPTT_TEST_STARTS: starts },
        );
        expect(run.stderr).toBe('');
        expect(run.code).toBe(0);
        expect(run.stdout).toMatch(
          /PASS: every gradient agrees \(8 cases, \d+ comparisons\); 8 cases not run \(lstm: cells the subject does not implement\)/,
        );
        const pids = readFileSync(starts, 'utf8').trim().split('\n').map(Number);
        expect(pids).toHaveLength(workers); // once per worker, not once per case
        expect(await allGone(pids)).toBe(true);
        runs.push(read(join(dir, `w${workers}`)));
      }
      const [one, two] = runs as [Report, Report];
      expect(one.counts).toMatchObject({ cases: 16, failedCases: 0, notRun: 8 });
      for (const c of one.cases) expect(c.notRun === undefined).toBe(c.config.cell === 'rnn');
      expect(timeless(two)).toEqual(timeless(one));
    },
    SLOW,
  );

  it(
    'a buggy module fails the sweep (exit 1) on its RNN cases',
    async () => {
      const run = await cli(
        ['sweep', '--matrix', 'm.json', '--impl', mod('rnn-only-buggy.mjs'), '--workers', '2', '--out', 'bug'],
        dir,
      );
      expect(run.code).toBe(1);
      const r = read(join(dir, 'bug'));
      expect(r.counts.notRun).toBe(8);
      expect(r.cases.filter((c) => c.config.cell === 'rnn').every((c) => !c.pass)).toBe(true);
    },
    SLOW,
  );

  it(
    'a module that throws on a case stops the sweep: exit 2, one line naming the case, no report',
    async () => {
      const run = await cli(
        ['sweep', '--matrix', 'm.json', '--impl', example('my-bptt.mjs'), '--workers', '2', '--out', 'thrown'],
        dir,
      );
      expect(run.code).toBe(2);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^bptt-check: --impl module ".*my-bptt\.mjs" threw on case lstm-\S+: /);
      expect(() => readFileSync(join(dir, 'thrown/report.json'))).toThrow();
    },
    SLOW,
  );
});
