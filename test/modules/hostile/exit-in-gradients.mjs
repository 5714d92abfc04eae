// A student's module that calls process.exit(0) when it is done, as their training script did.
export function gradients(kase) {
  console.error(`computing the gradients of ${kase.model.cell}`);
  process.exit(0);
}
