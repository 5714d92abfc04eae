/**
 * The command line's options, built from the one table (table.ts), and the library's messages said in flags:
 * a message names option fields (`hiddenSize`, written by fieldName in model/errors.ts), the command line
 * shows each field of the table as its flag (--hidden-size).
 */
import { Command, Option } from 'commander';
import { FIELD_PATTERN } from '../model/errors.js';
import type { CliOptions, Field, Spec } from './cli-options.js';
import { flagOf, OPTIONS, optionOf } from './table.js';

export { flagOf };

/** A library message as the command line says it: every `field` of the table shown as its flag, `!field` as its --no- form. */
export function withFlags(message: string): string {
  return message.replace(FIELD_PATTERN, (token, name: string) => {
    const field = optionOf(name.replace(/^!/, ''));
    if (!field) return token; // a backticked word that is no option (a user's string) is left as it is
    return name.startsWith('!') ? `--no-${flagOf(field).slice(2)}` : flagOf(field);
  });
}

/** How a command says an option differently from the table. */
export type Overrides<K extends Field> = { [P in K]?: Partial<Spec<NonNullable<CliOptions[P]>>> };

/** A command's parsed options, by field. */
export type Values<K extends readonly Field[]> = Pick<CliOptions, K[number]>;

/** commander's key of a flag's value: --out → out, --hidden-size → hiddenSize. */
const attribute = (flag: string) => flag.slice(2).replace(/-([a-z])/g, (_, ch: string) => ch.toUpperCase());

/**
 * Adds the options of `fields` to cmd, in that order (the help's), each from the table with the command's
 * overrides, and runs `run` with their values keyed by field.
 */
export function withOptions<const K extends readonly Field[]>(
  cmd: Command,
  fields: K,
  over: Overrides<K[number]>,
  run: (opts: Values<K>, cmd: Command) => void | Promise<void>,
): Command {
  const flags: [Field, string][] = [];
  for (const field of fields) {
    const s = { ...OPTIONS[field], ...(over as Overrides<Field>)[field] } as Spec<unknown>;
    const flag = s.flag ?? flagOf(field);
    const o = new Option(s.argument ? `${flag} ${s.argument}` : flag, s.description);
    if (s.parse) o.argParser(s.parse(flag));
    if (s.default !== undefined) o.default(s.default);
    if (s.required) o.makeOptionMandatory();
    cmd.addOption(o);
    if (s.negation) cmd.addOption(new Option(`--no-${flag.slice(2)}`, s.negation));
    flags.push([field, attribute(flag)]);
  }
  return cmd.action(async (...args: unknown[]) => {
    const c = args[args.length - 1] as Command;
    const given = c.opts();
    const set = flags.filter(([, key]) => given[key] !== undefined);
    const opts = Object.fromEntries(set.map(([field, key]) => [field, given[key]])) as Values<K>;
    await run(opts, c);
  });
}
