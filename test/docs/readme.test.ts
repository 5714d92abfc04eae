/**
 * Every code block of README.md, run as a user would run it, so that the README stays right:
 * - ```sh: each `npx bptt-check …` / `bptt-check …` command through the real CLI, expecting the exit code its
 *   comment states (`# … exit N …`, 0 when none); other commands only when listed in SKIPPED with the reason;
 * - ```ts / ```js: written to a file in a temporary directory whose node_modules/bptt-check is a symlink to
 *   this repository (so `import … from 'bptt-check'` resolves as in a user's project, to the built dist/),
 *   and run with tsx, or with vitest when the block imports vitest; it must exit 0;
 * - ```json: a case, gradients or matrix file, accepted by the real validators;
 * - ```text: not a program (formulas, layouts, output samples): not run, except that an output sample
 *   that starts with `$ npx bptt-check …` runs that command, which must print every line of the sample
 *   (up to its … elisions) and exit 0;
 * - any other fence fails the test unless listed in NOT_RUN with the reason.
 * All blocks run in one temporary directory, in README order, as a user following the README would.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { matrixSchema } from '../../src/runs/grid.js';
import type { Case } from '../../src/model/case.js';
import { parseGradients } from '../../src/model/gradients.js';
import { parseCase } from '../../src/model/validate.js';
import { cli, type Run } from '../helpers/cli.js';
import { fencedBlocks, readDoc, ROOT, type Block } from './markdown.js';

const blocks = fencedBlocks(readDoc('README.md'));

/** Fences whose blocks are shown, not run, and why. */
const NOT_RUN: Record<string, string> = {
  text: 'not a program: formulas, layouts and output samples (a sample that starts with `$ npx bptt-check` is checked below)',
  python:
    'the three lines that make a numpy BPTT a subject (its gradients function elided); examples/python/my_bptt.py is a complete one, run by the sh block after it',
  yaml: 'a GitHub Actions workflow: it needs a CI runner, and its sweep runs the 96-case nightly matrix; sweep --shard and merge are tested in test/cli/sweep.test.ts',
};

/** Commands of the README's sh blocks that are not run here, and why. Each must still appear in the README. */
const SKIPPED: { command: string; why: string }[] = [
  { command: 'npm ci', why: 'installs and builds the package: this test runs inside that install' },
  {
    command: 'npm start',
    why: 'is `bptt-check suite`, the 56-case default suite (13 s of CPU, 43 s on the shared 2-core machine); test/check/golden.test.ts recomputes the same 56 cases against its stored gradients',
  },
  { command: 'npm test', why: 'runs this test suite itself' },
];

/** Runs a program with node in `cwd`, as the CLI helper does. */
function node(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { cwd, maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Splits a shell command into words (plain words and '…' or "…" quoted ones: all the README uses). */
const words = (command: string): string[] =>
  [...command.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);

/** The commands of an sh block with the exit code each one's comment states. */
function shCommands(b: Block): { command: string; exit: number }[] {
  return b.text.split('\n').flatMap((line) => {
    const [code = '', comment = ''] = line.split(/\s#\s?/, 2);
    const exit = Number(/\bexit (\d+)/.exec(comment)?.[1] ?? 0);
    return code.trim() ? code.split('&&').map((c) => ({ command: c.trim(), exit })) : [];
  });
}

const bptt = (command: string) => /^(npx )?bptt-check\s/.exec(command);
const collapse = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The first line of `output` that holds every fragment of `sample`'s line (split at …), in order; or undefined. */
function lineHolding(output: string[], sampleLine: string): string | undefined {
  const fragments = sampleLine.split('…').map(collapse).filter(Boolean);
  return output.find((l) => {
    let at = 0;
    for (const f of fragments) {
      const k = l.indexOf(f, at);
      if (k < 0) return false;
      at = k + f.length;
    }
    return true;
  });
}

let dir = '';
let lastCase: Case | undefined;

beforeAll(async () => {
  // A user's project: bptt-check installed (a symlink to this repository, its dist/ built by the global
  // setup), vitest for the matcher, the case file and the module the README's snippets name.
  dir = mkdtempSync(join(tmpdir(), 'bptt-readme-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'bptt-check'), 'dir');
  symlinkSync(join(ROOT, 'node_modules', 'vitest'), join(dir, 'node_modules', 'vitest'), 'dir');
  copyFileSync(join(ROOT, 'examples', 'my-bptt.mjs'), join(dir, 'my-bptt.mjs'));
  mkdirSync(join(dir, 'examples')); // the README's `--impl examples/…` commands, as run from a clone
  for (const f of ['my-bptt.mjs', 'my-bptt-buggy.mjs'])
    copyFileSync(join(ROOT, 'examples', f), join(dir, 'examples', f));
  for (const f of [
    'examples/python/my_bptt.py',
    'examples/python/gated_bptt.py',
    'examples/python/my_bptt_buggy.py',
    'examples/python/conventions/cs231n_lstm.py',
    'examples/python/conventions/min_char_rnn.py',
    'examples/python/conventions/keras_gru.py',
    'python/bptt_check.py',
  ]) {
    mkdirSync(dirname(join(dir, f)), { recursive: true }); // the README's `--impl-cmd "python3 examples/python/…"`
    copyFileSync(join(ROOT, f), join(dir, f));
  }
  const made = await cli(['case', '--out', 'my.case.json'], dir); // as the README says: npx bptt-check case --out my.case.json
  expect(made.code).toBe(0);
});

describe('README.md', () => {
  it('has only fences this test knows: sh, ts, js, json, or a not-run fence with its reason', () => {
    const unknown = blocks
      .filter((b) => !['sh', 'ts', 'js', 'json'].includes(b.lang) && !(b.lang in NOT_RUN))
      .map((b) => `line ${b.line}: \`\`\`${b.lang}`);
    expect(unknown).toEqual([]);
    expect(blocks.filter((b) => b.lang === 'ts').length).toBeGreaterThanOrEqual(2);
  });

  it('still has every skipped command, so that the skip list does not outlive the README', () => {
    const commands = blocks
      .filter((b) => b.lang === 'sh')
      .flatMap(shCommands)
      .map((c) => c.command);
    expect(SKIPPED.filter((s) => !commands.includes(s.command))).toEqual([]);
  });

  it.each(blocks.map((b) => [`${b.line} (\`\`\`${b.lang})`, b] as const))(
    'block at line %s does what it says',
    async (_where, b) => {
      if (b.lang === 'sh') {
        for (const { command, exit } of shCommands(b)) {
          if (SKIPPED.some((s) => s.command === command)) continue;
          const m = bptt(command);
          if (!m)
            throw new Error(
              `line ${b.line}: "${command}" is neither a bptt-check command nor in SKIPPED (add it there with the reason it is not run)`,
            );
          const run = await cli(words(command.slice(m[0].length)), dir);
          expect({ command, code: run.code, stderr: run.stderr.split('\n')[0] }).toEqual({
            command,
            code: exit,
            stderr: expect.any(String),
          });
        }
      } else if (b.lang === 'ts' || b.lang === 'js') {
        const vitest = /from 'vitest'/.test(b.text);
        const file = `readme-${b.line}${vitest ? '.test' : ''}.${b.lang === 'ts' ? 'mts' : 'mjs'}`;
        writeFileSync(join(dir, file), `${b.text}\n`);
        const run = vitest
          ? await node([join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', file, '--root', dir], dir)
          : await node([join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), file], dir);
        expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr + run.stdout }).toEqual({
          code: 0,
          stderr: '',
        });
        if (vitest) expect(run.stdout).toMatch(/Tests\s+1 passed \(1\)/);
        else expect(run.stdout).toMatch(/^PASS\n$/); // what the library snippet prints when the user's gradients are right
      } else if (b.lang === 'json') {
        const value = JSON.parse(b.text) as Record<string, unknown>;
        const where = `README.md:${b.line}`;
        if ('model' in value) lastCase = parseCase(value, where);
        else if ('gradients' in value) parseGradients(value, where, lastCase!);
        else if ('generate' in value || 'cases' in value)
          expect(matrixSchema.safeParse(value).error?.issues ?? []).toEqual([]);
        else throw new Error(`${where}: a JSON block that is neither a case, a gradients nor a matrix file`);
      } else if (b.lang === 'text' && /^\$ (npx )?bptt-check\s/.test(b.text)) {
        const [first, ...sample] = b.text.split('\n');
        const sampleDir = mkdtempSync(join(tmpdir(), 'bptt-readme-sample-'));
        const run = await cli(words(first!.replace(/^\$ (npx )?bptt-check\s/, '')), sampleDir);
        expect(run.code).toBe(0);
        const output = run.stdout.split('\n').map(collapse);
        const missing = sample.filter(
          (l) => collapse(l.replace(/…/g, '')) !== '' && lineHolding(output, l) === undefined,
        );
        expect(missing).toEqual([]);
      }
    },
  );
});
