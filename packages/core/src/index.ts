/**
 * `@crmkit/core`: the Hub. Ingest source records from every CRM and channel, link them into customers, derive one
 * golden record per customer with per-field provenance, merge and unmerge by hand, review uncertain matches, and
 * publish typed events.
 * Runs on every JavaScript runtime (no Node.js built-in modules). What crmkit's own packages and test kit need
 * beyond this lives in `@crmkit/core/internal`, with no stability promise.
 *
 * @packageDocumentation
 */
export { createHub, isGroupMember, type ResolvedHubOptions, resolveHubOptions } from './hub';
export type { LinkerSettings } from './runtime/operation-context';
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
  LoadOptions,
  LoadProgress,
  LoadResult,
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
export type { CleanedRecord, SupersededRecord } from './ingest/ingest-checks';
export { createMemoryStore, type MemoryStoreOptions } from './store/memory-store';
export { type Clock, sleep, systemClock } from './runtime/clock';
export { Grant } from './plugins/permissions';
export type { CommandInfo, PluginInfo } from './plugins/host';
export { deriveGolden } from './golden/derive';
export type {
  DepartmentSources,
  DeriveGoldenOptions,
  ExtensionFact,
  RawContact,
  SurvivorshipOptions,
} from './golden/derive';
export { createDeterministicResolver, createProbabilisticResolver, createRecordMatcher } from './identity/resolver';
export type {
  DeterministicResolverOptions,
  IdentityResolver,
  LivePartyRecord,
  ProbabilisticResolverOptions,
  RecordMatcher,
} from './identity/resolver';
export { createIdGenerator, type IdGenerator } from './runtime/ids';
export type { NormalizePhoneOptions, PhoneCountryOptions } from './normalize';
export { SCOPED_FIND_SCAN_LIMIT, type ScopedActorOptions, type ScopedHub } from './governance/scoped';
export {
  ADMIN_ACTION_LIMITS,
  parseAdminAction,
  type AdminActionInput,
  type PersonExport,
  type PurgeReport,
} from './governance/service';
export { Access, type Directory, FieldPatterns, parseActor, parsePolicy } from './governance/policy';
export {
  GENESIS_HASH,
  verifyAuditLog,
  verifyStoreAudit,
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
