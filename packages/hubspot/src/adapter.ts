/**
 * `createHubspot(settings)`: the HubSpot adapter (read, write, erase, webhooks).
 *
 * @module
 */

import type {
  AbortSignalLike,
  Adapter,
  AdapterCapabilities,
  EraseRequest,
  EraseResult,
  WriteChange,
  WriteResult,
} from '@crmkit/model';
import { createBatchReader } from './adapter/batch-read';
import { createContext } from './adapter/context';
import { createEraser } from './adapter/erase';
import { createOwners, type HubspotOwner } from './adapter/owners';
import { createReader } from './adapter/read';
import { createWebhookHandling } from './adapter/webhook-events';
import { createWriter } from './adapter/write';
import { HUBSPOT_OBJECTS } from './objects';
import { type HubspotSettings, type ResolvedHubspotSettings, resolveSettings } from './settings';

export { WRITE_KEY_PROPERTY } from './adapter/context';
export type { HubspotOwner } from './adapter/owners';

/** Counters of one adapter instance. */
export interface HubspotAdapterStats {
  /** HubSpot objects skipped (and reported through `onInvalid`) because they failed the model's validation. */
  invalid: number;
}

/** The HubSpot adapter: the crmkit `Adapter` contract plus HubSpot extras. */
export interface HubspotAdapter extends Adapter {
  /** Writes changes back to HubSpot (batch upsert, update and archive). */
  write(changes: readonly WriteChange[], options?: { signal?: AbortSignalLike }): Promise<WriteResult[]>;
  /** GDPR-deletes the person's contacts in HubSpot. */
  erase(request: EraseRequest, options?: { signal?: AbortSignalLike }): Promise<EraseResult>;
  /** Lists the account's owners, mapped to crmkit's owner ids. */
  owners(options?: { signal?: AbortSignalLike; archived?: boolean }): Promise<HubspotOwner[]>;
  /** Counters since the adapter was created. */
  stats(): HubspotAdapterStats;
  /** Stops the adapter: later calls throw a `CrmkitError` with code `CLOSED`. */
  close(): Promise<void>;
}

/**
 * Creates the HubSpot adapter. Settings are validated (a wrong one throws a `ValidationError` naming its path).
 *
 * @example
 * ```ts
 * const hubspot = createHubspot({
 *   credentials: { type: 'token', token: process.env.HUBSPOT_TOKEN! },
 *   portalId: 62515,
 *   clientSecret: process.env.HUBSPOT_CLIENT_SECRET,
 *   mapping: { contacts: { loyalty_tier: 'attributes.sales.loyaltyTier' } },
 * });
 * for await (const batch of hubspot.read()) {
 *   await hub.ingest(batch.records);
 *   await saveCheckpoint(batch.checkpoint);
 * }
 * ```
 */
export function createHubspot(settings: HubspotSettings): HubspotAdapter {
  const s: ResolvedHubspotSettings = resolveSettings(settings);
  const ctx = createContext(s);
  const reader = createBatchReader(ctx);
  const { read, readByIds } = createReader(ctx, reader);
  const { write } = createWriter(ctx, reader);
  const erase = createEraser(ctx, reader);
  const owners = createOwners(ctx);
  const { parseWebhook, resolveWebhook } = createWebhookHandling(ctx, reader);

  // ----- capabilities -------------------------------------------------------------------------------------------

  const webhooks = s.clientSecret !== undefined;
  const capabilities: AdapterCapabilities = { objects: {}, erase: true };
  for (const type of s.objects) {
    capabilities.objects[HUBSPOT_OBJECTS[type].recordType] = {
      read: true,
      incremental: true,
      write: true,
      webhooks,
      deletes: webhooks,
    };
  }

  const adapter: HubspotAdapter = {
    specificationVersion: 'v1',
    id: 'hubspot',
    source: s.source,
    capabilities,
    read,
    readByIds,
    write,
    erase,
    owners,
    stats: () => ({ invalid: ctx.stats.invalid }),
    close: async () => {
      ctx.close();
    },
  };
  if (webhooks) {
    adapter.parseWebhook = parseWebhook;
    adapter.resolveWebhook = resolveWebhook;
  }
  return adapter;
}
