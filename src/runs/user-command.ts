/**
 * Your code in any language as the subject (`--impl-cmd "COMMAND"`): the command is started once and
 * serves many cases over JSON lines (docs/formats.md, "Subject protocol"). To be written (issue 16).
 */
import { InputError } from '../model/errors.js';
import type { ModuleSubject } from './user-module.js';

/** Starts the command; resolves once it runs, or throws InputError naming the command and what went wrong. */
export function openCommandSubject(command: string, timeoutSeconds: number): Promise<ModuleSubject> {
  void timeoutSeconds;
  return Promise.reject(new InputError(`implCmd ${JSON.stringify(command)}: not yet`, 'implCmd'));
}
