/**
 * Bad input: a file, a field or an option that cannot be used. The CLI prints `message` on one line
 * and exits 2. Messages name the field, the value received and what was expected.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** A short, one-line rendering of a received value for error messages. */
export function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}
