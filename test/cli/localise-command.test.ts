/**
 * The localisation of a numpy subject through `compare --impl-cmd`: the buggy numpy example
 * (examples/python/my_bptt_buggy.py, a student's dW += da_t s_tᵀ for s_{t−1}ᵀ) is asked again on the built
 * cases over the subject protocol. Skipped where no python3 imports numpy, or the example is not there.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { findPython } from '../helpers/python.js';
import type { ReportJson } from '../../src/report/json-types.js';

const buggy = fileURLToPath(new URL('../../examples/python/my_bptt_buggy.py', import.meta.url));
const python = existsSync(buggy) ? findPython() : null;
if (!python) console.warn('test/cli/localise-command.test.ts skipped: no numpy python3, or no examples/python');

describe.skipIf(!python)('compare --impl-cmd localises a failing numpy subject', () => {
  it('dW with s_t for s_{t−1}: wrong already at T′ = 1 (s_0 for s_{−1} = 0), shrunk, and the printed command fails again', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'bptt-localise-numpy-'));
    const command = `${python} ${buggy}`;
    const run = await cli(['compare', '--impl-cmd', command], cwd);
    expect(run.code).toBe(1);
    const report = JSON.parse(readFileSync(join(cwd, 'reports', 'report.json'), 'utf8')) as ReportJson;
    const l = report.cases[0]!.localisation!;
    expect({ ...l.prefix, errors: undefined }).toEqual({ batch: 1, steps: 10, shortestFailing: 1 });
    expect(l.minimal!.sizes).toMatchObject({ B: 1, T: 1 });
    expect(l.minimal!.command).toBe(
      `bptt-check compare --case reports/minimal.case.json --impl-cmd '${command}' --out reports/minimal`,
    );
    expect(existsSync(join(cwd, 'reports', 'minimal.case.json'))).toBe(true);
    const again = await cli(
      ['compare', '--case', 'reports/minimal.case.json', '--impl-cmd', command, '--out', 'reports/minimal'],
      cwd,
    );
    expect(again.code).toBe(1);
  }, 120_000);
});
