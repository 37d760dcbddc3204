/**
 * `@crmkit/identity`: record linkage for customer data. Normalisers, blocking, comparators, Fellegi-Sunter scoring
 * with parameters estimated by EM (no labels needed), deterministic rules, merge guards, clustering with stable ids,
 * and an index for real-time matching. Pure TypeScript without I/O: runs in Node, Bun, Deno, browsers and edge runtimes.
 *
 * @packageDocumentation
 */
export * from './types';
export * from './api';
export { DEFAULT_THRESHOLDS, createMatcher, estimateParameters, resolve } from './engine';
export { IdentityIndex } from './identity-index';
export type { Comparison } from './comparisons';
export {
  PERSON_CONFIG,
  ORGANIZATION_CONFIG,
  defaultConfig,
  type BlockingRule,
  type DeterministicRule,
  type EngineConfig,
  type Guard,
  type ReviewCap,
  type TrainingRule,
} from './config';
export type { Prepared } from './prepare';
export * from './text';
export * from './names';
export * from './contact';
export * from './compare';
export * from './phonetic';
export * from './csv';
