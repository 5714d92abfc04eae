/** `sweep`, `merge` and `golden`: many cases at once, the shards of a sweep joined, the golden snapshots. */
import type { Command } from 'commander';
import { checkOptions } from '../check/compare.js';
import { jsonSafe, visible } from '../model/errors.js';
import { checkOutputs } from '../model/outputs.js';
import { goldenUpdate, goldenVerify } from '../runs/golden.js';
import { useBackend } from '../../reference/index.js';
import { referencesFor } from './check.js';
import { reportOutputs } from './compare.js';
import { withOptions } from './fields.js';
import type { Session } from './io.js';
import { checkOptionsFrom, commandLine, FD, RUN, TOLERANCE, withoutOption } from './options.js';
import { mergeCommand, sweepCommand } from './sweep.js';

const SWEEP = [...TOLERANCE, ...FD, ...RUN, 'matrix', 'preset', 'workers', 'maxCases', 'shard'] as const;

export function sweepCommands(program: Command, s: Session): void {
  const sweep = program
    .command('sweep')
    .description('run many cases (a matrix file or a preset) over worker threads, optionally one shard of them');
  withOptions(sweep, SWEEP, {}, async (opts) => {
    reportOutputs(opts);
    const check = checkOptionsFrom(opts);
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

export function goldenCommands(program: Command, s: Session): void {
  const golden = program.command('golden').description('golden regression snapshots of the default matrix');
  const update = golden
    .command('update')
    .description('store, for each case of the default matrix, the case and the hand and reference gradients');
  withOptions(update, ['dir', 'backend'] as const, { dir: { description: 'where the snapshots go' } }, async (opts) => {
    checkOutputs({ dir: { field: 'dir', path: opts.dir } });
    await useBackend(opts.backend);
    const written = await goldenUpdate(opts.dir, opts.backend);
    s.io.out(`wrote ${written.length} golden files to ${opts.dir}\n`);
  });

  const verify = golden
    .command('verify')
    .description('recompute every snapshot and fail with a readable diff when a side drifts beyond tolerance');
  const fields = [...TOLERANCE, 'dir', 'backend', 'json', 'maxMemory'] as const;
  withOptions(verify, fields, { json: { description: 'print the result as JSON' } }, async (opts) => {
    await useBackend(opts.backend);
    const r = await goldenVerify(opts.dir, { atol: opts.atol, rtol: opts.rtol }, opts.maxMemory);
    if (opts.json) s.io.out(`${jsonSafe(JSON.stringify(r, null, 2))}\n`);
    else {
      for (const d of r.drifts) s.io.out(`DRIFT  ${visible(d.case)}  ${d.side}  ${d.tensor}: ${visible(d.message)}\n`);
      s.io.out(
        r.pass
          ? `PASS: ${r.files} golden cases, every side within tolerance\n`
          : `FAIL: ${r.drifts.length} drifts in ${new Set(r.drifts.map((d) => d.case)).size} of ${r.files} golden cases\n`,
      );
    }
    s.setCode(r.pass ? 0 : 1);
  });
}
