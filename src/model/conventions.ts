/**
 * Conventions: how other code writes the same model (DESIGN.md, "Conventions"), the one module that converts
 * between a user's view and ours. Its parts: conventions-types.ts (the types, OURS, twinName; what a convention
 * changes in the seed's formulas), conventions-presets.ts (the presets, conventionsOf, describeConventions),
 * conventions-plan.ts (which user tensor holds which of ours), conventions-convert.ts (cases and gradients).
 */
export * from './conventions-types.js';
export * from './conventions-presets.js';
export * from './conventions-plan.js';
export * from './conventions-convert.js';
