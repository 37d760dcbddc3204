/**
 * The adapter conformance suite: what every crmkit vendor adapter must do, checked end to end through the sync
 * engine of `@crmkit/adapter-kit` into a real Hub, against a vendor the test controls (a sandbox, or a vendor test
 * account). Third parties run it for their own adapters.
 *
 * @module
 */
import { createSyncEngine, type SyncEngine } from '@crmkit/adapter-kit';
import { createHub, type Hub } from '@crmkit/core';
import {
  type Adapter,
  CrmkitError,
  ErrorCode,
  type RecordType,
  type WebhookRequest,
  type WriteChange,
} from '@crmkit/model';
import { describe, expect, it } from 'vitest';

/** A person as the conformance suite writes and reads it in the vendor. */
export interface ConformancePerson {
  givenName: string;
  familyName: string;
  email: string;
}

/**
 * The vendor, driven the way its own users would drive it (not through the adapter): the suite changes data there
 * and checks what arrives in the Hub, and the other way round.
 */
export interface ConformanceVendor {
  /** Creates a person; resolves to its id in the vendor (the record's external id). */
  createPerson(person: ConformancePerson): Promise<string>;
  /** Changes fields of a person. */
  updatePerson(id: string, fields: Partial<ConformancePerson>): Promise<void>;
  /** Deletes (archives) a person. */
  deletePerson(id: string): Promise<void>;
  /** Reads a person back; `undefined` when it does not exist (or is deleted). */
  getPerson(id: string): Promise<ConformancePerson | undefined>;
  /** Ids of every live person. */
  listPeople(): Promise<string[]>;
  /**
   * Hands every pending webhook delivery to `receive` (signed as the vendor signs them) and resolves when the vendor
   * is done (including its retries of deliveries `receive` answered with an error). Absent when the vendor has no
   * webhooks.
   */
  deliverWebhooks?(receive: (request: WebhookRequest) => Promise<number>): Promise<void>;
  /** Makes the vendor answer the next `count` API calls with its rate-limit answer (HTTP 429). */
  rateLimitNext?(count: number): void;
  /** Makes the vendor answer the next `count` API calls with a server error (HTTP 5xx). */
  failNext?(count: number): void;
}

/** What one conformance test works with. */
export interface ConformanceContext {
  adapter: Adapter;
  vendor: ConformanceVendor;
  /** Called after the test. */
  teardown?(): Promise<void>;
}

/** Options of {@link describeAdapterConformance}. */
export interface AdapterConformanceOptions {
  /** Name shown in the suite's title, e.g. `hubspot`. */
  name: string;
  /** Creates a fresh adapter and vendor for one test (an empty vendor: no people). */
  setup(): Promise<ConformanceContext>;
  /** A reason to skip the suite, shown in its name; `false` or absent runs it. */
  skip?: string | false;
  /** Time limit of each test in ms. @default 30000 */
  timeout?: number;
}

const PEOPLE: readonly ConformancePerson[] = [
  { givenName: 'Ada', familyName: 'Lovelace', email: 'ada@conformance.example' },
  { givenName: 'Grace', familyName: 'Hopper', email: 'grace@conformance.example' },
  { givenName: 'Alan', familyName: 'Turing', email: 'alan@conformance.example' },
];

interface Run {
  ctx: ConformanceContext;
  hub: Hub;
  sync: SyncEngine;
  ids: string[];
}

async function withRun(options: AdapterConformanceOptions, body: (run: Run) => Promise<void>): Promise<void> {
  const ctx = await options.setup();
  const hub = createHub();
  try {
    const sync = createSyncEngine({ hub, adapter: ctx.adapter, types: ['person'], sleep: async () => {} });
    const ids: string[] = [];
    for (const person of PEOPLE) ids.push(await ctx.vendor.createPerson(person));
    await body({ ctx, hub, sync, ids });
  } finally {
    await hub.close();
    await ctx.adapter.close?.();
    await ctx.teardown?.();
  }
}

async function hubPeople(hub: Hub, source: string): Promise<Map<string, Record<string, unknown>>> {
  const rows = await hub.store.transaction((tx) => tx.listRecordsBySource({ source, type: 'person', limit: 10_000 }));
  return new Map(rows.map((r) => [r.externalId, (r.data ?? {}) as Record<string, unknown>]));
}

function emailsOf(data: Record<string, unknown> | undefined): string[] {
  const emails = (data?.emails ?? []) as { value: string }[];
  return emails.map((e) => e.value.toLowerCase());
}

const can = (adapter: Adapter, type: RecordType, what: 'read' | 'incremental' | 'write' | 'webhooks' | 'deletes') =>
  adapter.capabilities.objects[type]?.[what] === true;

/**
 * Registers the adapter conformance suite with vitest: capabilities declared and honoured, full and incremental
 * sync, deletes, write-back (each change once, creates never duplicated), webhooks (signature checked, repeats
 * dropped), errors and rate limits. Every test starts from an empty vendor and a new Hub.
 *
 * @example
 * ```ts
 * describeAdapterConformance({
 *   name: 'hubspot',
 *   async setup() {
 *     const sandbox = await createHubspotSandbox();
 *     return { adapter: createHubspot({ baseUrl: sandbox.url, ... }), vendor: hubspotVendor(sandbox),
 *       teardown: () => sandbox.close() };
 *   },
 * });
 * ```
 */
export function describeAdapterConformance(options: AdapterConformanceOptions): void {
  const title = `adapter conformance: ${options.name}${options.skip ? ` (skipped: ${options.skip})` : ''}`;
  const timeout = options.timeout ?? 30_000;
  describe.skipIf(Boolean(options.skip))(title, () => {
    it(
      'declares its capabilities and offers exactly the methods they promise',
      () =>
        withRun(options, async ({ ctx }) => {
          const { adapter } = ctx;
          expect(adapter.specificationVersion).toBe('v1');
          expect(adapter.id).toMatch(/^[a-z0-9][a-z0-9-]*$/);
          expect(adapter.source).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/);
          const objects = Object.values(adapter.capabilities.objects);
          expect(objects.length, 'at least one record type').toBeGreaterThan(0);
          expect(can(adapter, 'person', 'read'), 'people can be read').toBe(true);
          const anyWrite = objects.some((o) => o?.write);
          const anyHooks = objects.some((o) => o?.webhooks);
          expect(typeof adapter.write === 'function', 'write() iff some type is writable').toBe(anyWrite);
          expect(typeof adapter.parseWebhook === 'function', 'parseWebhook() iff webhooks').toBe(anyHooks);
          expect(typeof adapter.resolveWebhook === 'function', 'resolveWebhook() iff webhooks').toBe(anyHooks);
          expect(typeof adapter.erase === 'function', 'erase() iff capabilities.erase').toBe(
            adapter.capabilities.erase === true,
          );
          for (const o of objects) if (o?.incremental) expect(o.read, 'incremental implies read').toBe(true);
        }),
      timeout,
    );

    it(
      'a full sync brings every person into the Hub exactly once',
      () =>
        withRun(options, async ({ ctx, hub, sync, ids }) => {
          const report = await sync.run();
          expect(report.mode).toBe('full');
          const people = await hubPeople(hub, ctx.adapter.source);
          expect([...people.keys()].sort()).toEqual([...ids].sort());
          for (const [i, id] of ids.entries()) {
            expect(emailsOf(people.get(id))).toContain(PEOPLE[i]?.email);
            expect(people.get(id)?.givenName).toBe(PEOPLE[i]?.givenName);
          }
          const customers = await hub.find({ email: PEOPLE[0]?.email ?? '' });
          expect(customers).toHaveLength(1);
          // A second full pass changes nothing and duplicates nothing.
          const again = await sync.run({ mode: 'full' });
          expect(again).toMatchObject({ created: 0, updated: 0, deleted: 0, tombstones: 0 });
        }),
      timeout,
    );

    it(
      'an incremental sync brings changes and new people, and keeps the rest',
      () =>
        withRun(options, async ({ ctx, hub, sync, ids }) => {
          await sync.run();
          if (!can(ctx.adapter, 'person', 'incremental')) return;
          await ctx.vendor.updatePerson(ids[1] ?? '', { familyName: 'Murray Hopper' });
          const added = await ctx.vendor.createPerson({
            givenName: 'Katherine',
            familyName: 'Johnson',
            email: 'katherine@conformance.example',
          });
          const report = await sync.run();
          expect(report.mode).toBe('incremental');
          expect(report.created).toBe(1);
          expect(report.updated).toBe(1);
          const people = await hubPeople(hub, ctx.adapter.source);
          expect(people.get(ids[1] ?? '')?.familyName).toBe('Murray Hopper');
          expect(people.has(added)).toBe(true);
          expect(people.size).toBe(4);
        }),
      timeout,
    );

    it(
      'deletes reach the Hub as tombstones after a complete full pass',
      () =>
        withRun(options, async ({ ctx, hub, sync, ids }) => {
          if (!can(ctx.adapter, 'person', 'deletes')) return;
          await sync.run();
          await ctx.vendor.deletePerson(ids[2] ?? '');
          const report = await sync.run({ mode: 'full' });
          expect(report.tombstones + report.deleted).toBeGreaterThanOrEqual(1);
          const people = await hubPeople(hub, ctx.adapter.source);
          expect(people.has(ids[2] ?? '')).toBe(false);
          expect(people.size).toBe(2);
        }),
      timeout,
    );

    it(
      'writes central changes back once, and never duplicates a create',
      () =>
        withRun(options, async ({ ctx, hub, sync, ids }) => {
          if (!can(ctx.adapter, 'person', 'write')) return;
          await sync.run();
          const [ada] = await hub.find({ email: PEOPLE[0]?.email ?? '' });
          if (!ada) throw new Error('Ada did not arrive');
          await hub.setOverride(ada.id, 'jobTitle', 'Analyst');
          await hub.setOverride(ada.id, 'familyName', 'King');
          const report = await sync.writeBack();
          expect(report.failed).toBe(0);
          expect(report.written).toBeGreaterThanOrEqual(1);
          expect((await ctx.vendor.getPerson(ids[0] ?? ''))?.familyName).toBe('King');
          expect(await sync.writeBack(), 'nothing is written twice').toMatchObject({ written: 0 });

          const create: WriteChange = {
            type: 'person',
            operation: 'create',
            data: { givenName: 'Mary', familyName: 'Jackson', emails: ['mary@conformance.example'] },
            idempotencyKey: 'conformance-create-1',
          };
          const first = await ctx.adapter.write?.([create]);
          expect(first?.[0]).toMatchObject({ ok: true, idempotencyKey: 'conformance-create-1' });
          // The same change again, as a retry after a lost answer would send it: no second person.
          const second = await ctx.adapter.write?.([create]);
          expect(second?.[0]).toMatchObject({ ok: true });
          if (first?.[0]?.ok && second?.[0]?.ok) expect(second[0].externalId).toBe(first[0].externalId);
          expect((await ctx.vendor.listPeople()).length).toBe(4);
        }),
      timeout,
    );

    it(
      'refuses to overwrite a newer vendor value (CONFLICT) and reports per-change results',
      () =>
        withRun(options, async ({ ctx, hub, sync, ids }) => {
          if (!can(ctx.adapter, 'person', 'write') || !ctx.adapter.write) return;
          await sync.run();
          const stored = await hub.store.transaction((tx) => tx.getRecords([`${ctx.adapter.source}/person/${ids[0]}`]));
          const observedAt = stored[0]?.observedAt ?? new Date(0).toISOString();
          await new Promise((resolve) => setTimeout(resolve, 5));
          await ctx.vendor.updatePerson(ids[0] ?? '', { givenName: 'Augusta' });
          const results = await ctx.adapter.write([
            {
              type: 'person',
              externalId: ids[0] ?? '',
              operation: 'update',
              data: { givenName: 'Countess' },
              idempotencyKey: 'conflict-1',
              base: { observedAt, data: { givenName: 'Ada' } },
            },
            {
              type: 'person',
              externalId: ids[1] ?? '',
              operation: 'update',
              data: { familyName: 'Hopper-Murray' },
              idempotencyKey: 'plain-1',
            },
            {
              type: 'person',
              externalId: '999999999999',
              operation: 'update',
              data: { familyName: 'Nobody' },
              idempotencyKey: 'missing-1',
            },
          ]);
          expect(results.map((r) => r.idempotencyKey)).toEqual(['conflict-1', 'plain-1', 'missing-1']);
          expect(results[0]).toMatchObject({ ok: false, code: ErrorCode.CONFLICT, retryable: false });
          expect(results[1]).toMatchObject({ ok: true });
          expect(results[2]).toMatchObject({ ok: false, retryable: false });
          expect((await ctx.vendor.getPerson(ids[0] ?? ''))?.givenName).toBe('Augusta');
          expect((await ctx.vendor.getPerson(ids[1] ?? ''))?.familyName).toBe('Hopper-Murray');
        }),
      timeout,
    );

    it(
      'takes webhooks: verified, repeats dropped, changes ingested; a forged delivery gets 401',
      () =>
        withRun(options, async ({ ctx, hub, sync, ids }) => {
          if (!can(ctx.adapter, 'person', 'webhooks') || !ctx.vendor.deliverWebhooks) return;
          await sync.run();
          await ctx.vendor.deliverWebhooks(async () => 200); // drain what the setup caused
          await ctx.vendor.updatePerson(ids[0] ?? '', { familyName: 'Byron' });
          let accepted = 0;
          await ctx.vendor.deliverWebhooks(async (request) => {
            const report = await sync.handleWebhook(request);
            if (report.status === 200) accepted++;
            return report.status;
          });
          expect(accepted).toBeGreaterThanOrEqual(1);
          expect((await hubPeople(hub, ctx.adapter.source)).get(ids[0] ?? '')?.familyName).toBe('Byron');
          const forged = await sync.handleWebhook({
            method: 'POST',
            url: 'https://example.com/webhooks',
            headers: { 'content-type': 'application/json' },
            body: '[]',
          });
          expect(forged.status).toBe(401);
        }),
      timeout,
    );

    it(
      'rides out rate limits and server errors, and rejects a malformed checkpoint with a typed error',
      () =>
        withRun(options, async ({ ctx, hub, sync, ids }) => {
          ctx.vendor.rateLimitNext?.(2);
          ctx.vendor.failNext?.(2);
          await sync.run();
          expect((await hubPeople(hub, ctx.adapter.source)).size).toBe(ids.length);
          const reading = ctx.adapter.read({ checkpoint: 'not a checkpoint' });
          const failure = await (async () => {
            try {
              for await (const _ of reading) return undefined;
            } catch (error) {
              return error;
            }
            return undefined;
          })();
          expect(CrmkitError.isInstance(failure), 'a CrmkitError').toBe(true);
          expect((failure as CrmkitError).code).toBe(ErrorCode.INVALID_ARGUMENT);
        }),
      timeout,
    );
  });
}
