/** planCheck: a subject is a value (a Side), refused once, by field, before anything runs. */
import { describe, expect, it } from 'vitest';
import { checkCase, planCheck } from '../../src/check/compare.js';
import { referenceSide } from '../../src/check/sides.js';
import { DEFAULT_TOLERANCE } from '../../src/check/metrics.js';
import { generateCase, GENERATE_DEFAULTS } from '../../src/model/generate.js';
import { InputError } from '../../src/model/errors.js';

const c = generateCase({ ...GENERATE_DEFAULTS, steps: 4, seed: 7 });

describe('planCheck', () => {
  it('refuses a subject named as one of the references: it would be compared with itself', () => {
    const plan = () =>
      planCheck(c, { references: ['tfjs-ops'], tolerance: DEFAULT_TOLERANCE, subject: referenceSide('tfjs-ops') });
    expect(plan).toThrow(InputError);
    expect(plan).toThrow(/`subject` is named "tfjs-ops", the name of a reference/);
  });

  it('takes any Side as the subject: tf.layers checked against the raw-ops model agrees to float32 rounding', async () => {
    const r = await checkCase(c, ['tfjs-ops'], DEFAULT_TOLERANCE, { subject: referenceSide('tfjs-layers') });
    expect(r.rows.every((row) => row.a === 'tfjs-layers' && row.r === 'tfjs-ops')).toBe(true);
    expect(r.pass).toBe(true);
    expect(Math.max(...r.rows.map((row) => row.relErrNorm))).toBeLessThan(1e-5);
  });
});
