// A student's module that ends "the training process" the way their notebook did when a loss went NaN.
export function gradients(kase) {
  console.error(`computing the gradients of ${kase.model.cell}`);
  process.kill(process.pid, 'SIGKILL');
}
