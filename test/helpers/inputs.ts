import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { cli } from './cli.js';

/**
 * What the report-writing commands read, written into dir by the real CLI: a small case c.json, its gradients
 * g.json, a two-case sweep matrix m.json and its two shards s1/ and s2/.
 */
export async function writeCheckInputs(dir: string): Promise<void> {
  expect((await cli(['case', '--steps', '3', '--hidden-size', '3', '--out', 'c.json'], dir)).code).toBe(0);
  expect((await cli(['grads', '--case', 'c.json', '--out', 'g.json'], dir)).code).toBe(0);
  writeFileSync(
    join(dir, 'm.json'),
    JSON.stringify({ schemaVersion: 1, id: 'tiny', generate: { hiddenSize: [3], steps: [3], seeds: [1, 2] } }),
  );
  for (const i of [1, 2])
    expect(
      (
        await cli(
          [
            'sweep',
            '--matrix',
            'm.json',
            '--workers',
            '1',
            '--reference',
            'ops',
            '--shard',
            `${i}/2`,
            '--out',
            `s${i}`,
          ],
          dir,
        )
      ).code,
    ).toBe(0);
}
