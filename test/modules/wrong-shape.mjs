export const gradients = async (kase) => ({ loss: 1, gradients: { W: [[1, 2]], U: kase.params.U, V: kase.params.V } });
