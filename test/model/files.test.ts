import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFilesAtomic } from '../../src/model/atomic.js';

describe('atomic report writing', () => {
  it('replaces all files when every write succeeds', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bptt-atomic-'));
    writeFileSync(join(dir, 'a.txt'), 'old a');
    writeFilesAtomic([
      { path: join(dir, 'a.txt'), content: 'new a' },
      { path: join(dir, 'b.txt'), content: 'new b' },
    ]);
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('new a');
    expect(readFileSync(join(dir, 'b.txt'), 'utf8')).toBe('new b');
    expect(readdirSync(dir).sort()).toEqual(['a.txt', 'b.txt']);
  });

  it('leaves the previous files untouched and no temporary file behind when a later write fails', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bptt-atomic-'));
    writeFileSync(join(dir, 'a.txt'), 'old a');
    writeFileSync(join(dir, 'blocker'), 'a file where a directory is needed');
    expect(() =>
      writeFilesAtomic([
        { path: join(dir, 'a.txt'), content: 'new a' },
        { path: join(dir, 'blocker', 'b.txt'), content: 'new b' },
      ]),
    ).toThrow(/cannot be written .*expected a writable location/);
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('old a');
    expect(readdirSync(dir).sort()).toEqual(['a.txt', 'blocker']);
  });
});
