/**
 * The process of an `--impl-cmd` subject: the command, started once through the shell, told one JSON
 * request per line on its stdin and answering one JSON line per request on its stdout, in order, the next
 * request written once the previous one is answered (docs/formats.md, "Subject protocol"). Its stderr goes to the tool's stderr line by line (the user sees
 * what their code prints there), its last line kept for the messages. The command runs in a process group
 * of its own, unref'd (it never keeps the tool alive) and killed whole (SIGKILL) at close and at timeout.
 * What goes wrong is a CommandFault; user-command.ts words it for the user.
 */
import { spawn } from 'node:child_process';

/**
 * - spawn: the shell itself cannot be started (detail: the OS error)
 * - exited: the command ended while a request waited for its answer, or before one was sent
 * - not-json: it printed a line that is not a JSON answer object (detail: the line; found by the caller, which parses the lines)
 * - stray: it printed a line while no request waited for one (detail: the line)
 * - timeout: no answer within the timeout (the command was stopped)
 */
export type CommandFaultKind = 'spawn' | 'exited' | 'not-json' | 'stray' | 'timeout';

export class CommandFault extends Error {
  constructor(
    readonly kind: CommandFaultKind,
    readonly detail: string,
    /** how many answers the command gave before */
    readonly answered: number,
    /** the id of the request waiting when it happened, if any */
    readonly requestId?: number,
    readonly exitCode?: number | null,
    readonly signal?: NodeJS.Signals | null,
    /** the last non-empty line the command wrote on its stderr */
    readonly lastErr?: string,
  ) {
    super(`${kind}: ${detail}`);
    this.name = 'CommandFault';
  }
}

/** A request's answer line, as text; the caller parses it. */
export interface CommandHost {
  /** Sends request `id` (its JSON without the line end) and resolves to the answer line, or rejects with a CommandFault. */
  request(id: number, json: string): Promise<string>;
  /** Kills the command (its whole process group); safe to call more than once. */
  close(): Promise<void>;
}

interface Waiter {
  id: number;
  /** the request line, written once the requests before it are answered */
  line: string;
  resolve(line: string): void;
  reject(e: CommandFault): void;
}

/**
 * Splits a stream's text into lines (without their ends), holding back the unfinished one: its chunks are
 * kept apart until its end arrives (an answer of a large case is megabytes on one line: no quadratic copying).
 */
function lineSplitter(onLine: (line: string) => void): { push(text: string): void; end(): void } {
  let parts: string[] = [];
  const emit = (l: string) => onLine(l.endsWith('\r') ? l.slice(0, -1) : l);
  return {
    push(text) {
      const lines = text.split('\n');
      if (lines.length === 1) {
        parts.push(text);
        return;
      }
      emit(parts.join('') + lines[0]!);
      for (let k = 1; k < lines.length - 1; k++) emit(lines[k]!);
      parts = lines[lines.length - 1] ? [lines[lines.length - 1]!] : [];
    },
    end() {
      if (parts.length) emit(parts.join(''));
      parts = [];
    },
  };
}

/** Starts the command (it is "started" once spawned: a failure to start shows on the first request). */
export function startCommandHost(command: string, timeoutSeconds: number): CommandHost {
  const child = spawn(command, { shell: true, detached: true, cwd: process.cwd(), stdio: ['pipe', 'pipe', 'pipe'] });
  const queue: Waiter[] = [];
  let answered = 0;
  let lastErr: string | undefined;
  let dead: CommandFault | undefined;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;

  const kill = () => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL'); // the whole group: the shell and whatever it started, exited or not
    } catch {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  };
  // a tool that ends without closing it (process.exit) still kills it: its own group gets no signal of the tool's
  process.once('exit', kill);
  const stop = () => {
    stopping = true;
    clearTimeout(timer);
    process.off('exit', kill);
    kill();
    child.stdin.destroy();
    return Promise.resolve();
  };
  /** Ends the subject: the waiting requests, and any later one, get this fault. */
  const fail = (kind: CommandFaultKind, detail: string, exitCode?: number | null, signal?: NodeJS.Signals | null) => {
    if (dead || stopping) return;
    dead = new CommandFault(kind, detail, answered, queue[0]?.id, exitCode, signal, lastErr);
    for (const w of queue.splice(0)) w.reject(dead);
    void stop();
    stopping = false; // a fault, not a close: later requests get `dead`
  };
  /** Sends the request at the head of the queue and arms its timeout: one request at a time. */
  const next = () => {
    clearTimeout(timer);
    if (queue.length === 0) return;
    child.stdin.write(queue[0]!.line);
    timer = setTimeout(() => fail('timeout', `no answer within ${timeoutSeconds} s`), timeoutSeconds * 1000);
  };

  const stdout = lineSplitter((line) => {
    if (dead || stopping || line.trim() === '') return; // blank lines are not lines of the protocol
    const w = queue.shift();
    if (!w) return fail('stray', line);
    answered++;
    next();
    w.resolve(line);
  });
  const stderr = lineSplitter((line) => {
    if (line.trim() !== '') lastErr = line;
    process.stderr.write(`${line}\n`);
  });
  child.stdout.setEncoding('utf8').on('data', (d: string) => stdout.push(d));
  child.stdout.on('end', () => stdout.end());
  child.stderr.setEncoding('utf8').on('data', (d: string) => stderr.push(d));
  child.stderr.on('end', () => stderr.end());
  child.stdin.on('error', () => {}); // EPIPE when it has exited: its exit says what happened
  child.on('error', (e: Error) => fail('spawn', `${e.name}: ${e.message.split('\n')[0]}`));
  child.on('exit', (code, signal) => {
    // its last stdout and stderr lines may still be on their way: read them to the end (briefly) first
    let closed = 0;
    const decide = () => {
      clearTimeout(wait);
      if (!stopping) fail('exited', signal ? `killed by ${signal}` : `exit code ${code}`, code, signal);
    };
    const wait = setTimeout(decide, 300);
    wait.unref();
    const one = () => {
      if (++closed === 2) decide();
    };
    child.stdout.once('close', one);
    child.stderr.once('close', one);
  });
  // never what keeps the tool alive: a waiting request holds its own timer
  child.unref();
  for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?(): void }).unref?.();

  return {
    request(id, json) {
      if (dead) return Promise.reject(dead);
      if (stopping) return Promise.reject(new CommandFault('exited', 'closed by the tool', answered, id));
      return new Promise<string>((resolve, reject) => {
        queue.push({ id, line: `${json}\n`, resolve, reject });
        if (queue.length === 1) next();
      });
    },
    close: () => (stopping ? Promise.resolve() : stop()),
  };
}
