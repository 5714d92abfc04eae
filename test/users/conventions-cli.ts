/**
 * What the end-to-end tests of the examples in other codebases' styles share (test/users/conventions-*.test.ts):
 * the README's commands run for real: `bptt-check case --conventions X … --out c.json`, `python3 example.py
 * c.json > g.json`, `bptt-check verify --conventions X --case c.json --grads g.json`, and `bptt-check compare
 * --conventions X --impl-cmd "python3 example.py"`, each run's report read back from its report.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli, type Run } from '../helpers/cli.js';

export const EXAMPLES = fileURLToPath(new URL('../../examples/python/conventions/', import.meta.url));

export interface Row {
  tensor: string;
  a: string;
  r: string;
  pass: boolean;
}
export interface Checked extends Run {
  rows: Row[];
  diagnosis: { tensor: string; pattern: string; detail: string }[];
  /** the tensors of the side under test that failed, sorted */
  failing: string[];
  /** the console's diagnosis lines */
  diagnosisLines: string[];
}

/** The convention options the CLI offers a user; a diagnosis that names a convention suggests one of them. */
export const CONVENTION_FLAG = /--(conventions|reduction|layout|gate-order|concat-gates|gru-reset|two-biases)\b/;

export function session(python: string, script: string, preset: string) {
  const dir = mkdtempSync(join(tmpdir(), 'bptt-conv-')); // no preset name in it: the console must say it;
  const path = join(EXAMPLES, script);
  let n = 0;
  const report = async (run: Run, out: string): Promise<Checked> => {
    let rows: Row[] = [];
    let diagnosis: Checked['diagnosis'] = [];
    try {
      const c = JSON.parse(readFileSync(join(dir, out, 'report.json'), 'utf8')).cases[0];
      rows = c.rows ?? [];
      diagnosis = c.diagnosis ?? [];
    } catch {
      /* no report: the run failed before writing it (its code and stderr say why) */
    }
    const failing = [...new Set(rows.filter((r) => r.a === 'yours' && !r.pass).map((r) => r.tensor))].sort();
    const diagnosisLines = run.stdout.split('\n').filter((l) => l.startsWith('diagnosis:'));
    return { ...run, rows, diagnosis, failing, diagnosisLines };
  };
  return {
    dir,
    /** `bptt-check case --conventions <preset> …flags --out <file>`, and the case file it wrote */
    async exportCase(file: string, ...flags: string[]): Promise<{ run: Run; raw: Record<string, any> }> {
      const run = await cli(['case', '--conventions', preset, ...flags, '--out', file], dir);
      const raw = run.code === 0 ? JSON.parse(readFileSync(join(dir, file), 'utf8')) : {};
      return { run, raw };
    },
    /** `python3 <script> [--bug b] case.json > grads.json` */
    grads(caseFile: string, gradsFile: string, bug?: string): void {
      const args = [path, ...(bug ? ['--bug', bug] : []), caseFile];
      writeFileSync(join(dir, gradsFile), execFileSync(python, args, { cwd: dir, encoding: 'utf8' }));
    },
    async verify(caseFile: string, gradsFile: string, ...flags: string[]): Promise<Checked> {
      const out = `verify-${++n}`;
      const args = ['verify', '--conventions', preset, '--case', caseFile, '--grads', gradsFile, ...flags];
      return report(await cli([...args, '--out', out], dir), out);
    },
    /** `bptt-check compare --conventions <preset> --impl-cmd "python3 <script> [--bug b]" …flags` */
    async compare(bug: string | undefined, ...flags: string[]): Promise<Checked> {
      const out = `compare-${++n}`;
      const command = `${python} ${path}${bug ? ` --bug ${bug}` : ''}`;
      const args = ['compare', '--conventions', preset, '--impl-cmd', command, ...flags];
      return report(await cli([...args, '--out', out], dir), out);
    },
  };
}

/** The shape of a nested array: [rows, columns] or [length]. */
export function shape(value: unknown): number[] {
  return Array.isArray(value) ? [value.length, ...shape(value[0])] : [];
}
