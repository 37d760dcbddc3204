/**
 * `createHub`: wires the Hub's modules together. Each concern lives in its folder (`runtime/` operation context,
 * transactions, events and lookup keys; `ingest/`; `identity/`; `golden/`; `query/`; `contact/`; `governance/`;
 * `plugins/`), each a factory of the {@link HubRuntime}; this file only connects them, in an order that starts
 * nothing before every option was validated.
 *
 * @module
 */
import type { HubEvent, HubEventType } from '@crmkit/model';
import type { Hub } from './api/hub';
import type { HubOptions } from './api/options';
import { createSend } from './contact/send';
import { createFields } from './golden/fields';
import { createOverrides } from './golden/overrides';
import { createGovernanceApi, createServices, startRetention } from './governance/hub-governance';
import { createScopedHub } from './governance/scoped';
import { createMerges } from './identity/merges';
import { createProbabilisticResolver } from './identity/resolver';
import { createReviews } from './identity/reviews';
import { createIngest } from './ingest/ingest';
import { createReindex } from './ingest/reindex';
import { loadBatchSize, runLoad } from './load/load';
import {
  createExtensionsApi,
  createHubReactions,
  createPluginHost,
  createWorkflowEngine,
  startWorkflowScheduler,
} from './plugins/wiring';
import { createCustomers } from './query/customers';
import { createGroups } from './query/groups';
import { createHubRuntime } from './runtime/hub-runtime';
import { createIdGenerator } from './runtime/ids';
import { resolveHubOptions } from './runtime/options';
import { createMemoryStore } from './store/memory-store';

export type { Hub, HubListener } from './api/hub';
export type {
  ActorOptions,
  AppHookHandler,
  AppHookOptions,
  CallOptions,
  EraseOptions,
  FindQuery,
  HubOptions,
  IngestOptions,
  LoadOptions,
  LoadProgress,
  ReindexOptions,
  ReindexProgress,
  ReviewListOptions,
  WorkflowListOptions,
} from './api/options';
export type {
  ActivityView,
  CustomerView,
  IngestResult,
  LoadResult,
  MergeResult,
  Page,
  ReindexResult,
  ReviewDecision,
  UnlinkResult,
  UnmergeResult,
} from './api/results';
export { isGroupMember } from './query/groups';
export { type ResolvedHubOptions, resolveHubOptions } from './runtime/options';

/**
 * Creates the Hub: the central customer view over every source. Every option is validated first
 * ({@link resolveHubOptions}); a `createHub` that throws leaves no timer, scheduler or handle behind.
 *
 * @example
 * ```ts
 * import { createHub } from '@crmkit/core';
 *
 * const hub = createHub();
 * await hub.ingest([
 *   { type: 'person', source: 'hubspot', externalId: '101', observedAt: '2026-03-01T10:00:00Z',
 *     data: { givenName: 'Ada', familyName: 'Lovelace', emails: ['ada@example.com'] } },
 *   { type: 'person', source: 'dynamics', externalId: 'c-9', observedAt: '2026-03-02T08:00:00Z',
 *     data: { fullName: 'Ada King', emails: ['ADA@example.com'], phones: ['+44 20 7946 0000'] } },
 * ]);
 * const [ada] = await hub.find({ email: 'ada@example.com' }); // one customer, two sources
 * ```
 */
export function createHub(options: HubOptions = {}): Hub {
  // 1. Validate every option; nothing is created before this returns.
  const resolved = resolveHubOptions(options);

  // 2. The runtime every module receives, and the modules (nothing runs yet).
  const rt = createHubRuntime(resolved, {
    store: options.store ?? createMemoryStore(),
    identity:
      options.identity ??
      createProbabilisticResolver(
        resolved.settings.defaultCountry ? { defaultCountry: resolved.settings.defaultCountry } : {},
      ),
    newId: options.generateId ?? createIdGenerator(() => resolved.now().getTime()),
  });
  const customers = createCustomers(rt);
  const groups = createGroups(rt);
  const fields = createFields(rt);
  const ingest = createIngest(rt);
  const services = createServices(rt, options.adapters);
  const canContact = services.canContact;

  // 3. Plugins and workflows: the host reaches the Hub through the modules above.
  const host = createPluginHost(rt, { customers, groups: groups.groups, canContact, fields, ingest });
  const { engine, hasWorkflows } = createWorkflowEngine(rt, host);
  const reactions = createHubReactions(rt, host, engine);
  rt.attach({ host, engine, reactions });

  // 4. Last, what runs on its own: the workflow scheduler and the retention schedule.
  startWorkflowScheduler(rt, hasWorkflows);
  const stopRetention = startRetention(rt, services);

  const hub: Hub = {
    store: rt.store,
    ingest: (records, callOptions = {}) => ingest.ingestRecords(records, callOptions),
    async load(records, loadOptions = {}) {
      rt.ensureOpen();
      const batchSize = loadBatchSize(loadOptions.batchSize, resolved.maxBatchSize);
      return runLoad((batch, o) => ingest.ingestRecords(batch, o), records, { ...loadOptions, batchSize });
    },
    ...createReindex(rt),
    ...createMerges(rt),
    ...createOverrides(rt),
    get: customers.get,
    find: customers.find,
    list: customers.list,
    view: customers.view,
    journal: customers.journal,
    outbox: customers.outbox,
    ...createReviews(rt),
    ...groups,
    setFields: fields.setFields,
    ...createExtensionsApi(rt),
    ...createSend(rt, canContact),
    ...createGovernanceApi(rt, services),
    as(actor) {
      rt.ensureOpen();
      return createScopedHub(actor, {
        hub,
        services,
        directory: resolved.directory,
        findCandidates: customers.findCandidates,
      });
    },
    on(type: HubEventType | '*', listener: (event: HubEvent) => void): () => void {
      rt.emitter.on(type, listener as never);
      return () => {
        rt.emitter.off(type, listener as never);
      };
    },
    subscribe(name, listener, subscribeOptions) {
      rt.ensureOpen();
      return reactions.subscribe(name, listener, subscribeOptions);
    },
    idle: () => reactions.idle(),
    async close() {
      if (rt.closed) return;
      rt.markClosed();
      stopRetention();
      await reactions.stop();
      await engine.stop();
      rt.emitter.removeAllListeners();
      await rt.store.close();
    },
  };
  return hub;
}
