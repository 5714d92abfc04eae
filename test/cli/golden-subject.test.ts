/**
 * `golden update --impl` snapshots the user's own gradients (in a directory of their own, saying which
 * subject), and `golden verify --impl` fails when the code drifts from its snapshot or disagrees with the
 * references. Through the real CLI, with the example module and a module changed after its snapshot.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const mod = (name: string) => join(ROOT, 'test/modules', name);
const example = (name: string) => join(ROOT, 'examples', name);
const SLOW = 900_000;
const PATIENT = ['--timeout', '600'];

describe('bptt-check golden --impl', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bptt-golden-subject-'));

  it(
    'update stores your gradients on the cases of your cells in golden/, saying which subject; verify passes them',
    async () => {
      const up = await cli(['golden', 'update', '--impl', example('my-bptt.mjs'), '--cells', 'rnn', ...PATIENT], dir);
      expect(up.stderr).toBe('');
      expect(up.code).toBe(0);
      expect(up.stdout).toBe(
        `wrote 48 golden files to golden (the gradients of module ${example('my-bptt.mjs')})\n` +
          '8 cases not snapshotted: lstm, gru, not among the cells your code implements (--cells)\n',
      );
      const files = readdirSync(join(dir, 'golden')).filter((f) => f.endsWith('.json') && !f.startsWith('.'));
      expect(files).toHaveLength(48);
      const one = JSON.parse(readFileSync(join(dir, 'golden', files[0]!), 'utf8'));
      expect(one.subject).toEqual({ kind: 'module', name: example('my-bptt.mjs') });
      expect(Object.keys(one.gradients)).toEqual(['yours']);
      expect(files.every((f) => f.startsWith('rnn-'))).toBe(true);

      const ok = await cli(['golden', 'verify', '--impl', example('my-bptt.mjs'), '--cells', 'rnn', ...PATIENT], dir);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toBe(
        'PASS: 48 golden cases, every side within tolerance, and your code agrees with the references\n',
      );

      // code changed since its snapshot: the drift is named (case, yours, W, the entry), and so is the disagreement
      const drift = await cli(['golden', 'verify', '--impl', mod('drifted-rnn.mjs'), ...PATIENT], dir);
      expect(drift.code).toBe(1);
      expect(drift.stdout).toMatch(
        /^DRIFT {2}rnn-tanh-nobias-tok-I4-H4-K4-T5-B1-seed1 {2}yours {2}W: relErrNorm \S+, 1 of 16 entries beyond tolerance; worst \[0, 0\]: \S+ now vs \S+ stored$/m,
      );
      expect(drift.stdout).toMatch(/^FAIL {3}rnn-tanh-nobias-tok-I4-H4-K4-T5-B1-seed1 {2}yours vs tfjs-ops {2}W: /m);
      expect(drift.stdout).toMatch(
        /^FAIL: \d+ drifts in \d+ of 48 golden cases; \d+ comparisons with the references disagree, in \d+ cases$/m,
      );
      expect(drift.stdout).not.toMatch(/DRIFT .* (U|V|b|c|loss):/); // only W changed
    },
    SLOW,
  );

  it(
    "a buggy module's own snapshot does not drift, and verify still fails it against the references",
    async () => {
      const up = await cli(['golden', 'update', '--impl', mod('rnn-only-buggy.mjs'), '--dir', 'bug', ...PATIENT], dir);
      expect(up.code).toBe(0);
      const r = await cli(
        ['golden', 'verify', '--impl', mod('rnn-only-buggy.mjs'), '--dir', 'bug', '--json', ...PATIENT],
        dir,
      );
      expect(r.code).toBe(1);
      const out = JSON.parse(r.stdout) as { drifts: unknown[]; disagreements: { side: string; message: string }[] };
      expect(out.drifts).toEqual([]);
      expect(out.disagreements.length).toBeGreaterThan(0);
      expect(out.disagreements.some((d) => /diagnosis: .*missing-activation-derivative/.test(d.message))).toBe(true);
    },
    SLOW,
  );

  it('a snapshot of your code is not verified without it, nor the built-in one with it (exit 2, one line)', async () => {
    const without = await cli(['golden', 'verify', '--dir', 'bug'], dir);
    expect(without.code).toBe(2);
    expect(without.stderr.trim()).toMatch(
      /^bptt-check: golden file "bug\/rnn-\S+\.json" is a snapshot of your code \(module ".*rnn-only-buggy\.mjs"\), expected --impl or --impl-cmd to verify it with$/,
    );
    const builtIn = await cli(
      ['golden', 'verify', '--impl', example('my-bptt.mjs'), '--dir', join(ROOT, 'reference/golden')],
      dir,
    );
    expect(builtIn.code).toBe(2);
    expect(builtIn.stderr.trim()).toMatch(
      /^bptt-check: golden file ".*\.json" is a snapshot of the built-in hand side, expected a snapshot of your code/,
    );
  });
});
