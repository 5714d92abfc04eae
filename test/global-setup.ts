import { execFileSync } from 'node:child_process';

/** The end-to-end tests run the real `bin/bptt-check.js`, which runs the compiled dist/: build it first. */
export default function setup(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
