/**
 * Preloaded in every thread (NODE_OPTIONS=--require, see crashOn in crash.ts): wraps the sweep's worker
 * module as a worker thread loads it (piscina require()s it), so that the thread exits with code 1 on the
 * case whose id is BPTT_CHECK_CRASH_CASE, as a crashing worker does, and runs every other case as usual.
 * The fault is the tests': the tool itself has no hook for it.
 */
import Module from 'node:module';
import { dirname, join } from 'node:path';

const WORKER = /[\\/]src[\\/]runs[\\/]sweep-worker\.js$/;
const load = Module._load;

Module._load = function (request, parent, isMain) {
  const worker = load.call(this, request, parent, isMain);
  if (!WORKER.test(request)) return worker;
  const { entryCase } = load.call(this, join(dirname(request), 'grid.js'), parent, false);
  return async (task) => {
    if (entryCase(task.entry).id === process.env.BPTT_CHECK_CRASH_CASE) process.exit(1);
    return worker.default(task);
  };
};
