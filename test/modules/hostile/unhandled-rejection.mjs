// A student's module that checks the shapes in an async helper and forgets to await it.
async function checkShapes(kase) {
  if (kase.params.W.length !== kase.model.hiddenSize) return;
  throw new Error('shape check not written yet');
}

export function gradients(kase) {
  checkShapes(kase); // missing await: the rejection is never handled
  const H = kase.model.hiddenSize;
  const zeros = (r, c) => Array.from({ length: r }, () => new Array(c).fill(0));
  return {
    loss: 1,
    gradients: { U: zeros(H, kase.model.inputSize), W: zeros(H, H), V: zeros(kase.model.outputSize, H) },
  };
}
