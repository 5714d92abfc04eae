// Checking your own gradient code in your own test suite: one import adds the matcher.
//   import 'bptt-check/vitest'
//   await expect(myGradients(kase)).toMatchReferenceGradients(kase)
import 'bptt-check/vitest';
import { describe, expect, it } from 'vitest';
import { caseToFile, generateCase, GENERATE_DEFAULTS } from 'bptt-check';
import { gradients } from './my-bptt.mjs';
import { gradients as buggy } from './my-bptt-buggy.mjs';

const kase = caseToFile(
  generateCase({ ...GENERATE_DEFAULTS, bias: true, initialState: true, batch: 2, steps: 6, seed: 3 }),
);

describe('my BPTT', () => {
  it('matches the references', async () => {
    await expect(gradients(kase)).toMatchReferenceGradients(kase);
  });

  it('the buggy one does not, and the failure says why', async () => {
    const failure = await expect(buggy(kase))
      .toMatchReferenceGradients(kase)
      .then(
        () => null,
        (e: Error) => e.message,
      );
    expect(failure).toMatch(/expected the gradients to match the references/);
    expect(failure).toMatch(/W\s+16×16\s+yours vs tfjs-layers .* FAIL/); // the table
    expect(failure).toMatch(/diagnosis: W: missing-activation-derivative/);
  });
});
