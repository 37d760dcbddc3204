/**
 * `@crmkit/testing`: test toolkit for crmkit. `describeStoreContract` checks any `Store` implementation against the
 * contract of `@crmkit/model` with vitest and fast-check; `syntheticPeople` generates person records with known
 * duplicates for tests and benchmarks; `createPluginHarness` runs plugins on a fake clock and
 * `describePluginConformance` checks a plugin against the plugin contract.
 *
 * @packageDocumentation
 */
export {
  type AdapterConformanceOptions,
  type ConformanceContext,
  type ConformancePerson,
  type ConformanceVendor,
  describeAdapterConformance,
} from './adapter-conformance';
export { describeStoreContract, type StoreContractOptions } from './store-contract';
export {
  FAMILY_NAMES,
  GIVEN_NAMES,
  SYNTHETIC_SOURCES,
  seededRandom,
  syntheticPeople,
  syntheticPeopleStream,
} from './generate';
export * from './identity-datasets';
export * from './identity-generator';
export {
  createFakeClock,
  customerPartition,
  type EventSource,
  FAKE_CLOCK_START,
  type FakeClock,
  type FakeClockRunOptions,
  type FakeProcessClock,
  type PartitionSource,
  recordEvents,
} from '@crmkit/core/internal';
export {
  createPluginHarness,
  expectCrmkitError,
  expectPermissionDenied,
  HarnessAssertionError,
  type HarnessRecordInput,
  type PluginErrorReport,
  type PluginHarness,
  type PluginHarnessOptions,
} from './plugin-harness';
export {
  checkPluginConformance,
  describePluginConformance,
  type PluginConformanceOptions,
  type PluginConformanceProbe,
  type PluginConformanceResult,
  pluginConformanceProbes,
} from './plugin-conformance';
export * from './openapi/validator';
export * from './sandbox/hubspot';
export { startWebhookReceiver, type WebhookReceiver } from './sandbox/receiver';
