/**
 * The library reads gradients and cases in a user's conventions: checkGradients on a real torch.nn model as
 * PyTorch's fixture holds it (its names, layouts, two biases, mean loss), and checkSubject on numpy code written
 * as cs231n's rnn_layers.py is (examples/python/conventions/), handed the case in its own names. Expected values:
 * PyTorch float64 autograd (the fixture), and the references.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkGradients, checkSubject } from '../../src/api.js';
import { caseToFile } from '../../src/model/case.js';
import { GENERATE_DEFAULTS, generateCase } from '../../src/model/generate.js';
import type { CaseFile } from '../../src/model/case.js';
import type { UserGradients } from '../../src/runs/user-module.js';
import { findPython } from '../helpers/python.js';

const path = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const fixture = JSON.parse(readFileSync(path('test/fixtures/frameworks/pytorch-lstm-masked-lengths.json'), 'utf8'));
const python = findPython();

describe('the library in a user’s conventions', () => {
  it('checkGradients takes a torch.nn fixture as it is, with conventions pytorch', async () => {
    const r = await checkGradients(fixture as CaseFile, fixture as UserGradients, { conventions: 'pytorch' });
    expect(r.pass).toBe(true);
    expect(r.conventions).toMatch(/^pytorch/);
    // both biases compared, against the references and against float64 finite differences
    expect(r.rows.filter((x) => x.tensor === 'b_f~hh' && x.a === 'yours').length).toBeGreaterThan(0);
    expect(r.rows.some((x) => x.a === 'yours' && x.r === 'fd' && x.pass)).toBe(true);
  });

  it('checkGradients without conventions refuses PyTorch’s names, naming the preset', async () => {
    await expect(checkGradients(fixture as CaseFile, fixture as UserGradients)).rejects.toThrow(
      /PyTorch's names .*pytorch/,
    );
  });

  it('checkGradients with the mean declared as a sum fails on every gradient', async () => {
    const r = await checkGradients(fixture as CaseFile, fixture as UserGradients, {
      conventions: { preset: 'pytorch', reduction: 'sum' },
      reference: 'ops',
    });
    expect(r.pass).toBe(false);
    expect(r.rows.filter((x) => x.tensor === 'U_i' && !x.pass).length).toBeGreaterThan(0);
  });

  it.skipIf(!python)('checkSubject hands cs231n-style numpy code the case in its names, and passes', async () => {
    const kase = caseToFile(
      generateCase({
        ...GENERATE_DEFAULTS,
        cell: 'lstm',
        recurrentActivation: 'sigmoid',
        bias: true,
        inputSize: 5,
        hiddenSize: 4,
        batch: 3,
        steps: 5,
        initialState: true,
        seed: 2,
      }),
    );
    const command = `${python} ${path('examples/python/conventions/cs231n_lstm.py')}`;
    const r = await checkSubject({ command }, kase, { conventions: 'cs231n', reference: 'ops' });
    expect(r.pass).toBe(true);
    expect(r.conventions).toMatch(/^cs231n/);
    // without them the code is handed our names (U_i, …), which it does not read
    await expect(checkSubject({ command }, kase, { reference: 'ops' })).rejects.toThrow(/KeyError: 'Wx'/);
  });
});
