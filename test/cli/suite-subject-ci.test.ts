/**
 * The README's CI example ("CI output: your code in CI") runs the user's code: its commands, taken from the
 * README itself, are run here on examples/my-bptt.mjs (copied as the user's my-bptt.mjs) through the real
 * CLI: the golden snapshot taken once, then the workflow's suite and golden verify, each exiting 0; and
 * again with the numpy example as the README says (`--impl-cmd "python3 my_bptt.py"` for `--impl my-bptt.mjs`).
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { fencedBlocks, readDoc, ROOT } from '../docs/markdown.js';
import { findPython } from '../helpers/python.js';

const readme = readDoc('README.md');
const section = readme.slice(readme.indexOf('### CI output: your code in CI'));
const workflow = fencedBlocks(section)[0]!;
/** The `npx bptt-check …` commands of the workflow, in order. */
const runs = [...workflow.text.matchAll(/^\s*- run: npx bptt-check (.+)$/gm)].map((m) => m[1]!.trim().split(/\s+/));
/** The snapshot command the section's prose says to run once. */
const update = /`npx bptt-check (golden update [^`]+)`/
  .exec(section.slice(0, section.indexOf('```')))![1]!
  .split(/\s+/);

describe("the README's CI example", () => {
  it('is a workflow that runs the suite and golden verify on your code', () => {
    expect(workflow.lang).toBe('yaml');
    expect(runs.map((r) => r.slice(0, 3).join(' '))).toEqual(['suite --impl my-bptt.mjs', 'golden verify --impl']);
    expect(update.slice(0, 4)).toEqual(['golden', 'update', '--impl', 'my-bptt.mjs']);
  });

  it('its commands pass on the example module: the snapshot, the suite (JUnit with the gated cases skipped), golden verify', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bptt-readme-ci-'));
    copyFileSync(join(ROOT, 'examples/my-bptt.mjs'), join(dir, 'my-bptt.mjs'));
    const patient = ['--timeout', '600']; // a loaded test machine; the README's commands take the default
    const up = await cli([...update, ...patient], dir);
    expect(up.code).toBe(0);
    expect(readdirSync(join(dir, 'golden')).filter((f) => f.endsWith('.json') && !f.startsWith('.'))).toHaveLength(48);
    for (const args of runs) {
      const run = await cli([...args, ...patient], dir);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/PASS/);
    }
    const junit = readFileSync(join(dir, 'bptt.xml'), 'utf8');
    expect(junit).toMatch(/failures="0" skipped="8"/);
  }, 900_000);

  const python = findPython();
  it.skipIf(!python)(
    'its commands pass on the numpy example through --impl-cmd',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'bptt-readme-ci-py-'));
      const command = `${python} ${join(ROOT, 'examples/python/my_bptt.py')}`;
      // the README's substitution: --impl-cmd "python3 my_bptt.py" in place of --impl my-bptt.mjs
      const numpy = (args: string[]) =>
        args.flatMap((a, k) =>
          a === '--impl' ? ['--impl-cmd'] : args[k - 1] === '--impl' && a === 'my-bptt.mjs' ? [command] : [a],
        );
      const patient = ['--timeout', '600'];
      expect((await cli([...numpy(update), ...patient], dir)).code).toBe(0);
      const name = readdirSync(join(dir, 'golden')).find((f) => f.startsWith('rnn-'))!;
      expect(JSON.parse(readFileSync(join(dir, 'golden', name), 'utf8')).subject).toEqual({
        kind: 'command',
        name: command,
      });
      for (const args of runs) {
        const run = await cli([...numpy(args), ...patient], dir);
        expect(run.code).toBe(0);
        expect(run.stdout).toMatch(/PASS/);
      }
      expect(readFileSync(join(dir, 'bptt.xml'), 'utf8')).toMatch(/failures="0" skipped="8"/);
    },
    900_000,
  );
});
