/* eslint-disable no-control-regex -- the assertions look for raw control characters */
/**
 * Issue 14, item 5: no text can inject. A hostile case id (or path, or file content) reaches each format
 * escaped for it: Markdown, CSV, the terminal, JUnit XML, HTML and JSON; prototype keys are refused.
 * The renderers are tested on a report from PyTorch's fixture gradients (one entry broken, so the
 * failing table and the diagnosis carry the id), and the real command on the same hostile ids.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkGradients } from '../../src/api.js';
import type { CaseResult } from '../../src/check/compare.js';
import { buildReport, type Report } from '../../src/report/model.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderCompareHtml } from '../../src/report/html.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderCsv } from '../../src/report/csv.js';
import { reportJson } from '../../src/report/write.js';
import { renderConsole } from '../../src/report/console.js';
import { commandLine } from '../../src/cli/options.js';
import { csvText, mdText } from '../../src/report/escape.js';
import { InputError, shown, visible } from '../../src/model/errors.js';
import { parseJsonText } from '../../src/model/files.js';
import { cli } from '../helpers/cli.js';
import { fixturePath, fixtureGrads } from '../helpers/fixtures.js';

/** One hostile id per format, as the attack run used them. */
const MD_ID = 'x\n# Injected\n<img src=x onerror=alert(1)>[link](http://e)';
const CSV_ID = '=HYPERLINK("http://e","x")';
const ANSI_ID = '\x1b[31mred\x1b[0m';
const XML_ID = '</testcase><x>&amp;\x01\x0b\ufffe\ud800"\'';
const C1_ID = 'csi\u009b31m\u202etxt.exe';

const dir = mkdtempSync(join(tmpdir(), 'bptt-escaping-'));
const tolerance = { atol: 1e-4, rtol: 1e-3 };
const kase = JSON.parse(readFileSync(fixturePath('rnn-tanh.case.json'), 'utf8'));
let failing: CaseResult;

beforeAll(async () => {
  const g = fixtureGrads('rnn-tanh.grads.json');
  (g.gradients.W as number[][])[0]![0]! += 0.1; // PyTorch's gradients with one entry off: a failing case
  failing = await checkGradients(kase, g, { reference: 'ops', ...tolerance });
});

const reportWith = (id: string, command = 'bptt-check verify'): Report =>
  buildReport([{ ...failing, id }], {
    kind: 'verify',
    backend: 'cpu',
    tfjsVersion: 'x',
    command,
    tolerance,
    references: ['tfjs-ops'],
  });

/** Python's expat (strict, XML 1.0): throws on a document that is not well-formed. */
function pythonParsesXml(path: string): string {
  return execFileSync(
    'python3',
    [
      '-c',
      'import xml.dom.minidom,sys; d=xml.dom.minidom.parse(sys.argv[1]); print(len(d.getElementsByTagName("testcase")))',
      path,
    ],
    { encoding: 'utf8' },
  ).trim();
}

/** Python's csv module: the rows of a CSV file. */
function pythonCsvRows(path: string): string[][] {
  return JSON.parse(
    execFileSync(
      'python3',
      ['-c', 'import csv,json,sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline="")))))', path],
      { encoding: 'utf8' },
    ),
  );
}

/** A listing with the contents of every file under `root`, to show that nothing was written or touched. */
function snapshot(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((p) => (statSync(join(root, p)).isDirectory() ? `${p}/` : `${p}: ${readFileSync(join(root, p), 'utf8')}`));
}

/** The lines of a Markdown text outside its fenced code blocks (inside one, < and # are literal text). */
function prose(md: string): string {
  let inFence = false;
  return md
    .split('\n')
    .filter((l) => (/^```/.test(l) ? ((inFence = !inFence), false) : !inFence))
    .join('\n');
}

/** Every row of each Markdown table has as many unescaped | as its header; returns how many tables there are. */
function tablesKeepTheirCells(md: string): number {
  const pipes = (l: string) => l.replace(/\\./g, '').split('|').length;
  const tables = md
    .split(/\n(?!\|)/)
    .map((b) => b.split('\n').filter((l) => l.startsWith('|')))
    .filter((t) => t.length > 2);
  for (const t of tables) for (const l of t) expect(pipes(l), l).toBe(pipes(t[0]!));
  return tables.length;
}

describe('the escapes themselves', () => {
  it('visible writes every control, bidi and lone-surrogate character as an escape and keeps the rest', () => {
    expect(visible('a\nb\r\tc')).toBe('a\\nb\\r\\tc');
    expect(visible(ANSI_ID)).toBe('\\x1b[31mred\\x1b[0m');
    expect(visible('\x00\x7f\u009b')).toBe('\\x00\\x7f\\x9b');
    expect(visible('\u202e\u2028\ufffe\ud800')).toBe('\\u{202e}\\u{2028}\\u{fffe}\\u{d800}');
    expect(visible('ΔW ∂L/∂s 😀 ‖W‖₂')).toBe('ΔW ∂L/∂s 😀 ‖W‖₂');
  });

  it('shown quotes a string value with C1 and bidi controls as \\u escapes, which JSON.stringify leaves raw', () => {
    expect(shown('a\u009bb\u202e')).toBe('"a\\u009bb\\u202e"');
    expect(JSON.parse(shown('a\u009bb\u202e'))).toBe('a\u009bb\u202e');
  });

  it('mdText escapes every character that opens Markdown structure, and www. and http: autolinks', () => {
    expect(mdText('<img>[a](b) *x* _y_ `z` #h |p| &amp; $m$ ~s~ !i')).toBe(
      '\\<img\\>\\[a\\]\\(b\\) \\*x\\* \\_y\\_ \\`z\\` \\#h \\|p\\| \\&amp; \\$m\\$ \\~s\\~ \\!i',
    );
    expect(mdText('www.e.com http://e a@b')).toBe('www\\.e.com http\\://e a\\@b');
    expect(mdText(MD_ID)).not.toContain('\n');
  });

  it("csvText prefixes a user string that starts with = + - @ tab or CR with ', and leaves others alone", () => {
    for (const s of ['=1+1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1']) expect(csvText(s).startsWith("'"), s).toBe(true);
    expect(csvText('rnn-tanh')).toBe('rnn-tanh');
    expect(csvText('a=b')).toBe('a=b');
  });

  it("the reproduce command quotes a control character in bash $'…' quoting, which bash reads back as the same argument", () => {
    const args = ['compare', '--id', MD_ID, '--out', `R\x1b[31m'q\\`];
    const line = commandLine(args);
    expect(line).not.toMatch(/[\n\x1b]/);
    // bash itself reads the line: printf prints each argument it was given, NUL-separated
    const echoed = execFileSync('bash', ['-c', `printf '%s\\0' ${line.replace(/^bptt-check /, '')}`], {
      encoding: 'utf8',
    });
    expect(echoed.split('\0').slice(0, -1)).toEqual(args);
  });
});

describe('the renderers escape the case id for their format', () => {
  it('Markdown: no line of report.md starts a heading, raw HTML or a link from the id, and a table row keeps its cells', () => {
    const md = renderMarkdown(reportWith(MD_ID, commandLine(['verify', '--id', MD_ID])));
    expect(md.split('\n').filter((l) => /^#+\s*Injected/.test(l))).toEqual([]);
    // outside the reproduce block (one line of bash, in a fence), the id's # is escaped wherever it appears
    expect(
      md
        .split('\n')
        .filter(
          (l) => l.includes('Injected') && !l.includes('\\# Injected') && !l.startsWith('bptt-check verify --id $'),
        ),
    ).toEqual([]);
    expect(prose(md)).not.toMatch(/(^|[^\\])<img/m);
    expect(md).not.toMatch(/(^|[^\\])\[link(^|[^\\])\]/);
    expect(md).toContain('x\\\\n\\# Injected\\\\n\\<img src=x onerror=alert\\(1\\)\\>\\[link\\]\\(http\\://e\\)');
    expect(tablesKeepTheirCells(md)).toBeGreaterThan(1);
    expect(md.split('\n').some((l) => l.startsWith('| ') && l.includes('Injected'))).toBe(true);
  });

  it('Markdown: the pairs line quotes the error of a case that did not complete with its HTML, links and cells escaped', () => {
    const error = 'case file "<img src=x onerror=alert(1)>[l](http://e)|*b*.json" cannot be read';
    const r = buildReport([{ ...failing, id: 'c', error }], {
      kind: 'sweep',
      backend: 'cpu',
      tfjsVersion: 'x',
      command: 'bptt-check sweep',
      tolerance,
      references: ['tfjs-ops'],
    });
    const pairs = renderMarkdown(r)
      .split('\n')
      .find((l) => l.startsWith('**Pairs:**'))!;
    expect(pairs).toBe(
      '**Pairs:** the case did not complete: case file "\\<img src=x onerror=alert(1)\\>\\[l\\](http\\://e)\\|\\*b\\*.json" cannot be read.',
    );
  });

  it('Markdown: an id with backticks, pipes and backslashes stays in its one table cell', () => {
    const id = 'a\\|b`|`c\\';
    const md = renderMarkdown(reportWith(id));
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && l.includes('a\\\\'));
    expect(rows.length).toBeGreaterThan(0);
    // unescaped pipes: the ones not preceded by an odd run of backslashes
    const cells = (l: string) => l.split(/(?<!(?:^|[^\\])(?:\\\\)*\\)\|/).length;
    const header = md.split('\n').find((l) => l.startsWith('| case |'))!;
    for (const r of rows) expect(cells(r), r).toBe(cells(header));
  });

  it('CSV: the formula id starts with a quote, no cell starts with =, and negative numbers stay numbers', () => {
    const path = join(dir, 'unit.csv');
    writeFileSync(path, renderCsv(reportWith(CSV_ID)));
    const [header, ...rows] = pythonCsvRows(path);
    expect(rows.length).toBeGreaterThan(3);
    for (const r of rows) {
      expect(r[0]).toBe(`'${CSV_ID}`);
      expect(r.filter((cell) => /^[=+@]/.test(cell))).toEqual([]);
    }
    const worstA = header!.indexOf('worstA');
    const negatives = rows.map((r) => r[worstA]!).filter((v) => v.startsWith('-'));
    expect(negatives.length).toBeGreaterThan(0);
    for (const v of negatives) expect(Number.isFinite(Number(v)), v).toBe(true);
  });

  it('CSV: an id with a new line is one record on one line', () => {
    const csv = renderCsv(reportWith(MD_ID));
    expect(csv.split('\n').filter((l) => l.startsWith('# Injected'))).toEqual([]);
  });

  it('JUnit: the XML is well-formed with any id, and the id reads back as its visible text', () => {
    const xml = renderJunit(reportWith(XML_ID));
    expect(XMLValidator.validate(xml)).toBe(true);
    const path = join(dir, 'unit.xml');
    writeFileSync(path, xml);
    expect(Number(pythonParsesXml(path))).toBeGreaterThan(0);
    const doc = new XMLParser({ ignoreAttributes: false }).parse(xml);
    expect(doc.testsuites.testsuite['@_name']).toBe(visible(XML_ID));
    expect(xml).not.toContain('<x>');
  });

  it('HTML: the id is entity-escaped in the page, with no raw tag and no control character', () => {
    const html = renderCompareHtml(reportWith(`${MD_ID}"'${ANSI_ID}`), []);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('\x1b');
    expect(html).toContain('x\\n# Injected\\n&lt;img');
  });

  it('the console: no ESC or C1 character from the id, and the id on the title line', () => {
    const out = renderConsole(reportWith(`${ANSI_ID}${C1_ID}`), [`${dir}/R\x1b[2J/report.md`]);
    expect(out).not.toMatch(/[\x1b\u009b\u202e]/);
    expect(out).toContain('\\x1b[31mred\\x1b[0mcsi\\x9b31m\\u{202e}txt.exe: rnn/tanh');
    expect(out).toContain('R\\x1b[2J/report.md');
  });

  it("the console of a sweep: the case's one-line summary and its failing table carry no ESC or C1 from the id", () => {
    const r = buildReport([{ ...failing, id: `${ANSI_ID}\n${C1_ID}` }], {
      kind: 'sweep',
      backend: 'cpu',
      tfjsVersion: 'x',
      command: 'bptt-check sweep',
      tolerance,
      references: ['tfjs-ops'],
    });
    const out = renderConsole(r, []);
    expect(out).not.toMatch(/[\x1b\u009b\u202e]/);
    expect(out.split('\n').filter((l) => l.startsWith('FAIL  '))).toEqual([
      'FAIL  \\x1b[31mred\\x1b[0m\\ncsi\\x9b31m\\u{202e}txt.exe  (worst relErrNorm 8.7e-2, 1 failing: W yours vs tfjs-ops)',
    ]);
  });

  it('JSON: report.json keeps the exact id and writes C1 and bidi controls as \\u escapes', () => {
    const json = reportJson(reportWith(`${C1_ID}${ANSI_ID}`));
    expect(json).not.toMatch(/[\x1b\u009b\u202e]/);
    expect(JSON.parse(json).cases[0].id).toBe(`${C1_ID}${ANSI_ID}`);
  });
});

describe('the real command escapes a hostile --id in every report', () => {
  it('compare: report.md, summary.csv, report.html, the JUnit file, the console and report.json', async () => {
    const out = join(dir, 'compare');
    const junit = join(dir, 'compare.xml');
    const ids = { md: MD_ID, csv: CSV_ID, ansi: ANSI_ID, xml: XML_ID.replace('\ud800', '') };
    for (const [name, id] of Object.entries(ids)) {
      const run = await cli(
        [
          'compare',
          '--steps',
          '4',
          '--hidden-size',
          '4',
          '--reference',
          'ops',
          '--id',
          id,
          '--out',
          `${out}-${name}`,
          '--junit',
          `${junit}-${name}`,
        ],
        dir,
      );
      expect(run.code, run.stderr).toBe(0);
      const file = (f: string) => readFileSync(join(`${out}-${name}`, f), 'utf8');
      expect(run.stdout + run.stderr).not.toMatch(/[\x1b\u009b]/);
      expect(JSON.parse(file('report.json')).cases[0].id).toBe(id);
      expect(
        file('report.md')
          .split('\n')
          .filter((l) => /^#+\s*Injected/.test(l)),
      ).toEqual([]);
      expect(prose(file('report.md'))).not.toMatch(/(^|[^\\])<img/m);
      expect(prose(file('report.md'))).not.toContain('Injected\n');
      expect(file('report.md')).not.toContain('\x1b');
      expect(file('report.html')).not.toMatch(/<img|<x>|\x1b/);
      const rows = pythonCsvRows(join(`${out}-${name}`, 'summary.csv')).slice(1);
      for (const r of rows)
        expect(
          r.filter((cell) => /^[=+@]/.test(cell)),
          r.join(','),
        ).toEqual([]);
      expect(Number(pythonParsesXml(`${junit}-${name}`))).toBeGreaterThan(0);
    }
    const csv = pythonCsvRows(join(`${out}-csv`, 'summary.csv'));
    expect(csv[1]![0]).toBe(`'${CSV_ID}`);
    // the reproduce command in report.md is one line, and bash reads it back as the same --id
    const md = readFileSync(join(`${out}-md`, 'report.md'), 'utf8');
    const repro = md.split('\n').find((l) => l.startsWith('bptt-check compare'))!;
    expect(repro).toContain("--id $'x\\n# Injected\\n<img");
  }, 60_000);

  it('verify: a case file whose id is hostile, failing, keeps the failing table and the diagnosis line free of structure', async () => {
    const caseFile = join(dir, 'hostile.case.json');
    const grads = join(dir, 'broken.grads.json');
    writeFileSync(caseFile, JSON.stringify({ ...kase, id: `${MD_ID}|${ANSI_ID}` }));
    const g = fixtureGrads('rnn-tanh.grads.json');
    (g.gradients.W as number[][])[0]![0]! += 0.1;
    writeFileSync(grads, JSON.stringify(g));
    const run = await cli(
      ['verify', '--case', caseFile, '--grads', grads, '--reference', 'ops', '--out', join(dir, 'verify')],
      dir,
    );
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).not.toContain('\x1b');
    expect(run.stdout).toContain('x\\n# Injected\\n<img src=x onerror=alert(1)>[link](http://e)|\\x1b[31mred');
    const md = readFileSync(join(dir, 'verify', 'report.md'), 'utf8');
    expect(md).toContain('## Failing comparisons');
    expect(md.split('\n').filter((l) => /^#+\s*Injected/.test(l))).toEqual([]);
    expect(tablesKeepTheirCells(md)).toBeGreaterThan(1);
  }, 60_000);

  it("vanishing: a case file's hostile id is escaped in its report.md and HTML and kept exact in report.json", async () => {
    const caseFile = join(dir, 'vanishing.case.json');
    writeFileSync(caseFile, JSON.stringify({ ...kase, id: `${MD_ID}${ANSI_ID}` }));
    const out = join(dir, 'vanishing');
    const run = await cli(['vanishing', '--case', caseFile, '--out', out], dir);
    expect(run.code, run.stderr).toBe(0);
    const file = (f: string) => readFileSync(join(out, f), 'utf8');
    expect(run.stdout + run.stderr + file('report.md') + file('report.html')).not.toContain('\x1b');
    expect(
      file('report.md')
        .split('\n')
        .filter((l) => /^#+\s*Injected/.test(l)),
    ).toEqual([]);
    expect(prose(file('report.md'))).not.toMatch(/(^|[^\\])<img/m);
    expect(file('report.html')).not.toContain('<img');
    expect(JSON.parse(file('report.json')).caseId).toBe(`${MD_ID}${ANSI_ID}`);
  }, 60_000);

  it('suite: a hostile --out path reaches neither the terminal nor report.md raw', async () => {
    const out = join(dir, 'suite\x1b[2J\nrm -rf');
    const run = await cli(['suite', '--reference', 'ops', '--out', out, '--junit', join(dir, 'suite.xml')], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout + run.stderr).not.toContain('\x1b');
    expect(run.stdout).toContain('suite\\x1b[2J\\nrm -rf/report.md');
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md.split('\n').filter((l) => l.startsWith('rm -rf'))).toEqual([]);
    expect(md).toContain("--out $'");
    expect(Number(pythonParsesXml(join(dir, 'suite.xml')))).toBeGreaterThan(50);
  }, 180_000);
});

describe('file contents quoted in errors never reach the terminal raw', () => {
  it('a binary file as --case is exit 2 with one line, its bytes as escapes, and --out untouched', async () => {
    const bin = join(dir, 'binary.json');
    writeFileSync(
      bin,
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x1b, 0x5b, 0x32, 0x4a, 0x00, 0x9b, 0x0a, 0x41]),
    );
    const out = join(dir, 'kept');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'mine.txt'), 'the user’s file');
    const before = snapshot(out);
    const run = await cli(['compare', '--case', bin, '--out', out], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^bptt-check: case file .* is not valid JSON/);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f\u0080-\u009f]/);
    expect(run.stderr).toContain('\\x7f');
    expect(snapshot(out)).toEqual(before);
  });

  it('an unknown tensor name with an escape sequence in a gradients file is quoted visibly', async () => {
    const caseFile = join(dir, 'plain.case.json');
    writeFileSync(caseFile, JSON.stringify(kase));
    const grads = join(dir, 'named.grads.json');
    const g = fixtureGrads('rnn-tanh.grads.json');
    writeFileSync(grads, JSON.stringify({ ...g, gradients: { ...g.gradients, [ANSI_ID]: [1] } }));
    const run = await cli(
      ['verify', '--case', caseFile, '--grads', grads, '--reference', 'ops', '--out', join(dir, 'never')],
      dir,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).not.toContain('\x1b');
    expect(run.stderr).toContain('gradients.\\x1b[31mred\\x1b[0m is not a tensor of this case');
  });
});

describe('__proto__, constructor and prototype keys are refused, naming the field', () => {
  it('parseJsonText refuses them at any depth and names the path', () => {
    const refused = (text: string) => {
      try {
        parseJsonText(text, 'f.json');
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(refused('{"params": {"__proto__": {"W": 1}}}')).toBe(
      'f.json: params.__proto__ is a forbidden key, expected field names other than __proto__, constructor and prototype',
    );
    expect(refused('{"cases": [{}, {"a": {"constructor": 1}}]}')).toContain(
      'cases[1].a.constructor is a forbidden key',
    );
    expect(refused('{"prototype": NaN}')).toContain('f.json: prototype is a forbidden key');
    expect(refused('{"params": {"W": [[1]]}, "id": "__proto__"}')).toBe('accepted');
  });

  it.each([
    [
      'case file, params.__proto__',
      'case',
      (c: Record<string, any>) => ({
        ...c,
        params: JSON.parse(`{"__proto__": {"x": 1}, ${JSON.stringify(c.params).slice(1)}`),
      }),
      'params.__proto__',
    ],
    [
      'case file, model.constructor',
      'case',
      (c: Record<string, any>) => ({ ...c, model: { ...c.model, constructor: 1 } }),
      'model.constructor',
    ],
    [
      'gradients file, gradients.__proto__',
      'grads',
      (g: Record<string, any>) => ({
        ...g,
        gradients: JSON.parse(`{"__proto__": [1], ${JSON.stringify(g.gradients).slice(1)}`),
      }),
      'gradients.__proto__',
    ],
  ])('%s is exit 2 naming the field, with --out untouched', async (_name, which, hostile, field) => {
    const caseFile = join(dir, `proto-${field}.case.json`);
    const grads = join(dir, `proto-${field}.grads.json`);
    const g = fixtureGrads('rnn-tanh.grads.json');
    writeFileSync(caseFile, JSON.stringify(which === 'case' ? hostile(kase) : kase));
    writeFileSync(grads, JSON.stringify(which === 'grads' ? hostile(g) : g));
    const out = join(dir, `proto-out-${field}`);
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'mine.txt'), 'kept');
    const before = snapshot(out);
    const run = await cli(['verify', '--case', caseFile, '--grads', grads, '--reference', 'ops', '--out', out], dir);
    expect(run.code, run.stdout).toBe(2);
    expect(run.stderr).toContain(`${field} is a forbidden key`);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(snapshot(out)).toEqual(before);
  });

  it('a matrix file with a __proto__ key is exit 2 before any case runs', async () => {
    const matrix = join(dir, 'proto.matrix.json');
    writeFileSync(matrix, '{"schemaVersion": 1, "generate": {"__proto__": {"hiddenSize": [4]}, "seeds": [1]}}');
    const run = await cli(['sweep', '--matrix', matrix, '--workers', '1', '--out', join(dir, 'never-sweep')], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('generate.__proto__ is a forbidden key');
  });
});
