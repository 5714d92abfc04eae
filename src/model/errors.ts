/**
 * Bad input: a file, a field or an option that cannot be used. The CLI prints `message` on one line
 * and exits 2. Messages name the field, the value received and what was expected.
 *
 * Library code names the fields of its own options, never command-line flags: an option field is written
 * with fieldName() (`hiddenSize`), and `field` says which option the error is about. The CLI shows each
 * such name as its flag (`--hidden-size`), through its one table of options (src/cli).
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  /** the option field the message is about (e.g. hiddenSize), when it is about one */
  readonly field?: string;
  constructor(message: string, field?: string) {
    super(message);
    if (field !== undefined) this.field = field;
  }
}

/**
 * An option field as a message names it: `hiddenSize`; a boolean field set to false: `!stepsDetail`. The CLI
 * rewrites it to the field's flag (`--hidden-size`, `--no-steps-detail`).
 */
export function fieldName(name: string, value?: false): string {
  return value === false ? `\`!${name}\`` : `\`${name}\``;
}

/** The option fields a message names (each written by fieldName), in order: the name, with `!` when set to false. */
export const FIELD_PATTERN = /`(!?[A-Za-z][A-Za-z0-9]*)`/g;

/**
 * Characters that never reach a terminal, a report or an XML document raw: C0 controls (ESC starts
 * every ANSI sequence), DEL, C1 (U+009B is an 8-bit CSI), the bidirectional overrides and isolates
 * (text that reads other than it is), the line and paragraph separators, U+FFFE/U+FFFF and lone
 * surrogates (both forbidden in XML 1.0).
 */
const UNSAFE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** UNSAFE less C0 and the surrogates, which JSON.stringify escapes itself (and C0 includes the layout's new lines). */
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffe\uffff]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const hex = (ch: string, width: number) => ch.charCodeAt(0).toString(16).padStart(width, '0');

/**
 * A user string as visible text on one line: each unsafe character is written as an escape,
 * `\n`, `\r`, `\t`, `\x1b` (C0, DEL, C1) or `\u{202e}` (the rest); everything else is kept.
 * `\e[31mred` reads `\x1b[31mred`, and no terminal colours, moves the cursor or starts a new line for it.
 */
export function visible(s: string): string {
  return s.replace(UNSAFE, (ch) => NAMED[ch] ?? (ch.charCodeAt(0) <= 0x9f ? `\\x${hex(ch, 2)}` : `\\u{${hex(ch, 4)}}`));
}

/**
 * JSON text with the unsafe characters JSON.stringify leaves raw (DEL, C1, the bidi controls, the
 * line separators, U+FFFE/U+FFFF) written as \uXXXX escapes: the same JSON value, safe on a terminal.
 * (JSON.stringify itself escapes C0 and lone surrogates.)
 */
export function jsonSafe(json: string): string {
  return json.replace(JSON_UNSAFE, (ch) => `\\u${hex(ch, 4)}`);
}

/** A short, one-line rendering of a received value for error messages. */
export function shown(value: unknown): string {
  if (typeof value === 'string') return jsonSafe(JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value));
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}
