/**
 * Threats 3 and 5 (follow-up): the checks source records get (no NUL, no lone UTF-16 surrogate, size and depth
 * limits) apply to every other write path too: consent captures, contact arrangements, customer groups, change
 * requests (title, description, proposed value, notes) and plugin command inputs. Bad input is `VALIDATION_FAILED`
 * naming the path, the same on the memory store, PGlite and PostgreSQL (never a raw `STORE_FAILED` from the
 * database), and nothing is written.
 */
import { createHub, createMemoryStore, type Hub } from '@crmkit/core';
import { type Actor, CrmkitError, definePlugin, ValidationError } from '@crmkit/model';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { pgClient, pgliteClient } from '../client';
import { createPostgresStore } from '../store';
import type { Store } from '@crmkit/model';

const url = process.env.DATABASE_URL;
let counter = 0;
const uniqueSchema = () => `threat3o_${Date.now().toString(36)}_${(counter++).toString(36)}`;
const pools: pg.Pool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
});

type MakeStore = () => Promise<{ store: Store; done: () => Promise<void> }>;
const stores: [string, MakeStore][] = [
  ['memory', async () => ({ store: createMemoryStore(), done: async () => {} })],
  [
    'pglite',
    async () => ({
      store: createPostgresStore({ client: pgliteClient(new PGlite(), { ownsDatabase: true }) }),
      done: async () => {},
    }),
  ],
];
if (url) {
  stores.push([
    'postgres',
    async () => {
      const schema = uniqueSchema();
      const pool = new pg.Pool({ connectionString: url, max: 3 });
      pools.push(pool);
      return {
        store: createPostgresStore({ client: pgClient(pool), schema }),
        done: async () => {
          await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        },
      };
    },
  ]);
}

const T = '2026-03-01T10:00:00Z';
const sam: Actor = { kind: 'user', id: 'u_sam', roles: [{ name: 'key_user' }], departmentId: 'sales' };

/** A plugin whose command keeps its input in a workflow run (stored as JSON). */
const keeper = definePlugin({
  name: 'keeper',
  version: '1.0.0',
  permissions: { read: { entities: ['person'] } },
  workflows: { keep: { triggers: [{ manual: true }], steps: [{ name: 'noop', run: () => null }] } },
  commands: {
    keep: {
      input: z.object({ text: z.string() }).passthrough(),
      run: async (input, ctx) => ctx.startWorkflow('keep', input as never),
    },
  },
});

/** Nested `depth` arrays deep. */
const deep = (depth: number): unknown => {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (e: unknown) => e,
  );
}

for (const [name, make] of stores) {
  describe(`threat 3/5: bad input on the other write paths, ${name} store`, () => {
    async function setup(): Promise<{ hub: Hub; id: string; done: () => Promise<void> }> {
      const { store, done } = await make();
      const hub = createHub({
        store,
        plugins: [keeper],
        workflows: { scheduler: false },
        departments: [{ id: 'sales', systems: ['hubspot'] }],
      });
      await hub.ingest([
        {
          type: 'person',
          source: 'hubspot',
          externalId: '1',
          observedAt: T,
          data: { givenName: 'Ada', emails: ['ada@example.com'] },
        },
      ]);
      const id = (await hub.find({ email: 'ada@example.com' }))[0]!.id;
      return {
        hub,
        id,
        done: async () => {
          await hub.close();
          await done();
        },
      };
    }

    /** Expects VALIDATION_FAILED at `path`, and that no audit entry was added. */
    async function refused(hub: Hub, call: () => Promise<unknown>, path: string): Promise<void> {
      const before = (await hub.governance.audit({ limit: 1000 })).length;
      const error = await errorOf(call());
      expect(ValidationError.isInstance(error), String(error)).toBe(true);
      expect(CrmkitError.isInstance(error) && error.code).toBe('VALIDATION_FAILED');
      expect((error as ValidationError).issues[0]?.pathString).toBe(path);
      expect((await hub.governance.audit({ limit: 1000 })).length, 'nothing written').toBe(before);
    }

    it('consent captures and contact arrangements', { timeout: 60_000 }, async () => {
      const { hub, id, done } = await setup();
      try {
        const capture = {
          customerId: id,
          channel: 'email',
          purpose: 'marketing',
          status: 'granted',
          capturedAt: T,
          captureSource: 'webform',
          wordingVersion: 'v1',
        };
        await refused(
          hub,
          () => hub.consent.record({ ...capture, captureSource: 'web\u0000form' }),
          'consent.captureSource',
        );
        await refused(
          hub,
          () => hub.consent.record({ ...capture, wordingVersion: 'v\uD800' }),
          'consent.wordingVersion',
        );
        expect(await hub.consent.list(id)).toEqual([]);
        const arrangement = { channel: 'email', allowedPurposes: ['service'] };
        await refused(
          hub,
          () => hub.consent.setArrangement(id, { ...arrangement, note: 'call \u0000 first' }),
          'arrangement.note',
        );
        await refused(hub, () => hub.consent.setArrangement(`${id}\u0000`, arrangement), 'customerId');
        expect(await hub.consent.arrangements(id)).toEqual([]);
      } finally {
        await done();
      }
    });

    it('reasons and actors of calls, and admin actions', { timeout: 60_000 }, async () => {
      const { hub, id, done } = await setup();
      try {
        const reason = 'asked \u0000 by phone';
        await refused(hub, () => hub.setOverride(id, 'jobTitle', 'Countess', { reason }), 'options.reason');
        await refused(
          hub,
          async () => hub.governance.setPolicy(await hub.governance.policy(), { reason }),
          'options.reason',
        );
        await refused(hub, () => hub.gdpr.erase(id, { reason }), 'options.reason');
        await refused(hub, () => hub.setOverride(id, 'jobTitle', 'Countess', { actor: 'ops\uD800' }), 'options.actor');
        await refused(
          hub,
          () => hub.governance.recordAdminAction({ action: 'adapter.config', target: 'adapter:x\u0000y' }),
          'input.target',
        );
        expect((await hub.get(id))?.golden.fields.jobTitle).toBeUndefined();
        expect((await hub.journal({ limit: 1000 })).some((e) => e.kind === 'override')).toBe(false);
      } finally {
        await done();
      }
    });

    it('customer groups', { timeout: 60_000 }, async () => {
      const { hub, id, done } = await setup();
      try {
        await refused(
          hub,
          () => hub.groups.define({ name: 'Key \u0000accounts', managerId: 'u_dana', memberIds: [id] }),
          'group.name',
        );
        await refused(
          hub,
          () => hub.groups.define({ id: 'grp\u0000', name: 'Key', managerId: 'u_dana', memberIds: [id] }),
          'group.id',
        );
        await refused(
          hub,
          () => hub.groups.define({ name: 'Key', description: 'x\uDC00', managerId: 'u_dana', memberIds: [id] }),
          'group.description',
        );
        expect(await hub.groups.list()).toEqual([]);
      } finally {
        await done();
      }
    });

    it('change requests: title, description, proposed value, notes; depth and size', { timeout: 60_000 }, async () => {
      const { hub, id, done } = await setup();
      try {
        const scoped = hub.as(sam);
        const request = { kind: 'correction', title: 'Wrong name', customerId: id, field: 'givenName' };
        await refused(hub, () => scoped.changes.request({ ...request, title: 'Wrong\u0000' }), 'request.title');
        await refused(
          hub,
          () => scoped.changes.request({ ...request, description: 'see \uD83D' }),
          'request.description',
        );
        await refused(
          hub,
          () => scoped.changes.request({ ...request, proposedValue: { first: ['Ad\u0000a'] } }),
          'request.proposedValue.first[0]',
        );
        const depth = await errorOf(scoped.changes.request({ ...request, proposedValue: deep(10_000) }));
        expect(CrmkitError.isInstance(depth) && depth.code).toBe('VALIDATION_FAILED');
        const size = await errorOf(scoped.changes.request({ ...request, proposedValue: 'x'.repeat(70_000) }));
        expect(CrmkitError.isInstance(size) && size.code).toBe('VALIDATION_FAILED');
        expect((size as ValidationError).issues[0]?.pathString).toBe('request.proposedValue');
        expect(await scoped.changes.list()).toEqual([]);

        const open = await scoped.changes.request(request);
        await refused(hub, () => scoped.changes.comment(open.id, 'note \u0000'), 'note');
        await refused(hub, () => scoped.changes.reject(open.id, 'no\uDC00'), 'note');
        const [stored] = await scoped.changes.list();
        expect(stored?.history).toEqual(open.history);
        expect(stored?.status).toBe('open');
      } finally {
        await done();
      }
    });

    it('plugin command inputs and workflow inputs', { timeout: 60_000 }, async () => {
      const { hub, done } = await setup();
      try {
        await refused(hub, () => hub.commands.run('keeper.keep', { text: 'a\u0000b' }), 'input.text');
        const tooDeep = await errorOf(hub.commands.run('keeper.keep', { text: 'ok', more: deep(1000) }));
        expect(CrmkitError.isInstance(tooDeep) && tooDeep.code).toBe('VALIDATION_FAILED');
        expect((tooDeep as ValidationError).issues[0]?.pathString).toMatch(/^input\.more\[0\]/);
        await refused(hub, () => hub.workflows.start('keeper.keep', { text: 'a\uDC00' }), 'input.text');
        expect(await hub.workflows.list()).toEqual([]);
        // Good input goes through on every store.
        expect(typeof (await hub.commands.run('keeper.keep', { text: 'ok' }))).toBe('string');
        expect(await hub.workflows.list()).toHaveLength(1);
      } finally {
        await done();
      }
    });
  });
}
