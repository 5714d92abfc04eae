/**
 * The child process an `--impl` module runs in (started by user-host.ts): loads the module once, then
 * answers one message per case. Everything the module does happens here: its getters run when the answer
 * is copied out (process.send serialises it, structured clone), its process.exit or process.kill ends this
 * process only, and whatever it writes to stdout (console.log, fs.writeSync(1, …)) goes to this process's
 * stdout, which the host passes to the tool's stderr.
 *
 * Messages to the host: { type: 'ready', cells? } | { type: 'load', detail } | { type: 'no-export' }
 *   | { type: 'answer', id, value } | { type: 'fail', id, kind: 'threw' | 'unreadable', detail }
 *   | { type: 'uncaught', detail }.
 */
import { spawnSync } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

type Fn = (c: unknown, options: unknown) => unknown;

const port = { postMessage: (m: unknown) => void process.send!(m) }; // the IPC channel to the host
const path = process.argv[2]!;
const firstLine = (e: unknown) => (e instanceof Error ? `${e.message}` : String(e)).split('\n')[0]!.slice(0, 200);
let uncaught = false;

// an unhandled rejection or a throw in a timer: reported once, then the host stops this thread
const onUncaught = (e: unknown) => {
  if (!uncaught) port.postMessage({ type: 'uncaught', detail: withName(e) });
  uncaught = true;
};
process.on('uncaughtException', onUncaught);
process.on('disconnect', () => process.exit(0)); // the tool has gone (killed, or done): so does the module
process.on('unhandledRejection', onUncaught);

const withName = (e: unknown) => (e instanceof Error ? `${e.name}: ${firstLine(e)}` : firstLine(e));

const SELF = fileURLToPath(import.meta.url);

/** Where an error happened, as file:line: the first frame of the stack naming a file other than this one. */
function stackLocation(e: unknown): string | undefined {
  const stack = e instanceof Error ? (e.stack ?? '') : '';
  for (const m of stack.matchAll(/(file:\/\/\/?[^\s:()]+|\/[^\s:()]+\.(?:m?js|c?js|ts|mts|cts)):(\d+)/g)) {
    const file = m[1]!.startsWith('file:') ? fileURLToPath(m[1]!) : m[1]!;
    if (file !== SELF) return `${file}:${m[2]}`;
  }
  return undefined;
}

/**
 * A load error in one line with its file:line. Node's SyntaxError of an ES module carries its place only in
 * the text it prints when uncaught, so `node --check` is asked for it; tsx (esbuild) puts it in its message.
 */
function loadError(e: unknown): string {
  const esbuild = /^(.+?):(\d+):\d+: ERROR: (.*)$/m.exec(e instanceof Error ? e.message : '');
  if (esbuild) return `SyntaxError: ${esbuild[3]} at ${esbuild[1]}:${esbuild[2]}`;
  let at = stackLocation(e);
  if (!at && e instanceof SyntaxError) {
    const check = spawnSync(process.execPath, ['--check', path], { encoding: 'utf8', timeout: 10_000 });
    const m = /^(.+):(\d+)$/m.exec(check.stderr ?? '');
    if (m) at = `${m[1]!.startsWith('file:') ? fileURLToPath(m[1]!) : m[1]}:${m[2]}`;
  }
  return `${withName(e)}${at ? ` at ${at}` : ''}`;
}

/** The module's `cells` export (the cells it implements), as given: the host checks it. */
let cells: unknown;

async function load(): Promise<Fn | undefined> {
  let mod: Record<string, unknown>;
  try {
    const url = pathToFileURL(path).href;
    if (extname(path) === '.ts') {
      const { tsImport } = await import('tsx/esm/api');
      mod = (await tsImport(url, import.meta.url)) as Record<string, unknown>;
    } else mod = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    port.postMessage({ type: 'load', detail: loadError(e) });
    return undefined;
  }
  const def = mod.default as Record<string, unknown> | undefined;
  const fn = mod.gradients ?? (typeof def === 'function' ? def : def?.gradients);
  if (typeof fn !== 'function') {
    port.postMessage({ type: 'no-export' });
    return undefined;
  }
  cells = mod.cells ?? (typeof def === 'object' ? def?.cells : undefined);
  return fn as Fn;
}

/** The fields of an answer: a class instance's (its getters included) are read here, as a plain object. */
const FIELDS = ['schemaVersion', 'source', 'loss', 'gradients', 'dtype', 'adjoints'];
function plainTop(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto === Object.prototype || proto === null) return v;
  return Object.fromEntries(FIELDS.filter((k) => k in v).map((k) => [k, (v as Record<string, unknown>)[k]]));
}

const fn = await load();
if (fn) {
  process.on('message', async ({ id, c, options }: { id: number; c: unknown; options: unknown }) => {
    let value: unknown;
    try {
      value = await fn(c, options);
    } catch (e) {
      port.postMessage({ type: 'fail', id, kind: 'threw', detail: firstLine(e) });
      return;
    }
    // one turn of the event loop: a promise the call rejected and left unhandled is reported first
    await new Promise((r) => setImmediate(r));
    if (uncaught) return;
    try {
      port.postMessage({ type: 'answer', id, value: plainTop(value) }); // serialising runs the getters, here
    } catch (e) {
      port.postMessage({ type: 'fail', id, kind: 'unreadable', detail: withName(e) });
    }
  });
  // the cells it says it implements, copied as plain data (a getter or a proxy runs here)
  let said: unknown;
  try {
    said = cells === undefined ? undefined : structuredClone(cells);
  } catch (e) {
    said = `unreadable (${withName(e)})`;
  }
  port.postMessage(said === undefined ? { type: 'ready' } : { type: 'ready', cells: said });
}
