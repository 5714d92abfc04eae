// A student's module that bails out while loading (left over from a script run with `node rnn.mjs`).
if (!globalThis.fetch) console.error('old node');
process.exit(0);
export function gradients() {
  return { loss: 0, gradients: {} };
}
