/** The worker-thread subject host of an --impl module, from the source tree (its worker runs through tsx). */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SubjectFault } from '../../src/runs/subject-host.js';
import { startModuleHost } from '../../src/runs/user-host.js';
import type { CaseFile } from '../../src/model/case.js';

const path = fileURLToPath(new URL('../modules/counts-calls.mjs', import.meta.url));
const limits = { timeoutSeconds: 20, heapMb: 256, memoryMb: 1024 };
const kase = (id: string) => ({ id }) as unknown as CaseFile;

describe('startModuleHost', () => {
  it('loads the module once and answers every request in order, with the options it was told', async () => {
    const host = await startModuleHost({ path, ...limits });
    const a = (await host.request(kase('first'), {})) as { loss: number; gradients: Record<string, unknown> };
    const b = (await host.request(kase('second'), { clipNorm: 0.5 })) as {
      loss: number;
      gradients: Record<string, unknown>;
    };
    expect([a.loss, b.loss]).toEqual([1, 2]);
    expect(a.gradients.U).toEqual([[1]]); // one load for both requests
    expect(b.gradients.U).toEqual([[1]]);
    expect(b.gradients.told).toEqual({ clipNorm: 0.5 });
    expect(b.gradients.id).toBe('second');
    await host.close();
    await expect(host.request(kase('third'), {})).rejects.toBeInstanceOf(SubjectFault);
  }, 30_000);
});
