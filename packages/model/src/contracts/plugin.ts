import type { z } from 'zod';
import type { JsonValue } from '../common';
import type { CustomerGroup } from '../engagement';
import type { ContactDecision } from '../governance';
import type { AbortSignalLike } from '../errors';
import type { HubEvent, HubEventType } from '../events';
import type { Customer } from '../golden';
import type { RecordType, SourceRecordInput } from '../source-record';
import type { StoredRecord } from './store';

/**
 * The Plugin contract: a department's extension of the central model and its processes, packaged once and reused.
 *
 * A plugin is a plain object (build it with {@link definePlugin}). It declares its fields (in its own namespace),
 * activity types, hooks, workflows and commands, and an allow-list of what it reads and writes. The host (the Hub
 * in `@crmkit/core`) refuses a bad manifest at start and enforces the grant on every read and write.
 *
 * @module
 */

/** Pattern of plugin names. A plugin's name is also its namespace: `attributes.<name>.<field>`. */
export const PLUGIN_NAME_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;

/** Entity types a plugin can add fields to. */
export type PluginEntity = 'person' | 'organization' | 'interaction' | 'opportunity';
/** Every {@link PluginEntity}. */
export const PLUGIN_ENTITIES: readonly PluginEntity[] = ['person', 'organization', 'interaction', 'opportunity'];

/** What a plugin may see beyond its own namespace. Everything not listed is invisible to it. */
export interface PluginReadGrant {
  /**
   * Entity types whose data it may see: `person`, `organization` (customers and their golden records),
   * `interaction`, `opportunity`, `group` (customer groups).
   */
  readonly entities?: readonly (RecordType | 'group')[];
  /**
   * Golden-record fields it may see, as paths; a trailing `*` matches a prefix. Examples: `displayName`,
   * `name.*`, `attributes.marketing.*`, `contactPoints`. The plugin's own namespace (`attributes.<name>.*`) is
   * always readable. Identity (`id`, `kind`, `status`, `mergedInto`) is always visible.
   */
  readonly fields?: readonly string[];
  /** Event types it may receive (in after-hooks and as workflow triggers). */
  readonly events?: readonly HubEventType[];
}

/** What a plugin may change. Everything not listed is refused with a `PERMISSION_DENIED` error. */
export interface PluginWriteGrant {
  /** Other plugins' namespaces it may write fields in; its own is implied. */
  readonly namespaces?: readonly string[];
  /** Record types it may create or change, always under its own source `plugin:<name>`. */
  readonly entities?: readonly RecordType[];
}

/** A plugin's allow-list. */
export interface PluginPermissions {
  readonly read?: PluginReadGrant;
  readonly write?: PluginWriteGrant;
}

/** A new activity type (a `custom` activity `<plugin>.<type>` on an interaction), with the schema of its data. */
export interface PluginActivityType {
  /** Human-readable name, e.g. `Escalation`. */
  readonly label?: string;
  readonly description?: string;
  /** Schema of the activity's `data`; validated on every write. */
  readonly schema: z.ZodType<Record<string, JsonValue>>;
}

/** A customer as a plugin sees it: only the fields of its read grant. */
export type PluginCustomer = Customer;

/** Payloads of the hooks a plugin (or an app) can register, by hook name. */
export interface HookPayloads {
  /**
   * A batch is about to be ingested (already validated): the records of types the plugin may read, projected to its
   * grant (as `listRecords`). A handler may change its writable namespaces or veto the batch; what it was not shown
   * is kept from the original records.
   */
  'ingest:before': { records: SourceRecordInput[] };
  /** A batch was ingested and committed: the records that changed. */
  'ingest:after': {
    records: { key: string; type: RecordType; change: 'created' | 'updated' | 'deleted'; customerId: string | null }[];
  };
  /** Two customers are about to be merged by hand. A handler may veto. */
  'merge:before': { into: string; from: string; reason?: string };
  /** Customers were merged (by hand, automatically or by a review decision). */
  'merge:after': HubEvent<'customer.merged'>['payload'];
  /** A person is about to accept an identity link (a review item). A handler may veto. */
  'link:before': { reviewId: string; a: string; b: string; probability: number };
  /** A review item was decided. */
  'link:after': HubEvent<'review.decided'>['payload'];
  /**
   * Plugin fields or an override are about to be written on a customer: `values` maps golden field paths
   * (`attributes.sales.tier`, `jobTitle`) to the new value (`null` clears). A handler may change values in the
   * namespaces it may write, or veto.
   */
  'update:before': { customerId: string; values: Record<string, JsonValue | null> };
  /** A golden record changed. */
  'update:after': HubEvent<'customer.updated'>['payload'];
  /** Interactions are about to be ingested (already validated), projected as in `ingest:before`. A handler may enrich them or veto. */
  'interaction:before': { records: SourceRecordInput[] };
  /** An interaction was recorded. */
  'interaction:after': HubEvent<'interaction.recorded'>['payload'];
  /** A message is about to be sent to a customer. A handler may change it or veto. */
  'send:before': { message: OutgoingMessage };
  /** A message was handed to its channel. */
  'send:after': { message: OutgoingMessage; result: JsonValue };
}

/** A message on its way to a customer, as the `send:*` hooks see it. */
export interface OutgoingMessage {
  customerId: string;
  channel: string;
  purpose: string;
  subject?: string;
  body?: string;
  /** Channel-specific extras. */
  data?: Record<string, JsonValue>;
}

/** Every hook name. */
export type HookName = keyof HookPayloads;
/** Every hook name, for iteration and validation. */
export const HOOK_NAMES: readonly HookName[] = [
  'ingest:before',
  'ingest:after',
  'merge:before',
  'merge:after',
  'link:before',
  'link:after',
  'update:before',
  'update:after',
  'interaction:before',
  'interaction:after',
  'send:before',
  'send:after',
];
/** Hooks that run before an operation and may change its payload or veto it. */
export type BeforeHookName = Extract<HookName, `${string}:before`>;
/** Hooks that run after an operation was committed. */
export type AfterHookName = Extract<HookName, `${string}:after`>;

/** What a before-hook returns: nothing (go on), a replacement payload, or a veto with a reason. */
export type BeforeHookResult<P> = undefined | { readonly payload: P } | { readonly veto: string };

/** A handler of one hook. Before-hooks may return a {@link BeforeHookResult}; after-hooks return nothing. */
export type HookHandler<H extends HookName> = (
  payload: HookPayloads[H],
  context: PluginContext,
) => H extends BeforeHookName
  ? BeforeHookResult<HookPayloads[H]> | Promise<BeforeHookResult<HookPayloads[H]>>
  : void | Promise<void>;

/** Where a handler runs among the others on the same hook. */
export interface HookOrder {
  /** Lower stages run first. @default 0 */
  readonly stage?: number;
  /** Run before the handlers of these plugins (or registration ids). */
  readonly before?: readonly string[];
  /** Run after the handlers of these plugins (or registration ids). */
  readonly after?: readonly string[];
}

/** A hook handler with its order. */
export interface HookRegistration<H extends HookName> extends HookOrder {
  readonly handler: HookHandler<H>;
  /**
   * What a throwing before-hook means: `skip` logs the error (a `plugin.error`) and goes on as if the handler had
   * not been there; `veto` refuses the operation (fail closed). After-hooks always skip. @default 'skip'
   */
  readonly onError?: 'skip' | 'veto';
}

/** A plugin's hooks, by hook name: a handler, or a handler with its order. */
export type PluginHooks = { readonly [H in HookName]?: HookHandler<H> | HookRegistration<H> };

/** What starts a workflow run. */
export type WorkflowTrigger =
  | {
      /** An event of this type (the plugin must be granted to read it). The run is created in the event's transaction. */
      readonly event: HubEventType;
      /** Only events this returns true for. */
      readonly when?: (event: HubEvent) => boolean;
      /** The run's input; @default the event */
      readonly input?: (event: HubEvent) => JsonValue;
    }
  | {
      /** Every `everyMs` milliseconds of the Hub's clock, in slots aligned to multiples of `everyMs` since the epoch (one run per slot, across processes; input `{ slot }`). */
      readonly schedule: { readonly everyMs: number };
    }
  | {
      /** Started by hand with `hub.workflows.start()` (or a command). */
      readonly manual: true;
    };

/** What a workflow step gets. */
export interface StepContext<I = JsonValue> {
  /** The run's input. */
  readonly input: I;
  /** Outputs of the steps that completed, by step name. */
  readonly results: Readonly<Record<string, JsonValue>>;
  readonly runId: string;
  /** `<runId>:<step>`: the same on every attempt and after a resume; pass it to external systems to dedupe. */
  readonly idempotencyKey: string;
  /** 1 on the first attempt. */
  readonly attempt: number;
  /** Aborted when the step times out or the Hub closes. */
  readonly signal: AbortSignalLike;
  /** The plugin's scoped access to the Hub. */
  readonly plugin: PluginContext;
}

/** One step of a workflow. */
export interface WorkflowStep<I = JsonValue> {
  /** Unique within the workflow. */
  readonly name: string;
  /** Does the work; its (JSON) result is kept in the run and passed to later steps. */
  readonly run: (context: StepContext<I>) => JsonValue | undefined | Promise<JsonValue | undefined>;
  /** Undoes the step when a later step fails for good; gets the step's result. Runs in reverse step order. */
  readonly compensate?: (context: StepContext<I>, output: JsonValue | undefined) => void | Promise<void>;
  /** Extra attempts after a failure. @default 2 */
  readonly retries?: number;
  /** Wait before retry n is `backoffMs * 2^(n-1)`. @default 100 */
  readonly backoffMs?: number;
  /** Time limit of one attempt. @default 30000 */
  readonly timeoutMs?: number;
}

/** A durable, compensating workflow. */
export interface WorkflowDefinition<I = JsonValue> {
  readonly description?: string;
  /** What starts runs; at least one. */
  readonly triggers: readonly WorkflowTrigger[];
  /** Validates the input of manual starts. */
  readonly input?: z.ZodType<I>;
  readonly steps: readonly WorkflowStep<I>[];
}

/** A named action a plugin exposes to apps (and the CLI and server), with validated input. */
export interface PluginCommand<I = unknown, O = unknown> {
  readonly description?: string;
  readonly input: z.ZodType<I>;
  readonly run: (input: I, context: PluginContext) => O | Promise<O>;
}

/** Read options of the plugin context. */
export interface PluginFindOptions {
  limit?: number;
}

/**
 * What a plugin's hooks, steps and commands get: the Hub, seen through the plugin's grant. Reads return only what
 * the grant allows; writes outside it throw a `PermissionDeniedError` and change nothing.
 */
export interface PluginContext {
  /** The plugin's name (its namespace). */
  readonly plugin: string;
  /** The Hub's clock, ISO 8601. */
  now(): string;
  /** A customer, projected to the grant; `undefined` when absent or of an entity type the plugin may not read. */
  getCustomer(id: string): Promise<PluginCustomer | undefined>;
  /**
   * Customers by email, phone or name, projected to the grant. By email or phone needs `contactPoints` in the read
   * grant (else `PERMISSION_DENIED` at `query.email` / `query.phone`); a name matches only names the plugin may read.
   */
  findCustomers(
    query: { email?: string; phone?: string; name?: string },
    options?: PluginFindOptions,
  ): Promise<PluginCustomer[]>;
  /**
   * Live records of a customer of the types the plugin may read (interactions, opportunities ...), each projected
   * to the grant: a party record's data keys only where the grant reads their golden field (`emails`, `phones` ...
   * need `contactPoints`), references by email or phone only with `contactPoints`, attributes of readable
   * namespaces; no match or blocking keys.
   */
  listRecords(customerId: string, options?: { type?: RecordType }): Promise<StoredRecord[]>;
  /**
   * Customer groups (needs `read.entities` to include `group`); `memberIds` holds only ids of customers of kinds the
   * plugin may read.
   */
  listGroups(): Promise<CustomerGroup[]>;
  /**
   * Active members of a customer group (static members and rule matches), projected to the grant; members of a
   * kind the plugin may not read are left out. Needs `read.entities` to include `group`.
   */
  listGroupMembers(groupId: string): Promise<PluginCustomer[]>;
  /**
   * May the customer be contacted on `channel` for `purpose` at `at` (default now)? The Hub's answer from the consent
   * ledger and contact arrangements, with the reason. Needs the read grant of the customer's kind (a customer it may
   * not read is `customer-not-found`).
   */
  canContact(customerId: string, channel: string, purpose: string, at?: string): Promise<ContactDecision>;
  /**
   * Writes plugin fields on a customer: `values` maps field names to values in `namespace` (the plugin's own by
   * default; another needs `write.namespaces`). Validated against the owning plugin's schema; `null` clears a field.
   */
  setFields(
    customerId: string,
    values: Record<string, JsonValue | null>,
    options?: { namespace?: string },
  ): Promise<Customer>;
  /** Ingests records under the plugin's source `plugin:<name>`; their types must be in `write.entities`. */
  ingest(records: readonly Omit<SourceRecordInput, 'source'>[]): Promise<void>;
  /** Starts a run of one of the plugin's workflows. */
  startWorkflow(name: string, input?: JsonValue, options?: { idempotencyKey?: string }): Promise<string>;
  /** Logs through the Hub's logger, tagged with the plugin. */
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string, data?: Record<string, JsonValue>): void;
}

/** A plugin this one needs, with a semver range of its version. */
export type PluginDependencies = Readonly<Record<string, string>>;

/**
 * A plugin manifest. Type parameters are kept shallow on purpose: many plugins in one Hub must not slow the
 * type checker.
 */
export interface Plugin {
  readonly specificationVersion: 'v1';
  /** Unique name, also its namespace: lower-case letters, digits and dashes ({@link PLUGIN_NAME_PATTERN}). */
  readonly name: string;
  /** Semver version of the plugin. */
  readonly version: string;
  /** The department that owns it, e.g. `sales`. */
  readonly department?: string;
  readonly description?: string;
  /** Plugins this one needs, by name, with a semver range; they load first. */
  readonly dependsOn?: PluginDependencies;
  /** Fields it adds, per entity type, as zod schemas: `attributes.<name>.<field>` on the record. */
  readonly fields?: { readonly [E in PluginEntity]?: Readonly<Record<string, z.ZodType<JsonValue>>> };
  /** Activity types it adds, by type name (`<name>.<type>` on the interaction). */
  readonly activityTypes?: Readonly<Record<string, PluginActivityType>>;
  /** Its allow-list. */
  readonly permissions?: PluginPermissions;
  readonly hooks?: PluginHooks;
  /** Its workflows, by name. */
  // biome-ignore lint/suspicious/noExplicitAny: each workflow has its own input type; `unknown` would reject them (the step functions take it as a parameter)
  readonly workflows?: Readonly<Record<string, WorkflowDefinition<any>>>;
  /** Its commands, by name (`<plugin>.<command>` in `hub.commands.run`). */
  // biome-ignore lint/suspicious/noExplicitAny: each command has its own input and output types (see workflows)
  readonly commands?: Readonly<Record<string, PluginCommand<any, any>>>;
}

/** What {@link definePlugin} takes: a manifest without the contract version, which it fills in. */
export type PluginDefinition = Omit<Plugin, 'specificationVersion'> & { readonly specificationVersion?: 'v1' };

/**
 * Builds a plugin manifest: a plain, typed object. The host validates it when the Hub starts.
 *
 * @example
 * ```ts
 * export const service = definePlugin({
 *   name: 'service',
 *   version: '1.0.0',
 *   department: 'service',
 *   fields: { organization: { slaTier: z.enum(['gold', 'silver', 'bronze']) } },
 *   permissions: { read: { entities: ['organization'], fields: ['displayName'] } },
 * });
 * ```
 */
export function definePlugin(plugin: PluginDefinition): Plugin {
  // Not generic on purpose: a generic would be inferred from a declared `Plugin` return type before the hooks'
  // payload types are known (TypeScript infers from the return position first), which breaks plugin factories.
  return { ...plugin, specificationVersion: plugin.specificationVersion ?? 'v1' };
}

/** Builds a workflow definition with its input type inferred (a typed identity). */
export function defineWorkflow<I = JsonValue>(workflow: WorkflowDefinition<I>): WorkflowDefinition<I> {
  return workflow;
}

/** Builds a command with its input type inferred (a typed identity). */
export function defineCommand<I, O>(command: PluginCommand<I, O>): PluginCommand<I, O> {
  return command;
}
