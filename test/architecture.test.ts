/** The check is only worth something while the two sides stay independent. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
const imports = (file: string) =>
  [...readFileSync(join(root, file), 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);

describe('independence of the two sides', () => {
  it('src/bptt imports neither TensorFlow.js nor reference/', () => {
    const bad = files('src/bptt').flatMap((f) =>
      imports(f)
        .filter((i) => i.includes('@tensorflow') || i.includes('reference/'))
        .map((i) => `${f}: ${i}`),
    );
    expect(files('src/bptt').length).toBeGreaterThan(3);
    expect(bad).toEqual([]);
  });
  it('reference/ does not import the hand-written side', () => {
    const bad = files('reference').flatMap((f) =>
      imports(f)
        .filter((i) => i.includes('bptt/') || i.includes('/check/'))
        .map((i) => `${f}: ${i}`),
    );
    expect(bad).toEqual([]);
  });
});
