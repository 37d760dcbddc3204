/** Public types of the HubSpot sandbox. */

/** A JSON value as parsed from a request or response body. */
export type HubspotJson = string | number | boolean | null | HubspotJson[] | { [key: string]: HubspotJson };

/** A rolling-window rate limit: at most `max` requests per `intervalMs` per access token. */
export interface HubspotRateLimit {
  /** Requests allowed in one window. */
  max: number;
  /** Window length in milliseconds. */
  intervalMs: number;
}

/** Options of {@link createHubspotSandbox}. */
export interface HubspotSandboxOptions {
  /** Port to listen on (127.0.0.1). Default 0: an ephemeral port. */
  port?: number;
  /** Accepted bearer token. Default `'sandbox-token'`. */
  accessToken?: string;
  /** Portal (hub) id put in webhook events. Default 62515. */
  portalId?: number;
  /** App id put in webhook events when a subscription names none. Default 1160452. */
  appId?: number;
  /** Ten-secondly rolling limit. Default `{ max: 190, intervalMs: 10_000 }`. */
  rateLimit?: HubspotRateLimit;
  /** Daily request limit reported in the headers and enforced. Default 250,000. */
  dailyLimit?: number;
  /** Rate limit of the search endpoints. Default `{ max: 5, intervalMs: 1000 }`. */
  searchRateLimit?: HubspotRateLimit;
  /** Clock for object timestamps (ms since epoch). Default `Date.now`. Timestamps are made strictly increasing. */
  now?: () => number;
  /** Interval of the background webhook delivery. Default 50 ms; 0 disables it (deliver with `webhooks.flush()`). */
  webhookFlushIntervalMs?: number;
  /** Delivery attempts per webhook batch before it is given up. Default 5. */
  webhookMaxAttempts?: number;
  /** First retry delay in ms, doubled on each further attempt. Default 100. */
  webhookRetryBaseMs?: number;
  /** Timeout of one webhook POST in ms. Default 5000. */
  webhookTimeoutMs?: number;
  /**
   * Return requested properties that have no value as `null`, as HubSpot does (default true). The OpenAPI files
   * type property values as plain strings; set false to leave such properties out instead.
   */
  nullProperties?: boolean;
}

/** Probabilities (0..1) and settings of injected faults; every decision comes from a PRNG seeded with `seed`. */
export interface HubspotFaultConfig {
  /** PRNG seed: the same seed and the same sequence of requests give the same faults. Default 1. */
  seed?: number;
  /** Probability of a 500/502/503 answer. */
  error5xx?: number;
  /** Probability that the server never answers (until the client gives up or the sandbox closes). */
  timeout?: number;
  /** Probability that a response is delayed by a random time in `slowMs`. */
  slow?: number;
  /** Range of the delay of slow responses, in ms. Default `[200, 800]`. */
  slowMs?: [number, number];
  /** Probability of a spurious 429 (counted as throttled). */
  rateLimit429?: number;
  /** For a 5xx or timeout on a write: probability that the write was applied before the response was lost. Default 0.5. */
  applyBeforeFault?: number;
  /** Probability that a webhook event is never delivered. */
  dropWebhook?: number;
  /** Probability that a webhook event is delivered twice. */
  duplicateWebhook?: number;
  /** Shuffle the events of each delivery batch. */
  reorderWebhooks?: boolean;
}

/** Counters of injected faults. */
export interface HubspotFaultStats {
  /** 5xx answers injected. */
  error5xx: number;
  /** Requests held without answer. */
  timeout: number;
  /** Slowed responses. */
  slow: number;
  /** Spurious 429 answers. */
  rateLimit429: number;
  /** 5xx/timeouts whose write had been applied. */
  appliedBeforeFault: number;
  /** Webhook events dropped. */
  droppedWebhooks: number;
  /** Webhook events duplicated. */
  duplicatedWebhooks: number;
  /** Webhook batches shuffled. */
  reorderedWebhookBatches: number;
}

/** Fault injection control of a sandbox. */
export interface HubspotFaults {
  /** Replaces the fault configuration (and reseeds the PRNG). */
  set(config: HubspotFaultConfig): void;
  /** Removes every fault. */
  clear(): void;
  /** The active configuration, or undefined. */
  current(): HubspotFaultConfig | undefined;
}

/** A webhook subscription of {@link HubspotWebhooks.subscribe}. */
export interface HubspotWebhookSubscriptionInput {
  /** Target URL (events are POSTed there). */
  url: string;
  /** Client secret used for signature v3. Default `'sandbox-client-secret'`. */
  clientSecret?: string;
  /** App id in the events. Default: the sandbox's appId. */
  appId?: number;
  /** Portal id in the events. Default: the sandbox's portalId. */
  portalId?: number;
  /** Subscription types to deliver (e.g. `contact.creation`, `object.propertyChange`). Default: all. */
  events?: string[];
  /** Maximum events per POST (1..100). Default 100. */
  maxBatch?: number;
}

/** A registered webhook subscription. */
export interface HubspotWebhookSubscription {
  /** Subscription id, put in every event of it. */
  id: number;
  /** Target URL. */
  url: string;
  /** Removes the subscription and drops its pending deliveries. */
  unsubscribe(): void;
}

/** One event as HubSpot delivers it to a webhook (the POST body is an array of them). */
export interface HubspotWebhookEvent {
  /** Event id (unique per event, the same in redeliveries). */
  eventId: number;
  /** Subscription id. */
  subscriptionId: number;
  /** Portal id. */
  portalId: number;
  /** App id. */
  appId: number;
  /** When the change happened (ms since epoch). */
  occurredAt: number;
  /** e.g. `contact.propertyChange`. */
  subscriptionType: string;
  /** Delivery attempt, 0 for the first. */
  attemptNumber: number;
  /** Id of the changed object. */
  objectId: number;
  /** Changed property (propertyChange). */
  propertyName?: string;
  /** New value (propertyChange). */
  propertyValue?: string;
  /** `INTEGRATION` (API), `CRM_UI` (control API), `GDPR`. */
  changeSource: string;
  /** Source detail. */
  sourceId?: string;
  /** `NEW`, `DELETED`, `RESTORED`, `PRIVACY_DELETED`. */
  changeFlag?: string;
  /** Object type id for generic `object.*` events, e.g. `0-46`. */
  objectTypeId?: string;
  /** associationChange: e.g. `CONTACT_TO_COMPANY`. */
  associationType?: string;
  /** associationChange: from object id. */
  fromObjectId?: number;
  /** associationChange: to object id. */
  toObjectId?: number;
  /** associationChange: true when removed. */
  associationRemoved?: boolean;
  /** associationChange: primary association. */
  isPrimaryAssociation?: boolean;
  /** associationChange: association category. */
  associationCategory?: string;
  /** associationChange: association type id. */
  associationTypeId?: number;
}

/** Options of {@link HubspotWebhooks.flush}. */
export interface HubspotWebhookFlushOptions {
  /** Also deliver retries whose backoff is not over yet. Default false. */
  force?: boolean;
}

/** Webhook control of a sandbox. */
export interface HubspotWebhooks {
  /** Registers a subscription; later changes are delivered to it. */
  subscribe(input: HubspotWebhookSubscriptionInput): HubspotWebhookSubscription;
  /** Delivers every queued event (and due retries) now; resolves when those POSTs are done. */
  flush(options?: HubspotWebhookFlushOptions): Promise<void>;
  /** Events queued or waiting for a retry. */
  pending(): number;
}

/** An object as the control API returns it: every property it has. */
export interface HubspotObject {
  /** Object id. */
  id: string;
  /** Object type name, e.g. `contacts`. */
  objectType: string;
  /** All set properties (including hs_object_id, createdate and the last-modified one). */
  properties: Record<string, string>;
  /** Creation time (ISO). */
  createdAt: string;
  /** Last modification (ISO). */
  updatedAt: string;
  /** Archived (deleted, restorable). */
  archived: boolean;
  /** Archive time (ISO). */
  archivedAt?: string;
}

/** An association to create with an object. */
export interface HubspotAssociationInput {
  /** Target object type (name or type id). */
  toType: string;
  /** Target object id. */
  toId: string;
  /** Association type id; default: HubSpot's default type of the pair. */
  typeId?: number;
}

/** A property definition (subset of HubSpot's Property). */
export interface HubspotPropertyDefinition {
  /** Internal name. */
  name: string;
  /** Label. */
  label: string;
  /** `string`, `number`, `date`, `datetime`, `enumeration`, `bool`, `phone_number`. */
  type: string;
  /** `text`, `textarea`, `number`, `date`, `select`, `radio`, `checkbox`, `booleancheckbox`, `phonenumber`... */
  fieldType: string;
  /** Property group. */
  groupName: string;
  /** Description. */
  description?: string;
  /** Values must be unique across objects of the type (usable as upsert `idProperty`). */
  hasUniqueValue?: boolean;
  /** Enumeration options. */
  options?: { label: string; value: string; hidden?: boolean; displayOrder?: number; description?: string }[];
  /** Defined by HubSpot (built-in). */
  hubspotDefined?: boolean;
  /** Hidden property. */
  hidden?: boolean;
  /** Value cannot be written through the API. */
  readOnlyValue?: boolean;
  /** Usable in forms. */
  formField?: boolean;
  /** Display order. */
  displayOrder?: number;
  /** Referenced object type (e.g. `OWNER`). */
  referencedObjectType?: string;
}

/** An owner (user) of the portal. */
export interface HubspotOwner {
  /** Owner id. */
  id: string;
  /** Email. */
  email: string;
  /** First name. */
  firstName: string;
  /** Last name. */
  lastName: string;
  /** User id. */
  userId: number;
  /** Archived owners are listed with `archived=true` only. */
  archived: boolean;
  /** Creation time (ISO). */
  createdAt: string;
  /** Update time (ISO). */
  updatedAt: string;
}

/** Input of {@link HubspotSandbox.addOwner}. */
export interface HubspotOwnerInput {
  /** Owner id; default: generated. */
  id?: string;
  /** Email. */
  email: string;
  /** First name. */
  firstName?: string;
  /** Last name. */
  lastName?: string;
  /** User id; default: generated. */
  userId?: number;
  /** Archived. */
  archived?: boolean;
}

/** Input of {@link HubspotSandbox.seed}. */
export interface HubspotSeedInput {
  /** Contacts to create. */
  contacts?: number;
  /** Companies to create (contacts get a company association round-robin). */
  companies?: number;
  /** Deals to create (each associated with a company and a contact when there are some). */
  deals?: number;
  /** Engagements to create (notes, calls, meetings, tasks in turn, each associated with a contact). */
  engagements?: number;
  /** PRNG seed of the generated data. Default 1. */
  seed?: number;
  /** Queue webhook events for seeded objects. Default false. */
  emitEvents?: boolean;
}

/** Ids created by {@link HubspotSandbox.seed}, per type. */
export interface HubspotSeedResult {
  /** Contact ids. */
  contacts: string[];
  /** Company ids. */
  companies: string[];
  /** Deal ids. */
  deals: string[];
  /** Engagement ids with their type. */
  engagements: { type: string; id: string }[];
}

/** Request statistics of a sandbox. */
export interface HubspotSandboxStats {
  /** API requests received (control API calls excluded). */
  requests: number;
  /** Requests per operation, e.g. `objects.create`, `search`, `associations.batch.read`. */
  byOperation: Record<string, number>;
  /** Requests answered 429 (limits and injected 429s). */
  throttled: number;
  /** Injected faults. */
  faults: HubspotFaultStats;
  /** Webhook events delivered (2xx) to receivers. */
  webhooksDelivered: number;
  /** Webhook POSTs made (including failed ones). */
  webhookAttempts: number;
  /** Webhook POSTs that failed (non-2xx or network error). */
  webhookFailures: number;
  /** Webhook events given up after the last attempt. */
  webhooksGivenUp: number;
}

/** One API request and its response, as given to {@link HubspotSandbox.onExchange} listeners. */
export interface HubspotExchange {
  /** HTTP method. */
  method: string;
  /** Path without query string. */
  path: string;
  /** Raw query string (without `?`), `''` when none. */
  query: string;
  /** Request headers (lower-case names). */
  requestHeaders: Record<string, string>;
  /** Parsed JSON request body, or undefined. */
  requestBody: HubspotJson | undefined;
  /** Response status. */
  status: number;
  /** Response headers (lower-case names). */
  responseHeaders: Record<string, string>;
  /** Parsed JSON response body, or undefined (e.g. 204). */
  responseBody: HubspotJson | undefined;
}

/** Listener of {@link HubspotSandbox.onExchange}. */
export type HubspotExchangeListener = (exchange: HubspotExchange) => void;

/** Options of the control API's object reads. */
export interface HubspotControlReadOptions {
  /** Read archived objects (instead of live ones). */
  archived?: boolean;
}

/** Options of {@link HubspotSandbox.createObject}. */
export interface HubspotControlCreateOptions {
  /** Associations to create with the object. */
  associations?: HubspotAssociationInput[];
}

/** A running HubSpot sandbox: the HTTP server plus the control API used by tests. */
export interface HubspotSandbox {
  /** Base URL, e.g. `http://127.0.0.1:51234` (no trailing slash). */
  readonly url: string;
  /** Portal id. */
  readonly portalId: number;
  /** Accepted access token. */
  readonly accessToken: string;
  /** Fault injection. */
  readonly faults: HubspotFaults;
  /** Webhook subscriptions and delivery. */
  readonly webhooks: HubspotWebhooks;
  /** Creates an object as a HubSpot user would (validates properties; throws on invalid ones). */
  createObject(type: string, properties: Record<string, string>, options?: HubspotControlCreateOptions): HubspotObject;
  /** Updates properties of a live object. */
  updateObject(type: string, id: string, properties: Record<string, string>): HubspotObject;
  /** Archives (soft-deletes) an object and removes its associations. */
  archiveObject(type: string, id: string): void;
  /** Restores an archived object. */
  restoreObject(type: string, id: string): HubspotObject;
  /** Reads one object (live, or archived with `{ archived: true }`). */
  getObject(type: string, id: string, options?: HubspotControlReadOptions): HubspotObject | undefined;
  /** Lists objects of a type (live, or archived), ordered by id. */
  listObjects(type: string, options?: HubspotControlReadOptions): HubspotObject[];
  /** Associates two objects (both directions); `typeId` defaults to HubSpot's default type of the pair. */
  associate(fromType: string, fromId: string, toType: string, toId: string, typeId?: number): void;
  /** Ids of the objects of `toType` associated with an object. */
  associations(fromType: string, fromId: string, toType: string): string[];
  /** Defines (or replaces) a custom property. */
  defineProperty(type: string, definition: HubspotPropertyDefinition): void;
  /** Adds an owner. */
  addOwner(owner: HubspotOwnerInput): HubspotOwner;
  /** Bulk-creates realistic, deterministic data. */
  seed(input: HubspotSeedInput): HubspotSeedResult;
  /** Request statistics. */
  stats(): HubspotSandboxStats;
  /** Resets the statistics. */
  resetStats(): void;
  /** Calls `listener` for every API exchange; returns the unsubscribe function. */
  onExchange(listener: HubspotExchangeListener): () => void;
  /** Stops the server, timers and open sockets. */
  close(): Promise<void>;
}
