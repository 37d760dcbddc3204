import { z } from 'zod';
import { IdSchema, type JsonValue, TimestampSchema } from './common';
import { RoleNameSchema, RoleSchema } from './admin';
import { ContactChannelSchema, ContactPurposeSchema } from './engagement';
import type { RecordType } from './source-record';

/**
 * Governance and privacy: who does what (actors), what they may do (policies: capabilities, row scopes and field
 * permissions, as data), what happened (the hash-chained audit log), change requests, the consent ledger and GDPR.
 *
 * @module
 */

// ---------------------------------------------------------------------------------------------------------------
// Actors
// ---------------------------------------------------------------------------------------------------------------

/** A person using the embedding app, with their roles and where they sit. */
export const UserActorSchema = z.strictObject({
  kind: z.literal('user'),
  id: IdSchema,
  /** Roles; a role with a `departmentId` applies to that department only. */
  roles: z.array(RoleSchema).min(1),
  departmentId: IdSchema.optional(),
  teamId: IdSchema.optional(),
});
/** A machine client of the app (an integration), with roles like a user. */
export const ApiKeyActorSchema = z.strictObject({
  kind: z.literal('apiKey'),
  id: IdSchema,
  roles: z.array(RoleSchema).min(1),
  departmentId: IdSchema.optional(),
});
/** A plugin: its manifest grant governs it (see the Plugin contract). */
export const PluginActorSchema = z.strictObject({ kind: z.literal('plugin'), id: IdSchema });
/** A vendor adapter or channel syncing its own system's records. */
export const AdapterActorSchema = z.strictObject({ kind: z.literal('adapter'), id: IdSchema });
/** The Hub itself or the embedding app acting on its own behalf (migrations, retention, scheduled jobs). */
export const SystemActorSchema = z.strictObject({ kind: z.literal('system'), id: IdSchema });

/** Who performs an operation. */
export const ActorSchema = z.discriminatedUnion('kind', [
  UserActorSchema,
  ApiKeyActorSchema,
  PluginActorSchema,
  AdapterActorSchema,
  SystemActorSchema,
]);
/** Who performs an operation. */
export type Actor = z.infer<typeof ActorSchema>;
/** A user actor. */
export type UserActor = z.infer<typeof UserActorSchema>;

/** `user:u_1`, `plugin:sales`, `adapter:hubspot`: how an actor is written in the audit log and the journal. */
export function actorLabel(actor: Actor): string {
  return `${actor.kind}:${actor.id}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------------------------------------------

/** What an actor may do beyond reading and writing customer data in its scope. */
export const CapabilitySchema = z.enum([
  /** Read customers, records, views (within the row scope, projected to the field grant). */
  'customer.read',
  /** Write customer fields: overrides, plugin fields (within scope and field grant). */
  'customer.write',
  /** Merge and unmerge customers, accept and reject review items, unlink. */
  'customer.merge',
  /** Ingest source records (imports). */
  'record.import',
  /** Record consent and set contact arrangements. */
  'consent.write',
  /** Export everything held on a person (GDPR Art. 15/20). */
  'gdpr.export',
  /** Erase a person (GDPR Art. 17) and run retention. */
  'gdpr.erase',
  /** Read the audit log and verify its chain. */
  'audit.read',
  /** Change the policy (a new version). */
  'policy.manage',
  /** Install, configure and remove plugins and workflows. */
  'plugin.manage',
  /** Configure adapters and their credentials. */
  'adapter.manage',
  /** Define customer groups and their default contact arrangements. */
  'group.manage',
  /** Raise a change request or improvement proposal. */
  'change.request',
  /** Triage the change requests of one's department (key users). */
  'change.triage',
  /** Resolve change requests passed to the admin team. */
  'change.resolve',
  /** See KPIs and goals. */
  'kpi.read',
]);
/** A capability. */
export type Capability = z.infer<typeof CapabilitySchema>;

/**
 * Which customers a role sees: `own` (the actor is the customer's owner, golden `ownerId`), `team` (the owner is in
 * the actor's team), `department` (a source of the actor's department supplied the customer, or the owner is in
 * the department), `all`.
 */
export const RowScopeSchema = z.enum(['own', 'team', 'department', 'all']);
/** A row scope. */
export type RowScope = z.infer<typeof RowScopeSchema>;

/** A golden-field path pattern: `displayName`, `name.*`, `attributes.sales.*`, `contactPoints`, `*`. */
export const FieldPatternSchema = z
  .string()
  .regex(
    /^(\*|[a-zA-Z][a-zA-Z0-9_-]*(\.[a-zA-Z0-9_-]+)*(\.\*)?)$/,
    'Expected a field path such as "displayName" or "attributes.sales.*"',
  );

/** What one role may do. */
export const RolePolicySchema = z.strictObject({
  capabilities: z.array(CapabilitySchema),
  scope: RowScopeSchema,
  /** Golden fields the role may read and write. Identity (`id`, `kind`, `status`) is always readable. */
  fields: z.strictObject({
    read: z.array(FieldPatternSchema),
    write: z.array(FieldPatternSchema),
  }),
});
/** What one role may do. */
export type RolePolicy = z.infer<typeof RolePolicySchema>;

/**
 * What stands in for the value of a secret field (`policy.secretFields`) in events, the outbox, the journal and
 * workflow runs. Read the customer (`hub.get`) for the value itself.
 */
export const SECRET_PLACEHOLDER = '[secret]';

/**
 * A policy: what each of the six roles may do. Data, not code: validated with this schema, stored in versions
 * (every change is audited), evaluated by the Hub. An actor with several roles gets the union of their grants.
 */
export const PolicySchema = z.strictObject({
  /** Increases with every change; set by the Hub when a policy is stored. */
  version: z.number().int().nonnegative().default(0),
  /**
   * Fields whose values are kept only in the source records and the golden record: the audit log records only that
   * they changed, and events (the outbox), the journal and workflow runs carry {@link SECRET_PLACEHOLDER} instead
   * of the value.
   */
  secretFields: z.array(FieldPatternSchema).default([]),
  roles: z.strictObject(
    Object.fromEntries(RoleNameSchema.options.map((role) => [role, RolePolicySchema])) as {
      [K in z.infer<typeof RoleNameSchema>]: typeof RolePolicySchema;
    },
  ),
});
/** A policy. */
export type Policy = z.infer<typeof PolicySchema>;
/** A policy as supplied (defaults not applied). */
export type PolicyInput = z.input<typeof PolicySchema>;

/** Fields only some roles may read: identifiers and personal details beyond contact. */
const SENSITIVE = ['birthDate', 'nationalId', 'registrationId'];
/** What a user sees of a customer by default: everything but the sensitive fields. */
const EVERYDAY_FIELDS = [
  'displayName',
  'givenName',
  'familyName',
  'fullName',
  'salutation',
  'jobTitle',
  'language',
  'organizationName',
  'organizationRole',
  'ownerId',
  'lifecycleStage',
  'name',
  'legalName',
  'domain',
  'industry',
  'employees',
  'contactPoints',
  'sources',
  'attributes.*',
];

/**
 * The default policy for the six roles of the CRM admin team.
 *
 * | role | scope | reads | writes | capabilities beyond read |
 * |---|---|---|---|---|
 * | crm_executive | all | every field | nothing | KPIs, audit, policy (approves) |
 * | technical_admin | all | display name only | nothing | adapters and credentials, audit |
 * | functional_admin | all | every field but sensitive ones | nothing | plugins and workflows, groups, policy |
 * | data_admin | all | every field | every field | merges, imports, consent, GDPR export and erasure, audit, change resolution |
 * | key_user | department | every field but sensitive ones | everyday fields | triage change requests, consent |
 * | user | department | every field but sensitive ones | everyday fields of own customers | change requests |
 *
 * A user writes only the customers they own (row scope for writes is the narrower of `own` and the role scope):
 * see the Hub's governance documentation.
 */
export const DEFAULT_POLICY: Policy = {
  version: 0,
  secretFields: [],
  roles: {
    crm_executive: {
      capabilities: ['customer.read', 'kpi.read', 'audit.read', 'policy.manage', 'change.resolve', 'change.request'],
      scope: 'all',
      fields: { read: ['*'], write: [] },
    },
    technical_admin: {
      capabilities: ['customer.read', 'adapter.manage', 'audit.read', 'change.request'],
      scope: 'all',
      fields: { read: ['displayName'], write: [] },
    },
    functional_admin: {
      capabilities: [
        'customer.read',
        'plugin.manage',
        'group.manage',
        'policy.manage',
        'change.resolve',
        'change.request',
      ],
      scope: 'all',
      fields: { read: EVERYDAY_FIELDS, write: [] },
    },
    data_admin: {
      capabilities: [
        'customer.read',
        'customer.write',
        'customer.merge',
        'record.import',
        'consent.write',
        'gdpr.export',
        'gdpr.erase',
        'audit.read',
        'change.resolve',
        'change.request',
      ],
      scope: 'all',
      fields: { read: ['*'], write: ['*'] },
    },
    key_user: {
      capabilities: ['customer.read', 'customer.write', 'consent.write', 'change.triage', 'change.request'],
      scope: 'department',
      fields: { read: EVERYDAY_FIELDS, write: EVERYDAY_FIELDS.filter((f) => f !== 'sources' && f !== 'ownerId') },
    },
    user: {
      capabilities: ['customer.read', 'customer.write', 'change.request'],
      scope: 'department',
      fields: { read: EVERYDAY_FIELDS, write: EVERYDAY_FIELDS.filter((f) => f !== 'sources' && f !== 'ownerId') },
    },
  },
};
/** Fields the default policy keeps from everyday roles. */
export const DEFAULT_SENSITIVE_FIELDS: readonly string[] = SENSITIVE;

// ---------------------------------------------------------------------------------------------------------------
// Audit log
// ---------------------------------------------------------------------------------------------------------------

/** One changed field in an audit entry. Secret fields carry `secret: true` and no values. */
export interface AuditChange {
  field: string;
  old?: JsonValue;
  new?: JsonValue;
  secret?: boolean;
}

/**
 * One entry of the audit log: append-only and hash-chained.
 *
 * Format 2 (`v: 2`, what the Hub writes): `hash` = SHA-256 over the canonical JSON of every stored field but `hash`
 * itself and the redactable ones (`changes`, `reason`, `salt`, `redacted`), so an edited, added or removed key breaks
 * the chain. The redactable values enter through salted commitments, `changesDigest` = SHA-256 of
 * `salt + ":" + canonical JSON of changes` and `reasonDigest` likewise for `reason`. A GDPR erasure removes the values
 * and the salt (`changes: null`, no `reason`, no `salt`, `redacted: true`) and lists the redacted `seq`s in its own
 * chained `gdpr.erase` entry; the chain still verifies, while a redaction no erasure lists is reported.
 *
 * Format 1 (no `v`, entries written before format 2): `hash` covers `seq`, `at`, `actor`, `action`, `target`,
 * `reason`, `changesDigest` (unsalted) and `prevHash`; only `changes` is redactable. Verified with that rule.
 */
export interface AuditEntry {
  /** Format version: `2`; absent on format-1 entries. */
  v?: 2;
  /** 1, 2, 3 ... without gaps. */
  seq: number;
  at: string;
  /** {@link actorLabel} of who did it. */
  actor: string;
  /** What was done, e.g. `customer.override`, `customer.merge`, `policy.update`, `plugin.install`. */
  action: string;
  /** What it was done to: `customer:cus_1`, `policy`, `plugin:sales`, `adapter:hubspot`, `record:hubspot/person/1`. */
  target: string;
  /** Why, as the actor said. Format 2: removed by a redaction (its commitment `reasonDigest` stays). */
  reason?: string;
  /** The changed fields; `null` once redacted by an erasure. */
  changes: AuditChange[] | null;
  /** SHA-256 (hex) of `salt + ":" + ` the canonical JSON of `changes` as written (format 1: without the salt). */
  changesDigest: string;
  /** Format 2 with a reason: SHA-256 (hex) of `salt + ":" + ` the canonical JSON of `reason`. */
  reasonDigest?: string;
  /** Format 2: 32 random hex characters salting the commitments; removed by a redaction. */
  salt?: string;
  redacted?: boolean;
  /** Hash of the previous entry (64 zeros for the first). */
  prevHash: string;
  hash: string;
}

/** What `verify` found. */
export interface AuditVerification {
  ok: boolean;
  /** Entries checked. */
  entries: number;
  /** The last entry's seq and hash: publish it somewhere else to detect a truncated tail later. */
  head?: { seq: number; hash: string };
  /** The first problem, when not ok. */
  problem?: { seq: number; reason: string };
}

// ---------------------------------------------------------------------------------------------------------------
// Change requests
// ---------------------------------------------------------------------------------------------------------------

/** `correction`: data is wrong; `improvement`: a proposal to improve the CRM (fields, processes, rules). */
export const ChangeRequestKindSchema = z.enum(['correction', 'improvement']);
/** Status of a change request. */
export const ChangeRequestStatusSchema = z.enum(['open', 'escalated', 'resolved', 'rejected']);
/** Status of a change request. */
export type ChangeRequestStatus = z.infer<typeof ChangeRequestStatusSchema>;

/** What a user submits. */
export const ChangeRequestInputSchema = z.strictObject({
  kind: ChangeRequestKindSchema,
  title: z.string().trim().min(1).max(200),
  description: z.string().max(10_000).default(''),
  /** The customer it is about (corrections). */
  customerId: IdSchema.optional(),
  /** The field that is wrong, and the value proposed. */
  field: z.string().min(1).max(256).optional(),
  proposedValue: z.unknown().optional(),
});
/** What a user submits. */
export type ChangeRequestInput = z.input<typeof ChangeRequestInputSchema>;

/** A change request with its history. */
export interface ChangeRequest {
  id: string;
  kind: z.infer<typeof ChangeRequestKindSchema>;
  title: string;
  description: string;
  customerId?: string;
  field?: string;
  proposedValue?: JsonValue;
  status: ChangeRequestStatus;
  /** Who raised it. */
  requestedBy: string;
  /** The department whose key users triage it. */
  departmentId: string | null;
  /** Where it sits: `key_user` (the department's key users) or `admin` (the admin team). */
  queue: 'key_user' | 'admin';
  createdAt: string;
  updatedAt: string;
  /** Set when the person the request was about was erased: title, description, proposed value and notes are gone. */
  erasedAt?: string;
  history: {
    at: string;
    actor: string;
    action: 'opened' | 'escalated' | 'resolved' | 'rejected' | 'commented';
    note?: string;
  }[];
}

// ---------------------------------------------------------------------------------------------------------------
// Consent ledger and contact arrangements
// ---------------------------------------------------------------------------------------------------------------

/** One consent capture: appended to the ledger, never changed. The latest capture per channel and purpose counts. */
export const ConsentCaptureSchema = z.strictObject({
  customerId: IdSchema,
  channel: ContactChannelSchema,
  purpose: ContactPurposeSchema,
  status: z.enum(['granted', 'denied', 'withdrawn']),
  capturedAt: TimestampSchema,
  /** Where: `webform:newsletter`, `hubspot`, `call-center` ... */
  captureSource: z.string().min(1).max(256),
  /** Version of the consent wording shown. */
  wordingVersion: z.string().min(1).max(64),
  /** Double opt-in: when the confirmation was asked and when it was confirmed (a grant counts once confirmed). */
  doubleOptIn: z.strictObject({ requestedAt: TimestampSchema, confirmedAt: TimestampSchema.optional() }).optional(),
  expiresAt: TimestampSchema.optional(),
});
/** A consent capture as supplied. */
export type ConsentCaptureInput = z.input<typeof ConsentCaptureSchema>;
/** A consent capture in the ledger. */
export type ConsentCapture = z.output<typeof ConsentCaptureSchema> & {
  id: string;
  recordedAt: string;
  recordedBy: string;
};

/** Why `canContact` said yes or no. */
export type ContactReason =
  | 'allowed'
  | 'no-consent'
  | 'consent-denied'
  | 'consent-withdrawn'
  | 'consent-expired'
  | 'double-opt-in-pending'
  | 'no-arrangement'
  | 'purpose-not-allowed'
  | 'quiet-hours'
  | 'frequency-cap'
  | 'customer-erased'
  | 'customer-not-found';

/** The answer of `canContact`. */
export interface ContactDecision {
  allowed: boolean;
  reason: ContactReason;
  /** A sentence for people. */
  detail: string;
  /** The consent capture that decided, if any. */
  consentId?: string;
  /** Where the arrangement came from: the customer's own, or a group's default (with the group id). */
  arrangement?: { source: 'customer' | 'group'; groupId?: string; channel: string };
  /** The responsible account manager (the arrangement's, else the group's manager). */
  accountManagerId?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// GDPR
// ---------------------------------------------------------------------------------------------------------------

/** A retention rule: records of this type older than `maxAgeDays` (by `observedAt`) are purged. */
export const RetentionPolicySchema = z.strictObject({
  entity: z.enum(['interaction', 'opportunity', 'person', 'organization'] satisfies RecordType[]),
  maxAgeDays: z.number().int().positive(),
  /** Only records of these sources (all when absent). */
  sources: z.array(z.string().min(1)).optional(),
});
/** A retention rule. */
export type RetentionPolicy = z.infer<typeof RetentionPolicySchema>;

/**
 * What an erasure reached in the Hub, store by store: how many rows of each kind it removed or redacted, and the ids
 * where a person may want to check (customers, change requests, workflow runs). docs/governance.md has the table of
 * every store and what erasure does to it.
 */
export interface ErasureReach {
  /** The customers blanked (golden record, display name and lookup keys removed; status `deleted`). */
  customers: string[];
  /**
   * Probable duplicates erased with the person because the caller listed them in `alsoErase` (a person confirmed
   * the match): their ids, the review items that tied them, and their records' count.
   */
  probableDuplicates: { customerId: string; reviewIds: string[]; records: number }[];
  /**
   * Possible matches left alone: active customers whose record waits in the review queue as a likely match of one of
   * the person's records (the review items are rejected, their explanation redacted). The matcher was unsure, so
   * they are not erased; check them, and erase a confirmed one with `erase(id, { alsoErase: [customerId] })`.
   */
  possibleMatches: { customerId: string; reviewIds: string[] }[];
  /** Source records tombstoned without data (the person's, and interactions and opportunities naming them). */
  records: number;
  /** Identity links of the person's records, deleted. */
  identityLinks: number;
  /** Review items naming the person's records: explanation redacted, open ones rejected. */
  reviewItems: number;
  /** Merge links of the person's customer ids: their free-text reason removed. */
  mergeLinks: number;
  /** Field overrides deleted. */
  overrides: number;
  /** Plugin extension rows (plugin fields) of the customer deleted. */
  extensions: number;
  /** Consent captures deleted (no suppression record is kept; see docs/governance.md). */
  consents: number;
  /** Contact arrangements deleted. */
  arrangements: number;
  /** Change requests about the person: title, description, proposed value and notes removed; open ones rejected. */
  changeRequests: string[];
  /** Workflow runs whose input, results or history named the person: redacted; unfinished ones failed (`ERASED`). */
  workflowRuns: string[];
  /** Journal entries whose data was redacted. */
  journalEntries: number;
  /** Audit entries redacted (changed values and reason; their `seq`s are listed in the `gdpr.erase` entry). */
  auditEntries: number;
  /** Outbox events whose payload was redacted. */
  outboxEvents: number;
  /**
   * Other store documents declared to be about the person's records (`crmkit.record-document` links, e.g. the sync
   * engine's dead letters), deleted with their links; by kind and id.
   */
  documents: { kind: string; id: string }[];
}

/** What an erasure did, per system. */
export interface ErasureReport {
  customerId: string;
  erasedAt: string;
  /** Source records removed from the Hub (tombstoned without data; a later sync cannot bring them back). */
  records: number;
  /** What the erasure reached in the Hub's own store. */
  hub: ErasureReach;
  systems: {
    system: string;
    records: number;
    /** `erased` (the adapter erased them in the vendor system), `not-connected` (no adapter for the system), `failed`. */
    status: 'erased' | 'not-connected' | 'failed' | 'hub-only';
    detail?: string;
  }[];
}
