/**
 * The two recursion mistakes the diagnosis names, planted in a user's plain JavaScript BPTT
 * (examples/my-bptt.mjs, written as a student would) and run through the real command.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bptt-diagnose-user-'));
const source = readFileSync(fileURLToPath(new URL('../../examples/my-bptt.mjs', import.meta.url)), 'utf8');

/** The example with one line replaced; throws if the line is not there (the example changed). */
function planted(name: string, from: string, to: string): string {
  if (!source.includes(from)) throw new Error(`examples/my-bptt.mjs has no ${JSON.stringify(from)}`);
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, source.replace(from, to));
  return file;
}

describe('compare --impl on a student BPTT', () => {
  it.each([
    // ds_{t−1} = W da_t: row j of W where column j belongs
    [
      'W-not-transposed',
      'W.reduce((a, row, i) => a + row[j] * da[i], 0)',
      'W[j].reduce((a, w, i) => a + w * da[i], 0)',
    ],
    // f′ from s_{t−1}
    ['derivative-at-previous-state', 'df(s[t + 1][i])', 'df(s[t][i])'],
  ])('names the pattern "%s" on U, W, b and s₋₁, and nothing on V and c', async (pattern, from, to) => {
    const run = await cli(
      [
        'compare',
        '--bias',
        '--initial-state',
        '--steps',
        '8',
        '--seed',
        '4',
        '--reference',
        'ops',
        '--no-steps-detail',
        '--json',
        '--impl',
        planted(pattern, from, to),
        '--out',
        pattern,
      ],
      dir,
    );
    expect(run.code).toBe(1);
    const c = JSON.parse(run.stdout).cases[0];
    const named = Object.fromEntries(
      c.diagnosis.map((d: { tensor: string; pattern: string }) => [d.tensor, d.pattern]),
    );
    expect(named).toEqual({ U: pattern, W: pattern, b: pattern, initialState: pattern });
    expect(readFileSync(join(dir, pattern, 'report.md'), 'utf8')).toMatch(new RegExp(`\\*\\*W: ${pattern}\\*\\*`));
  });
});
