/** `sweep`, `merge` and `golden`: many cases at once, the shards of a sweep joined, the golden snapshots. */
import { conventionsFrom } from './conventions.js';
import type { Command } from 'commander';
import { checkOptions } from '../check/compare.js';
import { fieldName as f, jsonSafe, visible } from '../model/errors.js';
import { manySubject, openCliSubject, SUBJECT_OVERRIDES } from './subject.js';
import type { CliOptions } from './cli-options.js';
import type { SubjectSpec } from '../runs/subjects.js';
import { withFlags } from './fields.js';
import { checkOutputs } from '../model/outputs.js';
import { goldenUpdate, goldenVerify, type GoldenSubject } from '../runs/golden.js';
import { useBackend } from '../../reference/index.js';
import { referencesFor } from './check.js';
import { reportOutputs } from './compare.js';
import { withOptions } from './fields.js';
import type { Session } from './io.js';
import { checkOptionsFrom, commandLine, CONVENTIONS, FD, RUN, TOLERANCE, withoutOption } from './options.js';
import { mergeCommand, sweepCommand } from './sweep.js';

const SUBJECT = ['impl', 'implCmd', 'timeout', 'cells', 'dtype'] as const;
const SWEEP = [
  ...TOLERANCE,
  ...FD,
  ...RUN,
  'matrix',
  'preset',
  'workers',
  'maxCases',
  'shard',
  ...SUBJECT,
  ...CONVENTIONS,
] as const;

export function sweepCommands(program: Command, s: Session): void {
  const sweep = program
    .command('sweep')
    .description('run many cases (a matrix file or a preset) over worker threads, optionally one shard of them');
  withOptions(sweep, SWEEP, SUBJECT_OVERRIDES, async (opts) => {
    reportOutputs(opts);
    const subject = manySubject(opts);
    const conventions = conventionsFrom(opts);
    const check = { ...checkOptionsFrom(opts), ...(opts.dtype !== undefined ? { dtype: opts.dtype } : {}) };
    checkOptions(check);
    // --workers does not change the results: the reproduce command leaves it out
    const args = withoutOption(s.argv, '--workers');
    s.setCode(
      await sweepCommand(
        {
          ...(opts.matrix !== undefined ? { matrix: opts.matrix } : {}),
          ...(opts.preset !== undefined ? { preset: opts.preset } : {}),
          maxCases: opts.maxCases,
          ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
          ...(opts.shard !== undefined ? { shard: opts.shard } : {}),
          references: referencesFor(opts.reference, opts.backend),
          tolerance: { atol: opts.atol, rtol: opts.rtol },
          options: check,
          ...(subject ? { subject } : {}),
          ...(conventions ? { conventions } : {}),
          backend: opts.backend,
          outDir: opts.out,
          json: opts.json,
          ...(opts.junit ? { junit: opts.junit } : {}),
          command: commandLine(args),
        },
        s.io,
      ),
    );
  });

  const merge = program
    .command('merge')
    .description('join shard reports of one sweep into one report with every format')
    .argument('<dirs...>', 'the shard report directories');
  withOptions(merge, ['out', 'junit', 'json'] as const, {}, async (opts, cmd: Command) => {
    const dirs = cmd.processedArgs[0] as string[];
    reportOutputs(opts, { what: 'shard directories merge reads', paths: dirs });
    s.setCode(await mergeCommand(dirs, opts.out, opts.json, s.io, opts.junit));
  });
}

/** The default directory of the snapshots of your code: a directory of your own (reference/golden is the tool's). */
export const SUBJECT_GOLDEN_DIR = 'golden';

const GOLDEN_SUBJECT = ['impl', 'implCmd', 'timeout', 'cells'] as const;

/** The subject of a golden command, if any, and the snapshot directory (its default: golden/ for your code). */
function goldenTarget(opts: Partial<CliOptions>, cmd: Command): { dir: string; spec?: SubjectSpec } {
  const spec = manySubject(opts);
  const dir = spec && cmd.getOptionValueSource('dir') === 'default' ? SUBJECT_GOLDEN_DIR : opts.dir!;
  return spec ? { dir, spec } : { dir };
}

/** Your code opened for the run (it stops with it), and what its snapshots say it is. */
async function goldenSubject(spec: SubjectSpec | undefined, s: Session): Promise<GoldenSubject | undefined> {
  if (!spec) return undefined;
  const said = { kind: spec.kind, name: spec.kind === 'module' ? spec.path : spec.command };
  return { side: await openCliSubject(spec, s), said };
}

export function goldenCommands(program: Command, s: Session): void {
  const golden = program.command('golden').description('golden regression snapshots of the default matrix');
  const update = golden
    .command('update')
    .description(
      'store, for each case of the default matrix, the case and the hand and reference gradients (with --impl or --impl-cmd: your gradients)',
    );
  const dirOver = {
    description: `where the snapshots go (with --impl or --impl-cmd: ${SUBJECT_GOLDEN_DIR}, a directory of your own)`,
  };
  withOptions(
    update,
    ['dir', 'backend', ...GOLDEN_SUBJECT] as const,
    { ...SUBJECT_OVERRIDES, dir: dirOver },
    async (opts, cmd) => {
      const { dir, spec } = goldenTarget(opts, cmd);
      checkOutputs({ dir: { field: 'dir', path: dir }, reads: opts.impl ? [{ field: 'impl', path: opts.impl }] : [] });
      await useBackend(opts.backend);
      const subject = await goldenSubject(spec, s);
      const { written, skipped } = await goldenUpdate(dir, opts.backend, subject);
      const cells = [...new Set(skipped.map((c) => c.model.cell))];
      s.io.out(
        `wrote ${written.length} golden files to ${dir}${subject ? ` (the gradients of ${subject.said.kind} ${subject.said.name})` : ''}\n`,
      );
      if (skipped.length)
        s.io.out(
          withFlags(
            `${skipped.length} cases not snapshotted: ${cells.join(', ')}, not among the cells your code implements (${f('cells')})\n`,
          ),
        );
    },
  );

  const verify = golden
    .command('verify')
    .description(
      'recompute every snapshot and fail with a readable diff when a side drifts beyond tolerance (with --impl or --impl-cmd: your code, also checked against the references)',
    );
  const fields = [...TOLERANCE, 'dir', 'backend', 'json', 'maxMemory', ...GOLDEN_SUBJECT, 'dtype'] as const;
  const over = { ...SUBJECT_OVERRIDES, dir: dirOver, json: { description: 'print the result as JSON' } };
  withOptions(verify, fields, over, async (opts, cmd) => {
    await useBackend(opts.backend);
    const { dir, spec } = goldenTarget(opts, cmd);
    const subject = await goldenSubject(spec, s);
    const tol = { atol: opts.atol, rtol: opts.rtol };
    const check = opts.dtype !== undefined ? { dtype: opts.dtype } : {};
    const r = await goldenVerify(dir, tol, opts.maxMemory, subject, check);
    if (opts.json) s.io.out(`${jsonSafe(JSON.stringify(r, null, 2))}\n`);
    else {
      for (const d of r.drifts) s.io.out(`DRIFT  ${visible(d.case)}  ${d.side}  ${d.tensor}: ${visible(d.message)}\n`);
      for (const d of r.disagreements ?? [])
        s.io.out(`FAIL   ${visible(d.case)}  ${d.side}  ${d.tensor}: ${visible(d.message)}\n`);
      const cases = (list: readonly { case: string }[]) => new Set(list.map((d) => d.case)).size;
      const against = r.disagreements;
      s.io.out(
        r.pass
          ? `PASS: ${r.files} golden cases, every side within tolerance${against ? ', and your code agrees with the references' : ''}\n`
          : `FAIL: ${r.drifts.length} drifts in ${cases(r.drifts)} of ${r.files} golden cases${against ? `; ${against.length} comparisons with the references disagree, in ${cases(against)} cases` : ''}\n`,
      );
    }
    s.setCode(r.pass ? 0 : 1);
  });
}
