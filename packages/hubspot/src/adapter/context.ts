/**
 * What the parts of the HubSpot adapter share: the resolved settings, the HTTP clients (one on the account's rate
 * budget, one for searches that also spend the search budget), whether the adapter is open, and counters; plus the
 * shapes of HubSpot's batch answers.
 *
 * @module
 */
import {
  createHttpClient,
  createRateBudget,
  getRateBudget,
  HUBSPOT_PRIVATE_APP_RATE_LIMIT,
  type HttpClient,
  type RateBudget,
} from '@crmkit/adapter-kit';
import { type AbortSignalLike, CrmkitError, fnv1a32 } from '@crmkit/model';
import type { HubspotObject, MappingContext } from '../mapping';
import type { ResolvedHubspotSettings } from '../settings';

/** The unique custom property that keys idempotent creates (batch upsert by `idProperty`). */
export const WRITE_KEY_PROPERTY = 'crmkit_write_key';

/** A page of a HubSpot list call. */
export interface ListPage {
  results?: HubspotObject[];
  paging?: { next?: { after?: string } };
}

/** One error of a HubSpot batch answer. */
export interface BatchError {
  status?: string;
  category?: string;
  message?: string;
  context?: Record<string, string[] | undefined>;
  errors?: { message?: string; context?: Record<string, string[] | undefined> }[];
}

/** A HubSpot batch answer. */
export interface BatchAnswer {
  results?: (HubspotObject & { new?: boolean })[];
  errors?: BatchError[];
}

/** A HubSpot v4 association batch read answer. */
export interface AssociationAnswer {
  results?: {
    from?: { id?: string | number };
    to?: {
      toObjectId?: string | number;
      associationTypes?: { typeId?: number; label?: string | null; category?: string }[];
    }[];
  }[];
}

/** Objects per HubSpot batch call. */
export const BATCH_SIZE = 100;

/** `items` in slices of `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The contract's signal as the `AbortSignal` the HTTP client takes. */
export function asSignal(signal: AbortSignalLike | undefined): AbortSignal | undefined {
  return signal as AbortSignal | undefined;
}

/** A short, non-reversible fingerprint of a token, to key the shared rate budget without a portal id. */
function fingerprint(value: string): string {
  return fnv1a32(value).toString(16);
}

/** The settings and collaborators of one adapter, handed to each of its parts. */
export interface HubspotContext {
  readonly s: ResolvedHubspotSettings;
  /** Calls on the account's rate budget. */
  readonly http: HttpClient;
  /** Search calls: they spend the search budget and the account's budget. */
  readonly searchHttp: HttpClient;
  /** What the mapping needs: source, custom property mapping, default currency. */
  readonly context: MappingContext;
  /** Throws `CLOSED` once the adapter was closed. */
  assertOpen(): void;
  /** Closes the adapter. */
  close(): void;
  /** Counters since the adapter was created. */
  readonly stats: { invalid: number };
}

/** The context of an adapter with settings `s`: its HTTP clients on the shared rate budgets. */
export function createContext(s: ResolvedHubspotSettings): HubspotContext {
  const now = s.now;
  const budgetKey =
    s.portalId !== undefined
      ? `hubspot:${s.portalId}`
      : s.credentials.type === 'token'
        ? `hubspot:token:${fingerprint(s.credentials.token)}`
        : undefined;
  const budgetOptions = s.rateLimit ?? HUBSPOT_PRIVATE_APP_RATE_LIMIT;
  const budget: RateBudget =
    budgetKey === undefined ? createRateBudget(budgetOptions) : getRateBudget(budgetKey, budgetOptions);
  const searchOnly: RateBudget =
    budgetKey === undefined
      ? createRateBudget(s.searchRateLimit)
      : getRateBudget(`${budgetKey}:search`, s.searchRateLimit);
  /** Search calls take a token from the search budget and from the account's budget. */
  const searchBudget: RateBudget = {
    get capacity() {
      return searchOnly.capacity;
    },
    get windowMs() {
      return searchOnly.windowMs;
    },
    reserveForInteractive: searchOnly.reserveForInteractive,
    available: () => Math.min(searchOnly.available(), budget.available()),
    acquire: async (options) => {
      await searchOnly.acquire(options);
      await budget.acquire(options);
    },
    updateFromHeaders: (headers) => budget.updateFromHeaders(headers),
  };
  const clientOptions = {
    baseUrl: s.baseUrl,
    vendor: 'hubspot',
    credentials: s.credentials,
    ...s.http,
    ...(s.fetch === undefined ? {} : { fetch: s.fetch }),
    now,
  };
  const http: HttpClient = createHttpClient({ ...clientOptions, budget });
  const searchHttp: HttpClient = createHttpClient({ ...clientOptions, budget: searchBudget });

  let closed = false;
  const assertOpen = () => {
    if (closed) throw new CrmkitError({ code: 'CLOSED', message: '[crmkit/hubspot] The adapter was closed.' });
  };

  const context = { source: s.source, mapping: s.mapping, defaultCurrency: s.defaultCurrency };
  return {
    s,
    http,
    searchHttp,
    context,
    assertOpen,
    close: () => {
      closed = true;
    },
    stats: { invalid: 0 },
  };
}
