// A module that counts how often it is loaded and called: the loss is the call number, U[0][0] the load count.
globalThis.loads = (globalThis.loads ?? 0) + 1;
let calls = 0;

export function gradients(kase, options) {
  calls++;
  return { loss: calls, gradients: { U: [[globalThis.loads]], told: options, id: kase.id } };
}
