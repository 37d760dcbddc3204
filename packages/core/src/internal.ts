/**
 * `@crmkit/core/internal`: building blocks that crmkit's own packages, test kit and benchmarks use and that apps do
 * not need: the hook registry, plugin host and loader, workflow engine, lookup-key and normalisation helpers, audit
 * builders, the fake clock and Hub observers for tests. No stability promise: names here may change in any
 * release. Apps use `@crmkit/core`.
 *
 * @packageDocumentation
 */
export { HookRegistry, type HookEntryOptions, type HookErrorInfo } from './plugins/hooks';
export { loadPlugins, type LoadedPlugin } from './plugins/loader';
export { PluginHost, type HostBindings } from './plugins/host';
export {
  WorkflowEngine,
  type RunDueOptions,
  type SchedulerOptions,
  type WorkflowEngineOptions,
  type WorkflowRunListOptions,
} from './workflows';
export { displayNameOf, fieldsOf, contactPointsOf } from './golden/derive';
export { identityRecordOf, prepareRecord, recordKey, referencesOf } from './identity/resolver';
export {
  formatAddress,
  nameTokens,
  normalizeAddress,
  normalizeEmail,
  normalizePhone,
  normalizeText,
  normalizeUrl,
  phoneOptionsOf,
  type AddressParts,
} from './normalize';
export { compareStrings, hashString, stableStringify } from './runtime/stable';
export { createScopedHub, type ScopedHubDeps } from './governance/scoped';
export { adminActionCapability } from './governance/service';
export { createDirectory } from './governance/policy';
export { buildAuditEntries, diffFields, sha256Hex, type AuditInput, type BuildAuditOptions } from './governance/audit';
export {
  createFakeClock,
  FAKE_CLOCK_START,
  type FakeClock,
  type FakeClockRunOptions,
  type FakeProcessClock,
} from './runtime/fake-clock';
export { customerPartition, type EventSource, type PartitionSource, recordEvents } from './runtime/hub-observers';
