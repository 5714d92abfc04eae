// A student's module whose backward loop counts the wrong way: t++ where t-- was meant.
export function gradients(kase) {
  const T = kase.targets[0].length;
  let sum = 0;
  let t = T - 1;
  while (t >= 0) {
    sum += t;
    t++; // never ends: t only grows (and stays a safe integer for centuries)
  }
  return { loss: sum, gradients: {} };
}
