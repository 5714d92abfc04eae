/** The parsers of option values: each gets the flag it parses (for its one-line error) and the text given. */
import type { FdMode } from '../fd/oracle.js';
import { InputError, shown } from '../model/errors.js';
import { MAX_FD_PERTURBATIONS } from '../model/limits.js';

/**
 * An integer option's value, at most `max` (default Number.MAX_SAFE_INTEGER: beyond it, digits are lost).
 * `what` names the cap in the message, e.g. "the cap on H".
 */
function boundedInteger(flag: string, v: string, min: number, max: number, what: string, expected: string): number {
  if (!/^\s*-?\d+\s*$/.test(v)) throw new InputError(`${flag} is ${shown(v)}, expected ${expected}`);
  const n = Number(v);
  if (n < min) throw new InputError(`${flag} is ${shown(v)}, expected ${expected}`);
  if (!Number.isSafeInteger(n) || n > max)
    throw new InputError(`${flag} is ${shown(v.trim())}, expected an integer ≤ ${max} (${what})`);
  return n;
}

const SAFE = 'the largest integer a float64 holds exactly';

export function integer(flag: string, max = Number.MAX_SAFE_INTEGER, what = SAFE) {
  return (v: string): number => boundedInteger(flag, v, -Number.MAX_SAFE_INTEGER, max, what, 'an integer');
}

export function nonNegativeInteger(flag: string, max = Number.MAX_SAFE_INTEGER, what = SAFE) {
  return (v: string): number => boundedInteger(flag, v, 0, max, what, 'an integer ≥ 0');
}

export function positiveInteger(flag: string, max = Number.MAX_SAFE_INTEGER, what = SAFE) {
  return (v: string): number => boundedInteger(flag, v, 1, max, what, 'a positive integer');
}

/** A comma-separated list of integers, e.g. 7,4,5 (their range is the library's to check: GenerateOptions.lengths). */
export function integerList(flag: string) {
  return (v: string): number[] => {
    const parts = v.split(',');
    if (parts.some((p) => !/^\s*\d+\s*$/.test(p)))
      throw new InputError(`${flag} is ${shown(v)}, expected comma-separated integers, e.g. 7,4,5`);
    return parts.map(Number);
  };
}

/** A parser for a numeric option: finite, and passing ok, else a one-line error naming the flag. */
function numberOption(flag: string, ok: (n: number) => boolean, expected: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || !ok(n))
      throw new InputError(`${flag} is ${shown(v)}, expected ${expected}`);
    return n;
  };
}

export const positiveNumber = (flag: string) => numberOption(flag, (n) => n > 0, 'a positive number');
export const nonNegativeNumber = (flag: string) => numberOption(flag, (n) => n >= 0, 'a number ≥ 0');
export const finiteNumber = (flag: string) => numberOption(flag, () => true, 'a finite number');

export function oneOf<T extends string>(flag: string, values: readonly T[]) {
  return (v: string): T => {
    if (!(values as readonly string[]).includes(v))
      throw new InputError(`${flag} is ${shown(v)}, expected one of ${values.join('|')}`);
    return v as T;
  };
}

/** A file or directory path: an empty one (an unset shell variable) is refused, not taken as the current directory. */
export function path(flag: string, what: string) {
  return (v: string): string => {
    if (v.trim() === '') throw new InputError(`${flag} is ${shown(v)}, expected ${what} (an unset shell variable?)`);
    return v;
  };
}

/** `--fd full`, `--fd sample N`, `--fd fast [k]` (k random directions per tensor, default 2). */
export function parseFd(words: string[] | undefined): FdMode | undefined {
  if (!words) return undefined;
  const [kind, n, ...rest] = words;
  const bad = (expected: string) => new InputError(`--fd is ${shown(words.join(' '))}, expected ${expected}`);
  if (rest.length) throw bad('full, sample N or fast [k]');
  if (kind === 'full' && n === undefined) return { kind: 'full' };
  if (kind === 'sample') {
    if (n === undefined || !/^\d+$/.test(n) || Number(n) === 0) throw bad('sample N with N a positive integer');
    if (Number(n) > MAX_FD_PERTURBATIONS)
      throw bad(`sample N with N ≤ ${MAX_FD_PERTURBATIONS} (the cap on fd perturbations)`);
    return { kind: 'sample', n: Number(n) };
  }
  if (kind === 'fast') {
    if (n !== undefined && (!/^\d+$/.test(n) || Number(n) === 0)) throw bad('fast [k] with k a positive integer');
    if (Number(n) > MAX_FD_PERTURBATIONS)
      throw bad(`fast [k] with k ≤ ${MAX_FD_PERTURBATIONS} (the cap on fd perturbations)`);
    return { kind: 'fast', k: n === undefined ? 2 : Number(n) };
  }
  throw bad('full, sample N or fast [k]');
}
