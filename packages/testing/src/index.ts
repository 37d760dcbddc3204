/**
 * `@crmkit/testing`: test toolkit for crmkit. `describeStoreContract` checks any `Store` implementation against the
 * contract of `@crmkit/model` with vitest and fast-check.
 *
 * @packageDocumentation
 */
export { describeStoreContract, type StoreContractOptions } from './store-contract';
