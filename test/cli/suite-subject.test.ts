/**
 * `suite --impl`: the user's own code on the whole default matrix (56 cases), through the real CLI. The
 * cases of cells the subject does not implement (`--cells`, or a module's `cells` export) are listed as not
 * run, not failed, in every format; the exit code is 0 when every case that ran passes. Each run is a whole
 * suite (a few seconds of CPU, more on a loaded machine): they run side by side.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const example = (name: string) => join(ROOT, 'examples', name);
const mod = (name: string) => join(ROOT, 'test/modules', name);
const SLOW = 900_000;
/** each case's answer may take long on a loaded machine (the suite's largest cases, several suites side by side) */
const PATIENT = ['--timeout', '600'];

interface CaseJson {
  id: string;
  pass: boolean;
  config: { cell: string };
  rows: { pass: boolean; tensor: string; a: string; r: string }[];
  notRun?: string;
  diagnosis?: { tensor: string; pattern: string }[];
  fd?: { tolerance: { atol: number; rtol: number } };
  dtype?: { dtype: string; source: string };
}
const report = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as {
    pass: boolean;
    counts: { cases: number; failedCases: number; notRun?: number };
    cases: CaseJson[];
  };

describe.concurrent('bptt-check suite --impl', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bptt-suite-subject-'));

  it(
    'a correct module with --cells rnn passes the 48 RNN cases and lists the 8 gated ones as not run, in every format',
    async () => {
      const run = await cli(
        ['suite', '--impl', example('my-bptt.mjs'), '--cells', 'rnn', '--out', 'ok', '--junit', 'ok.xml', ...PATIENT],
        dir,
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        /PASS: every gradient agrees \(48 cases, \d+ comparisons\); 8 cases not run \(lstm, gru: cells the subject does not implement\)/,
      );
      expect(run.stdout).toMatch(/^not run {2}lstm-\S+ {2}\(the subject implements rnn, not lstm\)$/m);
      const r = report(join(dir, 'ok'));
      expect(r).toMatchObject({ pass: true, counts: { cases: 56, failedCases: 0, notRun: 8 } });
      const gated = r.cases.filter((c) => c.config.cell !== 'rnn');
      expect(gated).toHaveLength(8);
      for (const c of gated) expect(c).toMatchObject({ pass: true, rows: [], notRun: expect.stringMatching(/not/) });
      // the RNN cases ran on the user's code against both references
      for (const c of r.cases.filter((x) => x.config.cell === 'rnn')) {
        expect(c.notRun).toBeUndefined();
        expect(new Set(c.rows.map((x) => `${x.a} vs ${x.r}`))).toEqual(
          new Set(['yours vs tfjs-layers', 'yours vs tfjs-ops', 'tfjs-layers vs tfjs-ops']),
        );
      }
      const junit = readFileSync(join(dir, 'ok.xml'), 'utf8');
      expect(junit.match(/<skipped message="not run: the subject implements rnn/g)).toHaveLength(8);
      expect(junit).toMatch(/<testsuites name="bptt-check suite" tests="\d+" failures="0" skipped="8">/);
      const md = readFileSync(join(dir, 'ok/report.md'), 'utf8');
      expect(md.match(/\*\*Not run:\*\* the subject implements rnn, not (lstm|gru)\./g)).toHaveLength(8);
      const csv = readFileSync(join(dir, 'ok/summary.csv'), 'utf8');
      expect(csv.split('\n').filter((l) => l.includes('not run: the subject implements rnn'))).toHaveLength(8);
    },
    SLOW,
  );

  it(
    'a buggy module that exports cells = ["rnn"] fails, diagnosed, and its gated cases are not run',
    async () => {
      const run = await cli(
        ['suite', '--impl', mod('rnn-only-buggy.mjs'), '--reference', 'ops', '--out', 'bug', ...PATIENT],
        dir,
      );
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/FAIL: \d+ of \d+ comparisons disagree, in \d+ of 48 cases; 8 cases not run/);
      expect(run.stdout).toMatch(/^not run {2}gru-\S+ {2}\(the subject implements rnn, not gru\)$/m);
      const r = report(join(dir, 'bug'));
      expect(r.counts).toMatchObject({ cases: 56, notRun: 8 });
      expect(r.counts.failedCases).toBeGreaterThan(0);
      expect(r.cases.filter((c) => c.notRun !== undefined).every((c) => c.config.cell !== 'rnn')).toBe(true);
      // f′ left out: the diagnosis says so on the failing RNN cases
      const patterns = r.cases.flatMap((c) => (c.diagnosis ?? []).map((d) => d.pattern));
      expect(patterns).toContain('missing-activation-derivative');
    },
    SLOW,
  );

  it(
    'without --cells, a module that cannot compute a gated case stops the suite: exit 2 naming the case, and how to say its cells',
    async () => {
      const run = await cli(
        ['suite', '--impl', example('my-bptt.mjs'), '--reference', 'ops', '--out', 'nocells', ...PATIENT],
        dir,
      );
      expect(run.code).toBe(2);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /--impl module ".*my-bptt\.mjs" .* case lstm-hardSigmoid-tanh-nobias-tok-I4-H4-K4-T5-B1-seed49/,
      );
      expect(lines[0]).toMatch(
        /if your code implements only some cells, say which: --cells rnn, or export const cells/,
      );
    },
    SLOW,
  );

  it(
    'a float32 module passes with --dtype float32, and its finite-difference rows are held to the float32 tolerances',
    async () => {
      const run = await cli(
        [
          'suite',
          '--impl',
          mod('float32-logsoftmax-rnn.mjs'),
          '--cells',
          'rnn',
          '--dtype',
          'float32',
          '--fd',
          'fast',
          '--reference',
          'ops',
          '--out',
          'f32',
          ...PATIENT,
        ],
        dir,
      );
      expect(run.code).toBe(0);
      const r = report(join(dir, 'f32'));
      const ran = r.cases.filter((c) => c.notRun === undefined);
      expect(ran).toHaveLength(48);
      for (const c of ran) {
        expect(c.dtype).toEqual({ dtype: 'float32', source: 'given' });
        // the tfjs tolerances (atol 1e-4, rtol 1e-3), not the float64 ones (1e-8, 1e-6) a float64 subject gets
        expect(c.fd?.tolerance).toEqual({ atol: 1e-4, rtol: 1e-3 });
        expect(c.rows.some((x) => x.a === 'yours' && x.r === 'fd')).toBe(true);
      }
    },
    SLOW,
  );

  it("refuses --cells that names no cell, a module's cells export that is no list of cells, and --cells or --dtype without a subject of yours (exit 2, one line)", async () => {
    const bad = await cli(['suite', '--impl', example('my-bptt.mjs'), '--cells', 'rnn,lstms'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe(
      'bptt-check: --cells is "rnn,lstms", expected a comma-separated list of rnn|lstm|gru, each once ("lstms" is none of them)',
    );
    const alone = await cli(['suite', '--cells', 'rnn'], dir);
    expect(alone.code).toBe(2);
    expect(alone.stderr.trim()).toMatch(
      /^bptt-check: --cells is "rnn" without --impl or --impl-cmd, expected a subject/,
    );
    const exported = await cli(['suite', '--impl', mod('bad-cells.mjs')], dir);
    expect(exported.code).toBe(2);
    expect(exported.stderr.trim()).toMatch(
      /^bptt-check: --impl module ".*bad-cells\.mjs" exports cells = "rnn", expected an array of the cells it implements, each once, of rnn\|lstm\|gru \(e\.g\. export const cells = \['rnn'\]\)$/,
    );
    const dtype = await cli(['suite', '--dtype', 'float32'], dir);
    expect(dtype.code).toBe(2);
    expect(dtype.stderr.trim()).toMatch(/^bptt-check: --dtype is "float32" without --impl or --impl-cmd/);
  });
});
