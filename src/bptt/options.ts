/**
 * Variants of BPTT (the README defines them with formulas):
 *   truncate k     each output L_t back-propagates through steps max(0, t−k) … t only (WildML's bptt_truncate);
 *                  k = 0 keeps no recurrent term at all
 *   detachEvery k  the state is detached at steps k, 2k, …: s_{ck−1} enters step ck as a constant, so each
 *                  output back-propagates to the start of its chunk only
 *   outputStep t   differentiate the single output loss L_t instead of L = Σ_t L_t
 */
export interface BpttOptions {
  truncate?: number;
  detachEvery?: number;
  outputStep?: number;
  /** keep ∂L/∂s_t and ∂L/∂a_t of every step (for --steps-detail) */
  keepSteps?: boolean;
}

/** Whether output t contributes to the loss being differentiated. */
export function outputIncluded(opts: BpttOptions, t: number): boolean {
  return opts.outputStep === undefined || opts.outputStep === t;
}
