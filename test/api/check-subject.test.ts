/**
 * The library's checkSubject and the toMatchReferenceGradientsOn matcher: your code (a function, a module, a
 * command) checked on a case or on the default suite, told the variant. The subjects are the student's
 * modules of examples/ and test/modules/ (written as a student would), never the code under test.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import '../../src/vitest.js';
import { checkSubject } from '../../src/api.js';
import { caseToFile } from '../../src/model/case.js';
import { GENERATE_DEFAULTS, generateCase } from '../../src/model/generate.js';
import type { GradientsFunction } from '../../src/runs/user-module.js';

const path = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const load = async (p: string) => ((await import(path(p))) as { gradients: GradientsFunction }).gradients;
const kase = caseToFile(
  generateCase({
    ...GENERATE_DEFAULTS,
    hiddenSize: 6,
    inputSize: 4,
    bias: true,
    initialState: true,
    batch: 2,
    steps: 6,
    seed: 3,
  }),
);

describe('checkSubject', () => {
  it('checks a function on a case against both references and float64 finite differences', async () => {
    const r = await checkSubject(await load('examples/my-bptt.mjs'), kase);
    expect(r.pass).toBe(true);
    expect(new Set(r.rows.map((x) => `${x.a} vs ${x.r}`))).toEqual(
      new Set([
        'yours vs tfjs-layers',
        'yours vs tfjs-ops',
        'tfjs-layers vs tfjs-ops',
        'yours vs fd',
        'tfjs-layers vs fd',
        'tfjs-ops vs fd',
      ]),
    );
  });

  it('tells the function the whole variant, and compares what it returns as given', async () => {
    const told: unknown[] = [];
    const correct = await load('examples/my-bptt.mjs');
    const spy: GradientsFunction = (c, o) => (told.push(o), correct(c, o));
    // the example clips (--clip-value): it passes; a student who never clips fails
    expect((await checkSubject(spy, kase, { clipValue: 0.05 })).pass).toBe(true);
    expect(told).toEqual([{ clipValue: 0.05 }]);
    expect((await checkSubject(await load('test/modules/ignores-clip.mjs'), kase, { clipValue: 0.05 })).pass).toBe(
      false,
    );
    // full BPTT told truncate 2 is compared as given, and is not the truncated gradient the references compute
    const r = await checkSubject(spy, kase, { truncate: 2 });
    expect(told[1]).toEqual({ truncate: 2 });
    expect(r.pass).toBe(false);
    expect(r.rows.some((x) => x.r === 'fd')).toBe(false); // fd measures the full gradient: left out with truncation
  });

  it('runs a module in a process of its own; the buggy example fails with its diagnosis', async () => {
    const r = await checkSubject({ module: path('examples/my-bptt-buggy.mjs') }, kase, { reference: 'ops' });
    expect(r.pass).toBe(false);
    expect(r.diagnosis?.map((d) => d.pattern)).toContain('missing-activation-derivative');
  });

  it('refuses what is not a subject', async () => {
    await expect(checkSubject({ script: 'x' } as never, kase)).rejects.toThrow(
      'subject is an object, expected a function, { module: path } or { command: text }',
    );
  });
});

describe('toMatchReferenceGradientsOn', () => {
  it('passes the example on a case, and fails the buggy one with the failing rows and the diagnosis', async () => {
    await expect(await load('examples/my-bptt.mjs')).toMatchReferenceGradientsOn(kase);
    const failure = await expect(await load('examples/my-bptt-buggy.mjs'))
      .toMatchReferenceGradientsOn(kase, { reference: 'ops' })
      .then(
        () => null,
        (e: Error) => e.message,
      );
    expect(failure).toMatch(/expected your code to match the references: 1 of 1 case disagree/);
    expect(failure).toMatch(/W\s+6×6\s+yours vs tfjs-ops .* FAIL/);
    expect(failure).toMatch(/diagnosis: W: missing-activation-derivative/);
  });

  it('runs a module on the default suite, its gated cases not run with cells', async () => {
    await expect({ module: path('examples/my-bptt.mjs') }).toMatchReferenceGradientsOn('suite', {
      cells: ['rnn'],
      reference: 'ops',
    });
    const results = await checkSubject(await load('examples/my-bptt.mjs'), 'suite', {
      cells: ['rnn'],
      reference: 'ops',
    });
    expect(results).toHaveLength(56);
    expect(results.filter((r) => r.notRun !== undefined).map((r) => r.config.cell)).toEqual([
      ...Array(4).fill('lstm'),
      ...Array(4).fill('gru'),
    ]);
    expect(results.every((r) => r.pass)).toBe(true);
  }, 900_000);
});
