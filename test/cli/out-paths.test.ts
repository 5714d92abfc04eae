/** Every output path of a command is checked before any work: exit 2, one line, nothing written or touched. */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { writeCheckInputs } from '../helpers/inputs.js';

const compare = ['compare', '--steps', '4', '--hidden-size', '3', '--reference', 'ops'];
const vanishing = ['vanishing', '--steps', '6', '--hidden-size', '3', '--activations', 'tanh', '--w-norm', '2'];
const COMPARE_SET = [
  'heatmap-W.png',
  'report.html',
  'report.json',
  'report.md',
  'steps.csv',
  'steps.png',
  'summary.csv',
];

/** Every entry under dir (recursively, hidden ones too) with its bytes: what "nothing touched" compares. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      const r = rel ? `${rel}/${n}` : n;
      const s = lstatSync(p);
      if (s.isDirectory()) {
        out[`${r}/`] = '';
        walk(p, r);
      } else out[r] = s.isFile() ? readFileSync(p).toString('base64') : `not a file: ${s.mode}, ${s.rdev}`; // a FIFO would block a read
    }
  };
  walk(dir, '');
  return out;
}
const fresh = () => mkdtempSync(join(tmpdir(), 'bptt-outpaths-'));

/** A work directory with a case, its gradients, a tiny sweep matrix, two shards of it and an earlier compare report in o/. */
let base = '';
beforeAll(async () => {
  base = fresh();
  await writeCheckInputs(base);
  expect((await cli([...compare, '--out', 'o'], base)).code).toBe(0);
  writeFileSync(join(base, 'o', 'my-notes.txt'), 'mine');
}, 120_000);

/** Each command that writes a report set, with the arguments it needs in `base`. */
const REPORT_COMMANDS: [string, string[]][] = [
  ['compare', compare],
  ['verify', ['verify', '--case', 'c.json', '--grads', 'g.json', '--reference', 'ops']],
  ['suite', ['suite', '--reference', 'ops']],
  ['sweep', ['sweep', '--matrix', 'm.json', '--workers', '1', '--reference', 'ops']],
  ['merge', ['merge', 's1', 's2']],
];
const ALL_OUT: [string, string[]][] = [...REPORT_COMMANDS, ['vanishing', vanishing]];

/** Runs args in base and expects a refusal: exit 2, the one line, and base byte-identical, quickly. */
async function refused(args: string[], line: RegExp, env: Record<string, string> = {}, cwd = base) {
  const before = snapshot(cwd);
  const t0 = Date.now();
  const run = await cli(args, cwd, env);
  const ms = Date.now() - t0;
  expect(run.stderr).toMatch(line);
  expect(run.stderr.split('\n')).toHaveLength(2); // one line and its newline
  expect(run.stderr).toMatch(/^bptt-check: /);
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(snapshot(cwd)).toEqual(before);
  return ms;
}

describe('an empty output path (an unset shell variable)', () => {
  it.each(ALL_OUT)('is refused as --out of %s', async (_name, args) => {
    await refused(
      [...args, '--out', ''],
      /^bptt-check: --out is "", expected a report directory \(an unset shell variable\?\)\n$/,
    );
  });
  it.each(REPORT_COMMANDS)('is refused as --junit of %s', async (_name, args) => {
    await refused(
      [...args, '--out', 'o', '--junit', ''],
      /^bptt-check: --junit is "", expected a file path for the JUnit XML/,
    );
  });
  it.each([
    ['case', ['case', '--out', '']],
    ['grads', ['grads', '--case', 'c.json', '--out', '']],
    ['golden update', ['golden', 'update', '--dir', '']],
  ])('is refused as the output of %s', async (_name, args) => {
    await refused(args, /^bptt-check: --(out|dir) is "", expected .*\(an unset shell variable\?\)\n$/);
  });
});

describe('an output path where nothing can be created (/proc) is refused at once, not after a 20 s hang', () => {
  // Node's mkdirSync(…, { recursive: true }) loops forever on /proc/x: mkdir answers ENOENT though /proc exists
  it.each([
    ...ALL_OUT.map(([name, args]): [string, string[]] => [`${name} --out /proc/x`, [...args, '--out', '/proc/x']]),
    ...REPORT_COMMANDS.map(([name, args]): [string, string[]] => [
      `${name} --junit /proc/x/j.xml`,
      [...args, '--out', 'o', '--junit', '/proc/x/j.xml'],
    ]),
    ['case --out /proc/x/c.json', ['case', '--out', '/proc/x/c.json']],
    ['grads --out /proc/x/g.json', ['grads', '--case', 'c.json', '--out', '/proc/x/g.json']],
    ['golden update --dir /proc/g', ['golden', 'update', '--dir', '/proc/g']],
  ])(
    '%s',
    async (_name, args) => {
      const ms = await refused(
        args,
        /^bptt-check: --(out|junit|dir) is "\/proc\/x?[^"]*", but nothing can be created in "\/proc" \(it takes no new entries\), expected .* in a writable directory\n$/,
      );
      expect(ms).toBeLessThan(8000);
    },
    30_000,
  );
});

describe('--junit that would overwrite or land on something else', () => {
  // the names of the report set compare writes (and the manifest, and a sweep's partial/)
  it.each([...COMPARE_SET, '.bptt-check-manifest.json', 'partial'])(
    '--junit o/%s is refused: it would overwrite a file of the report set with XML',
    async (name) => {
      await refused(
        [...compare, '--out', 'o', '--junit', `o/${name}`],
        new RegExp(
          `^bptt-check: --junit is "o/${name.replace('.', '\\.')}", a file of the report set --out "o" writes, expected another name \\(e\\.g\\. o/junit\\.xml\\)\\n$`,
        ),
      );
    },
  );

  it('--junit naming a directory is refused before --out is touched (a new --out is not created either)', async () => {
    mkdirSync(join(base, 'jdir'), { recursive: true });
    await refused(
      [...compare, '--out', 'o', '--junit', 'jdir'],
      /^bptt-check: --junit is "jdir", a directory, expected a path for a regular file\n$/,
    );
    await refused([...compare, '--out', 'new-out', '--junit', 'jdir'], /--junit is "jdir", a directory/);
    expect(existsSync(join(base, 'new-out'))).toBe(false);
  });

  // never the real /dev/null: on code without this check, as root, the test itself would replace it with a file
  it('--junit naming a FIFO or a device (a private copy of /dev/null) is refused: writing it would rename a temp file over it', async () => {
    const dir = fresh();
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    await refused(
      [...compare, '--out', 'o', '--junit', 'fifo'],
      /^bptt-check: --junit is "fifo", a FIFO, expected a path for a regular file\n$/,
      {},
      dir,
    );
    let device = true;
    try {
      execFileSync('mknod', ['-m', '666', join(dir, 'null'), 'c', '1', '3'], { stdio: 'ignore' });
    } catch {
      device = false; // mknod not permitted here (not root): the FIFO stands for every non-regular file
    }
    if (device) {
      await refused(
        [...compare, '--out', 'o', '--junit', 'null'],
        /^bptt-check: --junit is "null", a character device, expected a path for a regular file\n$/,
        {},
        dir,
      );
      expect(lstatSync(join(dir, 'null')).isCharacterDevice()).toBe(true);
    }
  });

  it('--junit equal to --out is refused', async () => {
    await refused(
      [...compare, '--out', 'fresh-out', '--junit', 'fresh-out'],
      /^bptt-check: --junit is "fresh-out", the --out directory, expected a file path\n$/,
    );
  });

  it.each([
    [
      'the case file compare reads',
      ['compare', '--reference', 'ops', '--case', 'c.json', '--out', 'n1', '--junit', 'c.json'],
      /^bptt-check: --junit is "c\.json", the file --case reads, expected another path: writing it would destroy what is read\n$/,
    ],
    [
      'the gradients file verify reads',
      ['verify', '--case', 'c.json', '--grads', 'g.json', '--out', 'n2', '--junit', 'g.json'],
      /^bptt-check: --junit is "g\.json", the file --grads reads/,
    ],
    [
      'the matrix a sweep reads',
      ['sweep', '--matrix', 'm.json', '--out', 'n3', '--junit', 'm.json'],
      /^bptt-check: --junit is "m\.json", the file --matrix reads/,
    ],
    [
      'the case file grads reads, as its --out',
      ['grads', '--case', 'c.json', '--out', 'c.json'],
      /^bptt-check: --out is "c\.json", the file --case reads/,
    ],
    [
      'a file of another report set (o/report.json)',
      [...compare, '--out', 'n4', '--junit', 'o/report.json'],
      /^bptt-check: --junit is "o\/report\.json", a file of the report set in "o", expected a path outside the report directories bptt-check writes\n$/,
    ],
    [
      'the manifest of another report set',
      [...compare, '--out', 'n5', '--junit', 'o/.bptt-check-manifest.json'],
      /^bptt-check: --junit is "o\/\.bptt-check-manifest\.json", a file of the report set in "o"/,
    ],
  ])('--junit or --out on %s is refused: it would be overwritten', async (_what, args, line) => {
    await refused(args as string[], line as RegExp);
  });

  it('a case --out or --junit that is a symbolic link is written at its target, and the link kept (as --out DIR is)', async () => {
    const dir = fresh();
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 'case.json'), 'old');
    writeFileSync(join(dir, 'real', 'junit.xml'), 'old');
    symlinkSync(join('real', 'case.json'), join(dir, 'case.json'));
    symlinkSync(join('real', 'junit.xml'), join(dir, 'junit.xml'));
    expect((await cli(['case', '--steps', '3', '--out', 'case.json'], dir)).code).toBe(0);
    expect(
      (await cli(['compare', '--case', 'case.json', '--reference', 'ops', '--out', 'o', '--junit', 'junit.xml'], dir))
        .code,
    ).toBe(0);
    for (const link of ['case.json', 'junit.xml']) expect(lstatSync(join(dir, link)).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'real', 'case.json'), 'utf8')).schemaVersion).toBe(1);
    expect(readFileSync(join(dir, 'real', 'junit.xml'), 'utf8')).toMatch(/^<\?xml/);
  });

  it("a --junit inside --out, kept from the last run, is this run's own set and is rewritten", async () => {
    const dir = fresh();
    for (let k = 0; k < 2; k++)
      expect((await cli([...compare, '--out', 'o', '--junit', 'o/junit.xml'], dir)).code).toBe(0);
    expect(readFileSync(join(dir, 'o', 'junit.xml'), 'utf8')).toMatch(/^<\?xml/);
  });

  it('an output under a file (o/my-notes.txt/x) is refused naming the file in the way', async () => {
    await refused(
      [...compare, '--out', 'o/my-notes.txt/r'],
      /^bptt-check: --out is "o\/my-notes.txt\/r", under ".*\/o\/my-notes.txt", which is a file, expected a report directory in a directory\n$/,
    );
  });
});

describe('merge --out and its shards', () => {
  it.each([
    ['is one of its shards', 's1', 'one of'],
    ['is inside a shard', 's2/merged', 'inside one of'],
  ])('merge --out that %s is refused and the shard is untouched', async (_what, out, words) => {
    await refused(
      ['merge', 's1', 's2', '--out', out],
      new RegExp(
        `^bptt-check: --out is "${out}", ${words} the shard directories merge reads \\("s[12]"\\), expected a path apart from them: writing it would destroy what is read\\n$`,
      ),
    );
  });

  it('merge --out that holds a shard (given by a path below it) is refused', async () => {
    const dir = fresh();
    execFileSync('cp', ['-r', join(base, 's1'), join(base, 's2'), dir]);
    mkdirSync(join(dir, 'all'));
    execFileSync('mv', [join(dir, 's1'), join(dir, 's2'), join(dir, 'all')]);
    await refused(
      ['merge', 'all/s1', 'all/s2', '--out', 'all'],
      /^bptt-check: --out is "all", holding one of the shard directories merge reads \("all\/s1"\)/,
      {},
      dir,
    );
  });
});

describe('GITHUB_STEP_SUMMARY is checked up front like any output', () => {
  it.each([
    [
      'a directory',
      () => base,
      /^bptt-check: GITHUB_STEP_SUMMARY is ".*", a directory, expected a file the step summary can be appended to\n$/,
    ],
    [
      'in a missing directory',
      () => join(base, 'no-such-dir', 'summary.md'),
      /^bptt-check: GITHUB_STEP_SUMMARY is ".*no-such-dir\/summary.md", in a directory that does not exist, expected a file the step summary can be appended to\n$/,
    ],
  ])('GITHUB_STEP_SUMMARY %s: exit 2 naming the variable, --out not touched', async (_what, path, line) => {
    await refused([...compare, '--out', 'o'], line, { GITHUB_STEP_SUMMARY: path() });
  });
});

/** A tmpfs of `size` mounted for a test, or null where mounting is not permitted (not root, or in a container without CAP_SYS_ADMIN). */
function tmpfs(size: string): string | null {
  const dir = fresh();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    mounted.push(dir);
    return dir;
  } catch {
    return null;
  }
}
const mounted: string[] = [];
afterAll(() => mounted.forEach((d) => execFileSync('umount', [d])));
/** Whether a tmpfs can be mounted here: tried once, and unmounted at once (a killed run leaves no mount behind). */
const canMount = (() => {
  const d = tmpfs('4k');
  if (d === null) return false;
  execFileSync('umount', [d]);
  mounted.pop();
  return true;
})();

describe.skipIf(!canMount)('on a real tmpfs (mount permitted here)', () => {
  it('GITHUB_STEP_SUMMARY on a read-only mount: exit 2 naming the variable, --out not created', async () => {
    const ro = tmpfs('64k')!;
    writeFileSync(join(ro, 'summary.md'), '# earlier step\n');
    execFileSync('mount', ['-o', 'remount,ro', ro]);
    await refused(
      [...compare, '--out', 'never'],
      /^bptt-check: GITHUB_STEP_SUMMARY is ".*summary.md", which cannot be appended to \(read-only file system\), expected a writable file\n$/,
      { GITHUB_STEP_SUMMARY: join(ro, 'summary.md') },
    );
    expect(existsSync(join(base, 'never'))).toBe(false);
  });

  it('--out on a read-only mount is refused before any work', async () => {
    const ro = tmpfs('64k')!;
    execFileSync('mount', ['-o', 'remount,ro', ro]);
    await refused(
      [...compare, '--out', join(ro, 'o')],
      /^bptt-check: --out is ".*\/o", but nothing can be created in ".*" \(read-only file system\), expected a report directory in a writable directory\n$/,
    );
  });

  it('a full disk during the write: exit 2 "cannot be written (no space left on device)", the old --out intact, no temp directory left', async () => {
    const disk = tmpfs('200k')!; // one compare set (~150 kB) fits, two do not
    expect((await cli([...compare, '--out', 'o'], disk)).code).toBe(0);
    writeFileSync(join(disk, 'o', 'my-notes.txt'), 'mine');
    await refused(
      [...compare, '--seed', '7', '--out', 'o'],
      /^bptt-check: output directory "o" cannot be written \(no space left on device, at [\w.-]+\), expected a writable location with room for the reports; what it held is untouched\n$/,
      {},
      disk,
    );
    expect(readdirSync(disk)).toEqual(['o']);
  });
  it('a full disk under GITHUB_STEP_SUMMARY at the append: exit 2 naming the variable and the reports written, the summary as it was', async () => {
    const disk = tmpfs('64k')!;
    const summary = join(disk, 'summary.md');
    writeFileSync(summary, 'x'.repeat(4096)); // a whole page: any append needs a new one
    try {
      writeFileSync(join(disk, 'filler'), Buffer.alloc(200_000));
    } catch {
      // the disk is full now
    }
    const dir = fresh();
    const run = await cli([...compare, '--out', 'o'], dir, { GITHUB_STEP_SUMMARY: summary });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^bptt-check: GITHUB_STEP_SUMMARY is ".*summary.md", which cannot be appended to \(no space left on device\), expected a writable file; the reports are written: o\/summary.csv, .*\n$/,
    );
    expect(readFileSync(summary, 'utf8')).toBe('x'.repeat(4096));
  });
});

describe('a full disk, by a deterministic stub (BPTT_CHECK_FAULT=enospc:<file>)', () => {
  it.each(['summary.csv', 'report.html', 'steps.png', '.bptt-check-manifest.json'])(
    'ENOSPC writing %s: exit 2 one line, the old --out byte-identical, no temp directory left',
    async (file) => {
      await refused(
        [...compare, '--seed', '7', '--out', 'o'],
        new RegExp(
          `^bptt-check: output directory "o" cannot be written \\(no space left on device, at ${file.replace(/\./g, '\\.')}\\), expected a writable location with room for the reports; what it held is untouched\\n$`,
        ),
        { BPTT_CHECK_FAULT: `enospc:${file}` },
      );
    },
  );

  it('ENOSPC writing the --junit file outside --out: exit 2, --out and the old JUnit file untouched', async () => {
    writeFileSync(join(base, 'j.xml'), '<old/>');
    await refused(
      [...compare, '--out', 'o', '--junit', 'j.xml'],
      /^bptt-check: output file "j.xml" cannot be written \(no space left on device\), expected a writable location\n$/,
      { BPTT_CHECK_FAULT: 'enospc:j.xml' },
    );
  });

  it.each([
    ['case --out', ['case', '--seed', '9', '--out', 'c.json'], 'c.json'],
    ['grads --out', ['grads', '--case', 'c.json', '--out', 'g.json'], 'g.json'],
  ])('ENOSPC writing the file of %s: exit 2, the old file intact, no temp file left', async (_name, args, file) => {
    await refused(
      args,
      new RegExp(
        `^bptt-check: output file "${file.replace('.', '\\.')}" cannot be written \\(no space left on device\\), expected a writable location\\n$`,
      ),
      { BPTT_CHECK_FAULT: `enospc:${file}` },
    );
  });
});
