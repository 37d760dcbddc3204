/**
 * `@crmkit/testing`: test toolkit for crmkit. `describeStoreContract` checks any `Store` implementation against the
 * contract of `@crmkit/model` with vitest and fast-check; `syntheticPeople` generates person records with known
 * duplicates for tests and benchmarks.
 *
 * @packageDocumentation
 */
export { describeStoreContract, type StoreContractOptions } from './store-contract';
export { FAMILY_NAMES, GIVEN_NAMES, SYNTHETIC_SOURCES, seededRandom, syntheticPeople } from './generate';
export * from './identity-datasets';
export * from './identity-generator';
export { customerPartition, type EventSource, type PartitionSource, recordEvents } from './hub-helpers';
