/**
 * The sides of a check, as values: the subject (the built-in hand side, a user module, a gradients file)
 * and the references all answer `gradients(case, variant)`. The harness compares sides; it knows which is
 * which only through Side. The subject does the variant itself (the hand side truncates and clips, user
 * code is told the clipping); the tfjs references compute it; the finite differences are clipped by the
 * harness (they measure the full gradient of L).
 */
import { clipGradients, handGradients, type ClipOptions } from '../bptt/index.js';
import { referenceGradients, supports, type ReferenceName } from '../../reference/index.js';
import type { Case } from '../model/case.js';
import type { Cell } from '../model/spec.js';
import type { Dtype, Gradients } from '../model/gradients.js';
import { fdGradients, fdOracleParallel } from '../fd/parallel.js';
import type { FdMode, FdProbe } from '../fd/oracle.js';

/** The name of a side, as the rows say it. */
export type ImplName = 'hand' | 'yours' | ReferenceName | 'fd' | 'fd (full rerun)';

/** What every side is asked for: a BPTT variant (truncation or detaching) and the clipping of the result. */
export interface Variant {
  truncate?: number;
  detachEvery?: number;
  clipValue?: number;
  clipNorm?: number;
}

/**
 * What user code is told: the whole variant it is to compute itself (truncation or detaching, clipping),
 * each key present only when asked for. Its output is compared as given, never modified.
 */
export type SubjectOptions = Variant;

/** What a reference may give beside the gradients: tfjs-ops the adjoints ∂L/∂s_t of full BPTT (a user subject's check). */
export interface Also {
  adjoints?: boolean;
}

export interface Side {
  readonly name: ImplName;
  /** its precision when known (hand float64, tfjs float32); undefined for user code: given, or detected from its values */
  readonly dtype?: Dtype;
  /** whether it computes a truncated or detached gradient itself (every subject is told the variant and does it) */
  readonly truncates: boolean;
  /** whether it has the per-step terms of the full BPTT sum that the per-step check compares */
  readonly steps: boolean;
  /** whether it can be asked about other cases (a module, a command): the localisation by experiment needs it */
  readonly callable?: boolean;
  /** the cells it implements, when it says (a module's `cells` export, --cells); undefined: every cell */
  readonly cells?: readonly Cell[];
  gradients(c: Case, variant: Variant, also?: Also): Gradients | Promise<Gradients>;
  /**
   * asks ahead (a subject in a process of its own): the answer for (c, variant) is requested now, to work while
   * the tool checks the case before it, and handed to the gradients call that asks for it
   */
  ask?(c: Case, variant: Variant): void;
}

/** The finite-difference oracle: probes of the full gradient of L (entries, or directions vᵀ∇L), float64. */
export interface FdSide {
  readonly name: 'fd';
  readonly dtype: 'float64';
  probes(c: Case, mode: FdMode, seed?: number, only?: string): Promise<FdProbe[]>;
  /** every entry, as gradients (what `grads` writes for fd) */
  gradients(c: Case): Promise<Gradients>;
}

export const isTruncated = (v: Variant): boolean => v.truncate !== undefined || v.detachEvery !== undefined;
export const isClipping = (v: Variant): boolean => v.clipValue !== undefined || v.clipNorm !== undefined;

/** The truncation or detaching of a variant (keys present only when given). */
export const truncation = (v: Variant): Pick<Variant, 'truncate' | 'detachEvery'> => ({
  ...(v.truncate !== undefined ? { truncate: v.truncate } : {}),
  ...(v.detachEvery !== undefined ? { detachEvery: v.detachEvery } : {}),
});

/** The variant of a set of options: only its own keys, each present only when given. */
export const variantOf = (o: Variant): Variant => ({ ...truncation(o), ...clippingOf(o) });

/** The clipping of a variant (keys present only when given). */
export const clippingOf = (v: Variant): Pick<Variant, 'clipValue' | 'clipNorm'> => ({
  ...(v.clipValue !== undefined ? { clipValue: v.clipValue } : {}),
  ...(v.clipNorm !== undefined ? { clipNorm: v.clipNorm } : {}),
});

/** What user code is told: the whole variant (keys present only when given). */
export const told = (v: Variant): SubjectOptions => variantOf(v);

/** The clipping of a variant in the hand side's terms (clipValue v → value, clipNorm n → norm). */
export const clipOf = (v: Variant): ClipOptions => ({
  ...(v.clipValue !== undefined ? { value: v.clipValue } : {}),
  ...(v.clipNorm !== undefined ? { norm: v.clipNorm } : {}),
});

/** The built-in side under test: the hand-written BPTT of the variant, clipping itself. */
export const handSide: Side = {
  name: 'hand',
  dtype: 'float64',
  truncates: true,
  steps: true,
  gradients(c, v) {
    const g = handGradients(c, truncation(v));
    return isClipping(v) ? clipGradients(g, clipOf(v)) : g;
  },
};

/** What a user side may say of itself. */
export interface UserSideTraits {
  /** it can be asked about other cases (a module, a command; not a gradients file) */
  callable?: boolean;
  cells?: readonly Cell[];
}

/** User code (a module, a command, or the gradients of a file): told the variant, compared as it returns its gradients. */
export function userSide(
  name: ImplName,
  f: (c: Case, options: SubjectOptions) => Gradients | Promise<Gradients>,
  traits: UserSideTraits = {},
): Side {
  return {
    name,
    truncates: true,
    steps: false,
    ...(traits.callable ? { callable: true } : {}),
    ...(traits.cells ? { cells: traits.cells } : {}),
    gradients: (c, v) => f(c, told(v)),
  };
}

/** A tfjs reference (float32), computing the variant with tf ops; tf.layers cannot truncate (reference/'s supports()). */
export function referenceSide(name: ReferenceName): Side {
  const truncates = supports(name, { truncate: 1 }, 'rnn') === true; // the cell only words supports()'s reason
  return {
    name,
    dtype: 'float32',
    truncates,
    steps: false,
    gradients: (c, v, also) => referenceGradients(c, name, { ...v, ...(also?.adjoints ? { adjoints: true } : {}) }),
  };
}

export const fdSide: FdSide = {
  name: 'fd',
  dtype: 'float64',
  probes: (c, mode, seed, only) => fdOracleParallel(c, mode, seed, only),
  gradients: fdGradients,
};
