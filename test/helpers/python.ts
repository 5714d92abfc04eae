import { execFileSync } from 'node:child_process';

/** The first of /usr/bin/python3, python3 that can import numpy (CI installs Debian's python3-numpy), or null. */
export function findPython(): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(py, ['-c', 'import numpy'], { stdio: 'ignore' });
      return py;
    } catch {
      /* next */
    }
  }
  return null;
}
