/**
 * Library messages name option fields (`hiddenSize`, written by fieldName in model/errors.ts); the command
 * line shows each as its flag. A field's flag is its name in kebab case (commander's own rule, the
 * other way round) unless FLAG_OF says otherwise.
 */
import { FIELD_PATTERN } from '../model/errors.js';

/** Fields whose flag is not their kebab-case name. */
export const FLAG_OF: Record<string, string> = { subject: '--impl', wNorms: '--w-norm' };

const kebab = (name: string) => name.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`);

/** The flag of an option field: hiddenSize → --hidden-size. */
export function flagOf(field: string): string {
  return FLAG_OF[field] ?? `--${kebab(field)}`;
}

/** A library message as the command line says it: every `field` shown as its flag. */
export function withFlags(message: string): string {
  return message.replace(FIELD_PATTERN, (_, name: string) => flagOf(name));
}
