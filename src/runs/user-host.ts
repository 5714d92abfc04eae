/**
 * The child-process SubjectHost of an `--impl` module (the module runs in user-process.ts, told each case
 * over IPC by structured clone). A child process and not a worker thread: a worker shares the tool's file
 * descriptors and signals (a module's fs.writeSync(1, …) corrupted --json, its process.kill(process.pid)
 * killed the tool) and cannot be stopped while blocked in a system call (a read of a FIFO, execSync): the
 * tool then hung at exit. A child is killed (SIGKILL) at --timeout and at close, whatever it is doing; its
 * stdout and stderr are passed to the tool's stderr; its heap is bounded (--max-old-space-size: reaching it
 * aborts the child, which says "heap out of memory" on its stderr); its resident memory is watched while
 * it works (/proc/<pid>/statm: typed arrays live outside the heap), and more than memoryMb stops it too.
 * The child and its pipes are unref'd, so timers the module leaves behind never keep the tool alive.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { CaseFile } from '../model/case.js';
import type { SubjectOptions } from '../check/compare.js';
import { SubjectFault, type FaultKind, type SubjectHost } from './subject-host.js';

export interface ModuleHostOptions {
  /** the module's absolute path */
  path: string;
  /** how long loading, and each request, may take */
  timeoutSeconds: number;
  /** the child's heap limit (V8's old generation, --max-old-space-size) */
  heapMb: number;
  /** how much the process may grow (resident memory) during one load or request: the heap and typed arrays */
  memoryMb: number;
}

/** How often the resident memory is looked at while the module works. */
const WATCH_MS = 100;

/** The module's host: a SubjectHost that also says the module's `cells` export, as the module gave it (user-module.ts checks it). */
export interface ModuleHost extends SubjectHost {
  readonly cells?: unknown;
}

type Message =
  | { type: 'ready'; cells?: unknown }
  | { type: 'load'; detail: string }
  | { type: 'no-export' }
  | { type: 'answer'; id: number; value: unknown }
  | { type: 'fail'; id: number; kind: 'threw' | 'unreadable'; detail: string }
  | { type: 'uncaught'; detail: string };

interface Waiter {
  resolve(v: unknown): void;
  reject(e: SubjectFault): void;
}

function startChild(path: string, heapMb: number): ChildProcess {
  const js = new URL('./user-process.js', import.meta.url);
  const ts = new URL('./user-process.ts', import.meta.url); // running from source (the tests): through tsx
  const built = existsSync(js);
  return fork(built ? js : ts, [path], {
    execArgv: [`--max-old-space-size=${heapMb}`, ...(built ? [] : ['--import', 'tsx'])],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced', // structured clone both ways, as a worker's postMessage
  });
}

/** The resident memory of a process in MB (Linux /proc), or null where it cannot be read. */
function residentMb(pid: number | undefined): number | null {
  try {
    return (Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * 4096) / 2 ** 20;
  } catch {
    return null;
  }
}

const FAIL_KINDS = new Set(['threw', 'unreadable']);
/** A message the child's side (user-process.ts) sends; anything else is the module writing on the IPC channel. */
function wellFormed(m: unknown): m is Message {
  if (m === null || typeof m !== 'object') return false;
  const x = m as Record<string, unknown>;
  switch (x.type) {
    case 'ready':
    case 'no-export':
      return true;
    case 'load':
    case 'uncaught':
      return typeof x.detail === 'string';
    case 'answer':
      return typeof x.id === 'number';
    case 'fail':
      return typeof x.id === 'number' && FAIL_KINDS.has(x.kind as string) && typeof x.detail === 'string';
    default:
      return false;
  }
}

/** Starts the module's child process; resolves once the module is loaded, or rejects with a SubjectFault. */
export function startModuleHost(o: ModuleHostOptions): Promise<ModuleHost> {
  const child = startChild(o.path, o.heapMb);
  let childErr = ''; // the tail of the child's stderr: how V8 says the heap is full
  child.stdout!.pipe(process.stderr, { end: false }); // the module's console.log never reaches stdout (--json)
  // the child's stderr line by line to the tool's, up to V8's dump of a full heap (the one line says it instead)
  let partial = '';
  let dumping = false;
  let blanks = 0;
  const passLines = (text: string) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      dumping ||= /<--- Last few GCs --->|FATAL ERROR: .*heap|heap out of memory/.test(line);
      if (dumping) continue;
      if (line === '')
        blanks++; // held back: V8's dump begins with one
      else {
        process.stderr.write(`${'\n'.repeat(blanks)}${line}\n`);
        blanks = 0;
      }
    }
  };
  child.stderr!.on('data', (d: Buffer) => {
    const text = d.toString('utf8');
    childErr = (childErr + text).slice(-4096);
    passLines(text);
  });
  child.stderr!.on('end', () => {
    if (partial && !dumping) process.stderr.write(partial);
  });
  // never what keeps the tool alive: pending requests hold their own timers
  child.unref();
  (child.stdout as unknown as { unref?(): void }).unref?.();
  (child.stderr as unknown as { unref?(): void }).unref?.();
  (child.channel as unknown as { unref?(): void } | null | undefined)?.unref?.();
  const ms = o.timeoutSeconds * 1000;
  const pending = new Map<number, Waiter & { timer: NodeJS.Timeout }>();
  let nextId = 0;
  let loading = true;
  let dead: SubjectFault | undefined;
  let stopping = false;
  // the child's resident memory, watched while the module loads or answers
  const watch = setInterval(() => {
    const mb = loading || pending.size > 0 ? residentMb(child.pid) : null;
    if (mb !== null && mb > o.memoryMb)
      fail('memory', `grew to more than ${o.memoryMb} MB (its heap and what lives outside it: typed arrays, buffers)`);
  }, WATCH_MS);
  watch.unref();

  const stop = () => {
    stopping = true;
    clearInterval(watch);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); // whatever it is doing: a loop, a blocked read
    return Promise.resolve();
  };
  /** Ends the subject: every waiter (the load, each request) gets this fault, and so does any later request. */
  const fail = (kind: FaultKind, detail: string, exitCode?: number) => {
    if (dead) return;
    dead = new SubjectFault(kind, detail, loading, exitCode);
    loader.reject(dead);
    for (const [, w] of pending) {
      clearTimeout(w.timer);
      w.reject(dead);
    }
    pending.clear();
    void stop();
  };

  let loader!: Waiter;
  const loaded = new Promise<ModuleHost>(
    (resolve, reject) => (loader = { resolve: resolve as Waiter['resolve'], reject }),
  );
  const loadTimer = setTimeout(() => fail('timeout', `loading took longer than ${o.timeoutSeconds} s`), ms);
  void loaded
    .then(
      () => {},
      () => {},
    )
    .finally(() => clearTimeout(loadTimer));

  const host: { -readonly [K in keyof ModuleHost]: ModuleHost[K] } = {
    request(c: CaseFile, options: SubjectOptions) {
      if (dead) return Promise.reject(dead);
      if (stopping) return Promise.reject(new SubjectFault('exited', 'closed by the tool', false, 0));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => fail('timeout', `no answer within ${o.timeoutSeconds} s`), ms);
        pending.set(id, { resolve, reject, timer });
        child.send({ id, c, options });
      });
    },
    close: () => (stopping ? Promise.resolve() : stop()),
  };

  child.on('message', (m: unknown) => {
    if (!wellFormed(m))
      return fail(
        'unreadable',
        'sent bptt-check a message it does not speak (the module writes on its IPC channel: process.send)',
      );
    if (m.type === 'ready') {
      loading = false;
      if ('cells' in m) host.cells = m.cells;
      loader.resolve(host);
    } else if (m.type === 'load') fail('load', m.detail);
    else if (m.type === 'no-export') fail('no-export', 'no function "gradients" (named or default)');
    else if (m.type === 'uncaught') fail('uncaught', m.detail);
    else {
      const w = pending.get(m.id);
      if (!w) return;
      pending.delete(m.id);
      clearTimeout(w.timer);
      if (m.type === 'answer') w.resolve(m.value);
      else w.reject(new SubjectFault(m.kind, m.detail, false));
    }
  });
  child.on('error', (e: Error) => fail('load', `${e.name}: ${e.message.split('\n')[0]}`));
  child.on('exit', (code, signal) => {
    if (stopping) return;
    const decide = () => {
      if (/heap out of memory|Reached heap limit/.test(childErr))
        fail('memory', `reached its heap limit of ${o.heapMb} MB`);
      else fail('exited', signal ? `killed by ${signal}` : `exit code ${code}`, code ?? undefined);
    };
    // V8 aborts on a full heap (SIGABRT) after writing why to stderr: read that to its end (briefly) first
    if (signal === 'SIGABRT' || code === 134) {
      const t = setTimeout(decide, 500);
      child.stderr!.once('close', () => (clearTimeout(t), decide()));
    } else decide();
  });
  return loaded;
}
