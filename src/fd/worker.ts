/** Worker thread of the finite-difference oracle: measures the probes it is given and posts them back. */
import { parentPort, workerData } from 'node:worker_threads';
import type { Case } from '../model/case.js';
import { fdMeasure, type FdProbe } from './oracle.js';

const { c, probes } = workerData as { c: Case; probes: FdProbe[] };
parentPort!.postMessage(fdMeasure(c, probes));
