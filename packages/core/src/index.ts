/**
 * `@crmkit/core`: the Hub. Ingest source records from every CRM and channel, link them into customers, derive one
 * golden record per customer with per-field provenance, merge and unmerge by hand, review uncertain matches, and
 * publish typed events.
 * Runs on every JavaScript runtime (no Node.js built-in modules).
 *
 * @packageDocumentation
 */
export { createHub, isGroupMember } from './hub';
export type {
  ActivityView,
  ActorOptions,
  EraseOptions,
  AppHookHandler,
  AppHookOptions,
  WorkflowListOptions,
  CallOptions,
  CustomerView,
  FindQuery,
  Hub,
  HubListener,
  HubOptions,
  IngestOptions,
  IngestResult,
  MergeResult,
  Page,
  ReindexOptions,
  ReindexProgress,
  ReindexResult,
  ReviewDecision,
  ReviewListOptions,
  UnlinkResult,
  UnmergeResult,
} from './hub';
export {
  CHECKPOINT_KIND as REACTION_CHECKPOINT_KIND,
  DEAD_LETTER_KIND as REACTION_DEAD_LETTER_KIND,
} from './reactions';
export type { DurableListener, ReactionsOptions, SubscribeOptions } from './reactions';
export type { CleanedRecord, SupersededRecord } from './ingest-checks';
export { createMemoryStore, type MemoryStoreOptions } from './memory-store';
export { type Clock, sleep, systemClock } from './clock';
export { HookRegistry, type HookEntryOptions, type HookErrorInfo } from './hooks';
export { loadPlugins, type LoadedPlugin } from './plugins/loader';
export { Grant } from './plugins/permissions';
export type { CommandInfo, PluginInfo } from './plugins/host';
export {
  WorkflowEngine,
  type RunDueOptions,
  type SchedulerOptions,
  type WorkflowEngineOptions,
  type WorkflowRunListOptions,
} from './workflows';
export { deriveGolden, displayNameOf, fieldsOf, contactPointsOf } from './golden';
export type { DepartmentSources, DeriveGoldenOptions, ExtensionFact, RawContact, SurvivorshipOptions } from './golden';
export {
  createDeterministicResolver,
  createProbabilisticResolver,
  createRecordMatcher,
  identityRecordOf,
  prepareRecord,
  recordKey,
  referencesOf,
} from './identity';
export type {
  DeterministicResolverOptions,
  IdentityResolver,
  LivePartyRecord,
  ProbabilisticResolverOptions,
  RecordMatcher,
} from './identity';
export { createIdGenerator, type IdGenerator } from './ids';
export {
  formatAddress,
  nameTokens,
  normalizeAddress,
  normalizeEmail,
  normalizePhone,
  normalizeText,
  normalizeUrl,
  type AddressParts,
  type NormalizePhoneOptions,
} from './normalize';
export { compareStrings, hashString, stableStringify } from './stable';
export {
  createScopedHub,
  SCOPED_FIND_SCAN_LIMIT,
  type ScopedActorOptions,
  type ScopedHub,
  type ScopedHubDeps,
} from './governance/scoped';
export {
  ADMIN_ACTION_LIMITS,
  adminActionCapability,
  parseAdminAction,
  type AdminActionInput,
  type PersonExport,
  type PurgeReport,
} from './governance/service';
export {
  Access,
  createDirectory,
  type Directory,
  FieldPatterns,
  parseActor,
  parsePolicy,
} from './governance/policy';
export {
  buildAuditEntries,
  diffFields,
  GENESIS_HASH,
  sha256Hex,
  verifyAuditLog,
  verifyStoreAudit,
  type AuditInput,
  type BuildAuditOptions,
  type VerifyAuditOptions,
  type VerifyStoreAuditOptions,
} from './governance/audit';
export {
  type ConsentCaptureOutput,
  type ContactArrangementFields,
  type ContactArrangementInput,
  ContactArrangementInputSchema,
  type ContactInput,
  decideContact,
  DEFAULT_CONSENT_FREE_PURPOSES,
  effectiveConsent,
  FREQUENCY_WINDOW_MS,
  parseArrangement,
  parseConsentCapture,
} from './governance/contact';
