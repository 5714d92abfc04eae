/**
 * The worker-thread SubjectHost of an `--impl` module (the module runs in user-worker.ts). A worker and
 * not a child process: it starts in milliseconds and is told each case by structured clone, its heap is
 * bounded (resourceLimits: reaching it ends the worker with ERR_WORKER_OUT_OF_MEMORY, not the tool),
 * `process.exit` in it ends the worker only, and `terminate()` stops it even in a synchronous endless loop.
 * The worker is unref'd and stopped at close, so timers the module leaves behind never keep the tool alive.
 * Typed arrays live outside the V8 heap (resourceLimits does not count them): while the module works, the
 * process's resident memory is watched, and growing by more than memoryMb stops the worker too.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { CaseFile } from '../model/case.js';
import type { SubjectOptions } from './compare.js';
import { SubjectFault, type FaultKind, type SubjectHost } from './subject-host.js';

export interface WorkerHostOptions {
  /** the module's absolute path */
  path: string;
  /** how long loading, and each request, may take */
  timeoutSeconds: number;
  /** the worker's heap limit (V8's old generation) */
  heapMb: number;
  /** how much the process may grow (resident memory) during one load or request: the heap and typed arrays */
  memoryMb: number;
}

/** How often the resident memory is looked at while the module works. */
const WATCH_MS = 100;

type Message =
  | { type: 'ready' }
  | { type: 'load'; detail: string }
  | { type: 'no-export' }
  | { type: 'answer'; id: number; value: unknown }
  | { type: 'fail'; id: number; kind: 'threw' | 'unreadable'; detail: string }
  | { type: 'uncaught'; detail: string };

interface Waiter {
  resolve(v: unknown): void;
  reject(e: SubjectFault): void;
}

function startWorker(workerData: unknown, limits: { maxOldGenerationSizeMb: number }): Worker {
  const options = { workerData, stdout: true, resourceLimits: limits };
  const js = new URL('./user-worker.js', import.meta.url);
  if (existsSync(js)) return new Worker(js, options);
  const ts = new URL('./user-worker.ts', import.meta.url); // running from source (the tests): load it through tsx
  const code = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(ts.href)}); });`;
  return new Worker(code, { ...options, eval: true });
}

/** Starts the module's worker; resolves once the module is loaded, or rejects with a SubjectFault. */
export function startWorkerHost(o: WorkerHostOptions): Promise<SubjectHost> {
  const worker = startWorker({ path: o.path }, { maxOldGenerationSizeMb: o.heapMb });
  worker.unref(); // never what keeps the tool alive: pending requests hold their own timers
  worker.stdout.pipe(process.stderr, { end: false }); // the module's console.log never reaches stdout (--json)
  const ms = o.timeoutSeconds * 1000;
  const pending = new Map<number, Waiter & { timer: NodeJS.Timeout }>();
  let nextId = 0;
  let loading = true;
  let dead: SubjectFault | undefined;
  let stopping = false;
  // the resident memory when the current work began; watched while the module loads or answers
  let base = process.memoryUsage.rss();
  const watch = setInterval(() => {
    if ((loading || pending.size > 0) && process.memoryUsage.rss() - base > o.memoryMb * 2 ** 20) fail('memory', `grew the process by more than ${o.memoryMb} MB (its heap and what lives outside it: typed arrays, buffers)`);
  }, WATCH_MS);
  watch.unref();

  const stop = () => {
    stopping = true;
    clearInterval(watch);
    return worker.terminate().then(() => undefined);
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
  const loaded = new Promise<SubjectHost>((resolve, reject) => (loader = { resolve: resolve as Waiter['resolve'], reject }));
  const loadTimer = setTimeout(() => fail('timeout', `loading took longer than ${o.timeoutSeconds} s`), ms);
  void loaded.then(() => {}, () => {}).finally(() => clearTimeout(loadTimer));

  const host: SubjectHost = {
    request(c: CaseFile, options: SubjectOptions) {
      if (dead) return Promise.reject(dead);
      if (stopping) return Promise.reject(new SubjectFault('exited', 'closed by the tool', false, 0));
      const id = nextId++;
      if (pending.size === 0) base = process.memoryUsage.rss();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => fail('timeout', `no answer within ${o.timeoutSeconds} s`), ms);
        pending.set(id, { resolve, reject, timer });
        worker.postMessage({ id, c, options });
      });
    },
    close: () => (stopping ? Promise.resolve() : stop()),
  };

  worker.on('message', (m: Message) => {
    if (m.type === 'ready') {
      loading = false;
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
  worker.on('error', (e: Error & { code?: string }) => {
    if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') fail('memory', `reached its heap limit of ${o.heapMb} MB`);
    else fail('uncaught', `${e.name}: ${e.message.split('\n')[0]}`);
  });
  worker.on('exit', (code) => {
    if (!stopping) fail('exited', `exit code ${code}`, code);
  });
  return loaded;
}
