/**
 * Settings of {@link createHubspot}, validated with zod: a wrong setting throws a `ValidationError` naming its path.
 *
 * @module
 */

import type { Credentials, RateBudgetOptions } from '@crmkit/adapter-kit';
import { SourceNameSchema, validationErrorFromZod } from '@crmkit/model';
import { z } from 'zod';
import { HUBSPOT_OBJECT_TYPES, type HubspotObjectType } from './objects';

/** Called for every HubSpot object that could not be turned into a valid source record (it is skipped). */
export type InvalidObjectHandler = (report: InvalidObjectReport) => void;

/** A HubSpot object the adapter skipped because its mapped record failed the model's validation. */
export interface InvalidObjectReport {
  /** The HubSpot object type, e.g. `contacts`. */
  objectType: HubspotObjectType;
  /** HubSpot's id of the object. */
  objectId: string;
  /** The first offending path in the mapped record, e.g. `data.participants`. */
  path: string;
  /** What is wrong there. */
  message: string;
  /** Every problem, each with its path. */
  issues: { path: string; message: string }[];
}

/** HTTP client options passed through to adapter-kit's `createHttpClient`. */
export interface HubspotHttpOptions {
  /** Total time one request may spend waiting between retries. Default 30 000 ms. */
  maxWaitMs?: number;
  /** Upper bound on retries of one request. Default 8. */
  maxRetries?: number;
  /** Time limit of one attempt. Default 30 000 ms. */
  timeoutMs?: number;
  /** First backoff step. Default 500 ms. */
  baseDelayMs?: number;
  /** Cap of one backoff step. Default 10 000 ms. */
  maxDelayMs?: number;
  /** Extra headers sent with every request (not for credentials). */
  headers?: Record<string, string>;
}

/**
 * Custom property mapping per object type: `{ hubspotProperty: modelPath }`, e.g.
 * `{ contacts: { loyalty_tier: 'attributes.sales.loyaltyTier' } }`. Applied on read and reversed on write.
 */
export type HubspotPropertyMapping = Partial<Record<HubspotObjectType, Record<string, string>>>;

/** Settings of {@link createHubspot} as supplied. */
export interface HubspotSettings {
  /** crmkit source name the records are tagged with. Default `hubspot`. */
  source?: string;
  /** A private-app token (`{ type: 'token', token }`) or OAuth 2 credentials (see `@crmkit/adapter-kit`). */
  credentials: Credentials;
  /** HubSpot's API base URL. Default `https://api.hubapi.com`. */
  baseUrl?: string;
  /** The HubSpot account (portal) id: keys the shared rate budget and checks webhook events' `portalId`. */
  portalId?: string | number;
  /** The app's client secret, used to verify webhook signatures (required for `parseWebhook`). */
  clientSecret?: string;
  /** The public URL HubSpot calls with webhooks (signed in v3); `request.url` when absent. */
  webhookUrl?: string;
  /** Which object types to sync. Default all of them. */
  objects?: readonly HubspotObjectType[];
  /** Custom property mapping, applied on read and reversed on write. */
  mapping?: HubspotPropertyMapping;
  /** Extra HubSpot properties to read per object type; they land in `attributes.hubspot`. */
  properties?: Partial<Record<HubspotObjectType, readonly string[]>>;
  /**
   * Read every property HubSpot defines for each object type (discovered once through the properties API), so
   * nothing is lost in `attributes.hubspot`. Default false: the mapped properties, custom mappings and `properties`.
   */
  allProperties?: boolean;
  /** Incremental reads start this much before the last pass started, so clock skew loses nothing. Default 300 000. */
  overlapMs?: number;
  /** Objects per page of a full read (HubSpot allows 100). Default 100. */
  pageSize?: number;
  /** Objects per page of an incremental search (HubSpot allows 200). Default 200. */
  searchPageSize?: number;
  /** HubSpot's cap on the results of one search (10 000); it bounds paging through objects sharing one modification time. */
  searchResultCap?: number;
  /** Rate budget of the account. Default HubSpot's private-app limit (190 per 10 s, 19 reserved). */
  rateLimit?: RateBudgetOptions;
  /**
   * Rate budget of the search endpoints (HubSpot allows 5 per second per account). Default one per 250 ms without
   * bursts, so no second ever sees more than 5.
   */
  searchRateLimit?: RateBudgetOptions;
  /** Currency of deals without `deal_currency_code` (the account's company currency), e.g. `EUR`. */
  defaultCurrency?: string;
  /** Called for every object skipped because it failed the model's validation. */
  onInvalid?: InvalidObjectHandler;
  /** `fetch` implementation; injectable for tests. */
  fetch?: typeof fetch;
  /** Clock in epoch milliseconds; injectable for tests. Default `Date.now`. */
  now?: () => number;
  /** HTTP client options (timeouts, retries, wait budget). */
  http?: HubspotHttpOptions;
}

/** Settings after validation, with defaults applied. */
export interface ResolvedHubspotSettings {
  /** crmkit source name. */
  source: string;
  /** Credentials. */
  credentials: Credentials;
  /** API base URL. */
  baseUrl: string;
  /** Account id, when given. */
  portalId: string | undefined;
  /** Webhook client secret, when given. */
  clientSecret: string | undefined;
  /** Public webhook URL, when given. */
  webhookUrl: string | undefined;
  /** Object types to sync, in sync order. */
  objects: HubspotObjectType[];
  /** Custom property mapping. */
  mapping: HubspotPropertyMapping;
  /** Extra properties to read. */
  properties: Partial<Record<HubspotObjectType, readonly string[]>>;
  /** Read every defined property. */
  allProperties: boolean;
  /** Incremental overlap window. */
  overlapMs: number;
  /** Full-read page size. */
  pageSize: number;
  /** Search page size. */
  searchPageSize: number;
  /** Search result cap. */
  searchResultCap: number;
  /** Account rate budget. */
  rateLimit: RateBudgetOptions | undefined;
  /** Search rate budget. */
  searchRateLimit: RateBudgetOptions;
  /** Default deal currency. */
  defaultCurrency: string | undefined;
  /** Invalid-object callback. */
  onInvalid: InvalidObjectHandler | undefined;
  /** `fetch`. */
  fetch: typeof fetch | undefined;
  /** Clock. */
  now: () => number;
  /** HTTP client options. */
  http: HubspotHttpOptions;
}

const isFunction = (value: unknown): value is (...args: never[]) => unknown => typeof value === 'function';

const ObjectTypeSchema = z.enum(HUBSPOT_OBJECT_TYPES);
const PropertyNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_-]{0,99}$/, 'Expected a HubSpot property name such as "loyalty_tier"');
const ModelPathSchema = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9_-]+)*$/,
    'Expected a model path such as "jobTitle" or "attributes.sales.loyaltyTier"',
  );

const RateBudgetOptionsSchema = z.object({
  capacity: z.number().int().min(1),
  windowMs: z.number().positive(),
  reserveForInteractive: z.number().int().min(0).optional(),
  headers: z.unknown().optional(),
  now: z.custom<() => number>(isFunction).optional(),
  sleep: z.custom<(ms: number) => Promise<void>>(isFunction).optional(),
});

const CredentialsSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('token'), token: z.string().min(1, 'Expected a non-empty token') }),
  z.object({
    type: z.literal('oauth2'),
    tokenStore: z.custom<{ get: unknown; set: unknown }>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        isFunction((value as { get?: unknown }).get) &&
        isFunction((value as { set?: unknown }).set),
      'Expected a token store with get() and set()',
    ),
    refresh: z.custom<(...args: never[]) => unknown>(isFunction, 'Expected a refresh function'),
  }),
]);

/** Model fields the custom mapping may target (the first segment of a model path), per object type. */
const MAPPABLE_ROOTS: Record<HubspotObjectType, readonly string[]> = {
  contacts: [
    'givenName',
    'familyName',
    'fullName',
    'salutation',
    'jobTitle',
    'language',
    'lifecycleStage',
    'attributes',
  ],
  companies: ['name', 'legalName', 'domain', 'industry', 'registrationId', 'lifecycleStage', 'attributes'],
  deals: ['name', 'pipeline', 'stage', 'attributes'],
  notes: ['subject', 'bodyRef', 'departmentId', 'attributes'],
  calls: ['subject', 'bodyRef', 'departmentId', 'attributes'],
  meetings: ['subject', 'bodyRef', 'departmentId', 'attributes'],
  tasks: ['subject', 'bodyRef', 'departmentId', 'attributes'],
};

const SettingsSchema = z
  .object({
    source: SourceNameSchema.default('hubspot'),
    credentials: CredentialsSchema,
    baseUrl: z.url().default('https://api.hubapi.com'),
    portalId: z
      .union([z.string().regex(/^\d+$/, 'Expected a numeric portal id'), z.number().int().positive()])
      .transform(String)
      .optional(),
    clientSecret: z.string().min(1).optional(),
    webhookUrl: z.url().optional(),
    objects: z.array(ObjectTypeSchema).min(1).optional(),
    mapping: z.partialRecord(ObjectTypeSchema, z.record(PropertyNameSchema, ModelPathSchema)).default({}),
    properties: z.partialRecord(ObjectTypeSchema, z.array(PropertyNameSchema)).default({}),
    allProperties: z.boolean().default(false),
    overlapMs: z.number().int().min(0).default(300_000),
    pageSize: z.number().int().min(1).max(100).default(100),
    searchPageSize: z.number().int().min(1).max(200).default(200),
    searchResultCap: z.number().int().min(1).max(10_000).default(10_000),
    rateLimit: RateBudgetOptionsSchema.optional(),
    // One token every 250 ms without bursts: never more than 5 in any second (HubSpot's rolling search limit).
    searchRateLimit: RateBudgetOptionsSchema.default({ capacity: 1, windowMs: 250 }),
    defaultCurrency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'Expected an ISO 4217 currency code such as "EUR"')
      .optional(),
    onInvalid: z.custom<InvalidObjectHandler>(isFunction, 'Expected a function').optional(),
    fetch: z.custom<typeof fetch>(isFunction, 'Expected a fetch function').optional(),
    now: z.custom<() => number>(isFunction, 'Expected a function').default(() => Date.now),
    http: z
      .object({
        maxWaitMs: z.number().int().min(0).optional(),
        maxRetries: z.number().int().min(0).optional(),
        timeoutMs: z.number().int().positive().optional(),
        baseDelayMs: z.number().int().min(0).optional(),
        maxDelayMs: z.number().int().min(0).optional(),
        headers: z.record(z.string(), z.string()).optional(),
      })
      .strict()
      .default({}),
  })
  .strict()
  .superRefine((settings, ctx) => {
    for (const [type, entries] of Object.entries(settings.mapping) as [HubspotObjectType, Record<string, string>][]) {
      const roots = MAPPABLE_ROOTS[type];
      const seen = new Set<string>();
      for (const [property, path] of Object.entries(entries ?? {})) {
        const root = path.split('.')[0]!;
        if (!roots.includes(root)) {
          ctx.addIssue({
            code: 'custom',
            path: ['mapping', type, property],
            message: `Expected a path under ${roots.map((r) => `"${r}"`).join(', ')} for ${type}`,
          });
        }
        if (path.startsWith('attributes.hubspot')) {
          ctx.addIssue({
            code: 'custom',
            path: ['mapping', type, property],
            message: '"attributes.hubspot" holds the raw HubSpot properties; map to another namespace',
          });
        }
        if (root === 'attributes' && path.split('.').length < 2) {
          ctx.addIssue({
            code: 'custom',
            path: ['mapping', type, property],
            message: 'Expected a key under "attributes", e.g. "attributes.sales.tier"',
          });
        }
        if (seen.has(path)) {
          ctx.addIssue({
            code: 'custom',
            path: ['mapping', type, property],
            message: `Two properties map to "${path}"`,
          });
        }
        seen.add(path);
      }
    }
  });

/**
 * Validates and completes {@link HubspotSettings}. Throws a `ValidationError` whose issues name each offending path
 * (e.g. `settings.credentials.token`).
 */
export function resolveSettings(input: HubspotSettings): ResolvedHubspotSettings {
  const parsed = SettingsSchema.safeParse(input);
  if (!parsed.success) {
    throw validationErrorFromZod(parsed.error, { root: 'settings', message: '[crmkit/hubspot] Invalid settings' });
  }
  const s = parsed.data;
  const objects = s.objects
    ? HUBSPOT_OBJECT_TYPES.filter((type) => s.objects!.includes(type))
    : [...HUBSPOT_OBJECT_TYPES];
  return {
    source: s.source,
    credentials: s.credentials as Credentials,
    baseUrl: s.baseUrl.replace(/\/+$/, ''),
    portalId: s.portalId,
    clientSecret: s.clientSecret,
    webhookUrl: s.webhookUrl,
    objects,
    mapping: s.mapping as HubspotPropertyMapping,
    properties: s.properties as Partial<Record<HubspotObjectType, readonly string[]>>,
    allProperties: s.allProperties,
    overlapMs: s.overlapMs,
    pageSize: s.pageSize,
    searchPageSize: s.searchPageSize,
    searchResultCap: s.searchResultCap,
    rateLimit: s.rateLimit as RateBudgetOptions | undefined,
    searchRateLimit: s.searchRateLimit as RateBudgetOptions,
    defaultCurrency: s.defaultCurrency,
    onInvalid: s.onInvalid,
    fetch: s.fetch,
    now: s.now,
    http: s.http,
  };
}
