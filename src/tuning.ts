/**
 * V8 tuning for bptt-check's own processes: the command (bin/bptt-check.js) and the bench call it before
 * any work; a program that imports bptt-check as a library keeps its own settings.
 *
 * TurboFan inlines up to 920 bytes of bytecode into each function it optimises (V8 11's default). tfjs's
 * ops are small functions called through a few large ones (the engine's runKernelFunc, the gradient tape,
 * the cpu backend's batchMatMul), and that budget builds large graphs: a 1-worker `sweep --preset default`
 * spent 2.6–3.0 s of CPU compiling. At 300 bytes it spends 1.3–1.8 s, and warm tfjs runs no slower (the
 * preset's largest case: tfjs-ops 192 ms against 197, tfjs-layers 211 against 225). Every sweep worker
 * compiles the same code again, so the saving counts once per worker. Inlining changes no result: float
 * arithmetic in JavaScript is exact IEEE 754 however it is compiled.
 */
import { setFlagsFromString } from 'node:v8';

export const V8_FLAGS = '--max-inlined-bytecode-size-cumulative=300';

export function tuneV8(): void {
  setFlagsFromString(V8_FLAGS);
}
