export default function gradients() {
  return new Promise(() => {}); // never settles
}
