/**
 * Tolerance calibration: runs hand vs both tfjs references over a sweep of correct cases and reports,
 * per group, the largest errors seen and the smallest atol each rtol would need for every element
 * to pass. `npm run calibrate [-- --quick]`; the README's calibration table comes from this output.
 */

import { generateCase, type GenerateOptions } from '../src/model/generate.js';
import { ACTIVATIONS } from '../src/model/spec.js';
import { useBackend } from '../reference/index.js';
import { compareArrays } from '../src/check/metrics.js';
import { handGradients } from '../src/bptt/index.js';
import { referenceGradients } from '../reference/index.js';
import { gradientSpecs } from '../src/model/spec.js';

const RTOLS = [1e-5, 1e-4, 1e-3] as const;
const quick = process.argv.includes('--quick');
const backend = process.argv.find((a) => a.startsWith('--backend='))?.slice(10) ?? 'cpu';
const info = await useBackend(backend);

interface Group {
  cases: number;
  maxRelErrNorm: number;
  maxAbsErr: number;
  minCosine: number;
  needAtol: number[];
  worstCase: string;
}
const groups = new Map<string, Group>();
const sizes: [number, number][] = quick
  ? [
      [4, 8],
      [16, 64],
    ]
  : [
      [4, 4],
      [8, 16],
      [16, 64],
      [64, 128],
    ];
const lengths = quick ? [5, 50] : [5, 20, 100, 200];
const scales = quick ? [1] : [0.5, 1, 1.5];
const seeds = quick ? [1] : [1, 2];
let total = 0;
for (const activation of ACTIVATIONS)
  for (const [I, H] of sizes)
    for (const T of lengths)
      for (const initScale of scales)
        for (const seed of seeds) {
          const o: GenerateOptions = {
            activation,
            bias: seed % 2 === 0,
            inputSize: I,
            hiddenSize: H,
            steps: T,
            batch: seed === 1 ? 1 : 4,
            denseInputs: T % 2 === 0 && seed === 2,
            initialState: seed === 2,
            initScale,
            seed,
          };
          const c = generateCase(o);
          const hand = handGradients(c);
          for (const ref of ['tfjs-layers', 'tfjs-ops'] as const) {
            const g = await referenceGradients(c, ref);
            const key = `${activation.padEnd(7)} T=${String(T).padStart(3)} scale=${initScale}`;
            const grp = groups.get(key) ?? {
              cases: 0,
              maxRelErrNorm: 0,
              maxAbsErr: 0,
              minCosine: 1,
              needAtol: RTOLS.map(() => 0),
              worstCase: '',
            };
            grp.cases++;
            const pairs: [ArrayLike<number>, ArrayLike<number>][] = [[[hand.loss], [g.loss]]];
            for (const s of gradientSpecs(c.model, c.batch, c.initialState !== null))
              pairs.push([hand.tensors[s.name]!.data, g.tensors[s.name]!.data]);
            for (const [a, r] of pairs) {
              const m = compareArrays(a, r, { atol: 0, rtol: 0 }, () => []);
              if (m.relErrNorm > grp.maxRelErrNorm) {
                grp.maxRelErrNorm = m.relErrNorm;
                grp.worstCase = c.id;
              }
              grp.maxAbsErr = Math.max(grp.maxAbsErr, m.maxAbsErr);
              grp.minCosine = Math.min(grp.minCosine, m.cosine);
              // the atol (in units of S = max(‖a‖∞, ‖r‖∞)) that each rtol needs for every element to pass
              RTOLS.forEach((rtol, i) => {
                for (let k = 0; k < a.length; k++)
                  grp.needAtol[i] = Math.max(
                    grp.needAtol[i]!,
                    (Math.abs(a[k]! - r[k]!) - rtol * Math.abs(r[k]!)) / m.scale,
                  );
              });
            }
            groups.set(key, grp);
          }
          total++;
        }
console.log(
  `# calibration: ${total} cases, hand (float64) vs tfjs-layers and tfjs-ops (float32), backend ${info.backend}, tfjs ${info.tfjsVersion}`,
);
console.log(
  `| group | comparisons | max relErrNorm | max maxAbsErr | min cosine | ${RTOLS.map((r) => `atol·S needed at rtol=${r}`).join(' | ')} |`,
);
console.log(`|---|---|---|---|---|${RTOLS.map(() => '---').join('|')}|`);
const e = (x: number) => x.toExponential(1);
for (const [key, g] of [...groups].sort())
  console.log(
    `| ${key} | ${g.cases} | ${e(g.maxRelErrNorm)} | ${e(g.maxAbsErr)} | ${(1 - g.minCosine).toExponential(1)} off 1 | ${g.needAtol.map(e).join(' | ')} |`,
  );
const all = [...groups.values()];
console.log(
  `| all | ${all.reduce((s, g) => s + g.cases, 0)} | ${e(Math.max(...all.map((g) => g.maxRelErrNorm)))} | ${e(Math.max(...all.map((g) => g.maxAbsErr)))} | | ${RTOLS.map((_, i) => e(Math.max(...all.map((g) => g.needAtol[i]!)))).join(' | ')} |`,
);
