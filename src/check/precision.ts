/**
 * The precision of the side under test: float32 or float64. It decides which tolerance holds the
 * subject's pair against the float64 finite differences (a float32 subject cannot agree with them to
 * float64 tolerances however right it is).
 *
 * Detection rule, when neither --dtype nor the gradients file's `dtype` says it: float32 when every finite
 * gradient value is a float32, exactly (Math.fround(x) === x) or written in decimal with at most 9 significant
 * digits (what `%.9g` or the shortest round-trip digits of a float32 give; float32Form), and at least
 * MIN_INFORMATIVE of them are informative: an exact significand of more than SHORT_BITS bits, or more than
 * SHORT_DIGITS written digits. A float64 result of real data is a float32 by chance with probability 2⁻²⁹ per
 * value, so a few informative values settle it; zeros, small integers and short fractions (0.5, 0.375, 0.1)
 * are float32 in either precision and say nothing. A float64 result printed with 7 digits or fewer is
 * detected as float32, rightly: its numbers carry no more than float32 precision. With
 * too few informative values the subject is held to float64, and the note says so. The loss is left out:
 * a float32 implementation often sums its loss in a float64 accumulator.
 */
import { fieldName } from '../model/errors.js';
import type { Dtype, Gradients } from '../model/gradients.js';

export { DTYPES, type Dtype } from '../model/gradients.js';

export const MIN_INFORMATIVE = 8;
const SHORT_BITS = 12;

const view = new DataView(new ArrayBuffer(8));

/** Bits of the float64 significand after the leading 1 that are in use (52 minus trailing zeros). */
export function significandBits(x: number): number {
  view.setFloat64(0, x);
  const hi = view.getUint32(0) & 0xfffff; // the top 20 of the 52 fraction bits
  const lo = view.getUint32(4);
  if (lo !== 0) return 52 - Math.min(31, Math.clz32(lo & -lo) ^ 31);
  if (hi !== 0) return 20 - (Math.clz32(hi & -hi) ^ 31);
  return 0;
}

export interface DtypeDetection {
  dtype: Dtype;
  /** the finite values that are not exactly float32 (0 for a float32 result) */
  notFloat32: number;
  /** the finite values whose significand is longer than SHORT_BITS */
  informative: number;
  count: number;
}

/**
 * How a value carries a float32: exactly (Math.fround(x) === x), or as a float32 written in decimal with p ≤ 9
 * significant digits (numpy's `%.9g`, or the shortest digits that read back as that float32: then x is the
 * decimal, not the float32 itself); null for a value no float32 gives. Returns the significant bits of an exact
 * value or the digits of a written one, so that the caller can tell informative values from short ones.
 */
export function float32Form(x: number): { exact: true; bits: number } | { exact: false; digits: number } | null {
  const f = Math.fround(x);
  if (f === x) return { exact: true, bits: significandBits(x) };
  if (!Number.isFinite(f)) return null;
  // a decimal of p ≤ 9 digits reads back from its own 9 digits: one test turns away a float64 result (most values)
  if (Number(x.toPrecision(9)) !== x) return null;
  for (let p = 1; p <= 9; p++) if (Number(f.toPrecision(p)) === x) return { exact: false, digits: p };
  return null;
}

/** Significant decimal digits that a written value needs before it says more than a short fraction does. */
const SHORT_DIGITS = 4;

export function detectDtype(g: Gradients): DtypeDetection {
  let notFloat32 = 0;
  let informative = 0;
  let count = 0;
  for (const m of Object.values(g.tensors))
    for (const x of m.data) {
      if (!Number.isFinite(x)) continue;
      count++;
      const form = float32Form(x);
      if (!form) notFloat32++;
      else if (x !== 0 && (form.exact ? form.bits > SHORT_BITS : form.digits > SHORT_DIGITS)) informative++;
    }
  return {
    dtype: notFloat32 === 0 && informative >= MIN_INFORMATIVE ? 'float32' : 'float64',
    notFloat32,
    informative,
    count,
  };
}

/** The one line that says which precision the subject was held to, and why. */
export function dtypeNote(d: DtypeDetection): string {
  if (d.dtype === 'float32')
    return `float32 detected: every one of the ${d.count} gradient values is a float32 (exactly, or written with at most 9 significant digits), so yours is held to the float32 tolerances against fd too (${fieldName('dtype')} float64 to hold it to float64)`;
  if (d.count === 0) return 'float64 assumed: no gradient value is finite, so none tells the precision';
  if (d.notFloat32 > 0)
    return `float64 detected: ${d.notFloat32} of the ${d.count} gradient values are not float32 numbers, exactly or written with at most 9 digits`;
  return `float64 assumed: every gradient value is a float32 number, but only ${d.informative} of ${d.count} carry more than ${SHORT_BITS} significant bits (at least ${MIN_INFORMATIVE} are needed to tell); ${fieldName('dtype')} float32 if yours computes in float32`;
}

/** The precision of user code: --dtype, else its gradients' own `dtype` field, else detected; a note says which. */
export function subjectDtype(
  g: Gradients,
  flag: Dtype | undefined,
  notes: string[],
): { dtype: Dtype; source: 'given' | 'detected' } {
  const given = flag ?? g.dtype;
  if (given) {
    notes.push(
      `yours is held to ${given} tolerances (${flag ? fieldName('dtype') : 'the dtype field of its gradients'} ${given})`,
    );
    return { dtype: given, source: 'given' };
  }
  const d = detectDtype(g);
  notes.push(dtypeNote(d));
  return { dtype: d.dtype, source: 'detected' };
}
