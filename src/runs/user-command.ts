/**
 * Your code in any language as the subject (`--impl-cmd "COMMAND"`): the command is started once and
 * serves many cases over JSON lines (docs/formats.md, "Subject protocol"). Each request is
 * `{"id", "case", "options"}` on one line of its stdin (the case in the case-file shape, the options the
 * variant it is to do itself, keys present only when set); each answer is one line of its stdout,
 * `{"id"?, "loss", "gradients", "adjoints"?, "dtype"?}` or `{"id"?, "error"}`, in the order of the requests.
 * Whatever goes wrong is one InputError naming the command and what happened (command-host.ts runs it).
 */
import type { Case } from '../model/case.js';
import { subjectCase } from '../model/view.js';
import { fieldName, InputError, jsonSafe, shown } from '../model/errors.js';
import { parseJsonText } from '../model/files.js';
import { parseGradients } from '../model/gradients.js';
import { variantOf } from '../check/sides.js';
import { CommandFault, startCommandHost } from './command-host.js';
import type { ModuleSubject } from './user-module.js';

/** At most this much of what the command printed is shown in a message. */
const SHOWN_CHARS = 200;
const quoted = (text: string) =>
  jsonSafe(JSON.stringify(text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}…` : text));
/** Exit codes of the shell for a command it could not run: 127 not found, 126 not executable. */
const CANNOT_RUN = new Set([126, 127]);
const STDOUT_EXPECTED =
  'expected only answer lines on its stdout, { "loss", "gradients" } or { "error" } (anything else goes to stderr)';

/** The one line the user reads for a fault of the command, on case `caseId`. */
function faultMessage(where: string, f: CommandFault, caseId: string, timeoutSeconds: number): string {
  const lastErr = f.lastErr !== undefined ? `; the last line of its stderr: ${quoted(f.lastErr)}` : '';
  switch (f.kind) {
    case 'spawn':
      return `${where} cannot be started (${f.detail}), expected a command the shell can run`;
    case 'exited':
      if (f.answered === 0 && f.exitCode !== null && f.exitCode !== undefined && CANNOT_RUN.has(f.exitCode))
        return `${where} cannot be started (exit code ${f.exitCode}: ${f.lastErr ?? 'no message'}), expected a command the shell can run from ${process.cwd()}`;
      return `${where} exited before answering case ${caseId} (${f.detail}${lastErr}), expected it to answer every request line until its stdin closes`;
    case 'not-json':
      return `${where} printed a line that is not a JSON answer on case ${caseId}: ${quoted(f.detail)}, ${STDOUT_EXPECTED}`;
    case 'stray':
      return `${where} printed a line before it was asked for case ${caseId}: ${quoted(f.detail)}, ${STDOUT_EXPECTED}`;
    case 'timeout':
      return `${where} did not answer case ${caseId} within ${fieldName('timeout')} ${timeoutSeconds} s and was stopped, expected one answer line per request line`;
  }
}

/** Starts the command (cwd: the current directory); throws InputError on any fault, naming the command and the case. */
export function openCommandSubject(command: string, timeoutSeconds: number): Promise<ModuleSubject> {
  const where = `${fieldName('implCmd')} ${jsonSafe(JSON.stringify(command))}`;
  const host = startCommandHost(command, timeoutSeconds);
  const caseOf = new Map<number, string>(); // request id → case id, for a fault that shows on a later request
  let nextId = 1;
  return Promise.resolve({
    async gradients(c: Case, options) {
      const id = nextId++;
      caseOf.set(id, c.id);
      let line: string;
      try {
        line = await host.request(id, JSON.stringify({ id, case: subjectCase(c), options: variantOf(options) }));
      } catch (e) {
        if (!(e instanceof CommandFault)) throw e;
        const caseId = (e.requestId !== undefined ? caseOf.get(e.requestId) : undefined) ?? c.id;
        throw new InputError(
          faultMessage(where, e, caseId, timeoutSeconds),
          e.kind === 'timeout' ? 'timeout' : 'implCmd',
        );
      } finally {
        caseOf.delete(id);
      }
      const notJson = () =>
        new InputError(faultMessage(where, new CommandFault('not-json', line, 0), c.id, timeoutSeconds), 'implCmd');
      let value: unknown;
      try {
        value = parseJsonText(line, `${where}'s answer to case ${c.id}`);
      } catch (e) {
        if (e instanceof InputError && / is not valid JSON /.test(e.message)) throw notJson();
        throw e;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw notJson();
      const answer = value as Record<string, unknown>;
      if (answer.id !== undefined && answer.id !== id)
        throw new InputError(
          `${where} answered request ${shown(answer.id)} when request ${id} (case ${c.id}) was next, expected the answers in the order of the requests`,
          'implCmd',
        );
      if (answer.error !== undefined)
        throw new InputError(
          `${where} failed on case ${c.id}: ${typeof answer.error === 'string' ? quoted(answer.error.split('\n')[0]!) : shown(answer.error)}`,
          'implCmd',
        );
      return parseGradients(answer, `${where} answered for case ${c.id}`, c, false);
    },
    close: () => host.close(),
  });
}
