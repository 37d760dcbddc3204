import {
  type Actor,
  DEFAULT_POLICY,
  type Policy,
  PermissionDeniedError,
  RoleNameSchema,
  type SourceRecordInput,
} from '@crmkit/model';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../hub';
import { Access, createDirectory } from './policy';

/**
 * Governance properties through the Hub (the pure policy engine has its own, against an independent model):
 * 1. through `hub.as(actor)`, random actors under random policies read exactly what their access allows and write
 *    only within it; a refused write changes nothing (customers, journal, audit log);
 * 2. erasure commutes with merges of other customers, and no erased value comes back through a resync.
 */

const NAMES = ['Ada', 'Bo', 'Cy', 'Di', 'Ed', 'Flo'];
const SYSTEMS = ['hubspot', 'dynamics', 'shop'];
const departments = [
  { id: 'sales', systems: ['hubspot'] },
  { id: 'service', systems: ['dynamics'] },
];
const users = [
  { id: 'u1', departmentId: 'sales', teamId: 't1' },
  { id: 'u2', departmentId: 'sales', teamId: 't2' },
  { id: 'u3', departmentId: 'service', teamId: 't3' },
];

function peopleRecords(
  count: number,
  owners: readonly (string | null)[],
  systems: readonly string[],
): SourceRecordInput[] {
  return Array.from({ length: count }, (_, i) => ({
    type: 'person',
    source: systems[i % systems.length]!,
    externalId: `p${i}`,
    observedAt: '2026-01-01T00:00:00Z',
    data: {
      givenName: NAMES[i % NAMES.length],
      familyName: `Family${i}`,
      birthDate: `1980-01-${String((i % 28) + 1).padStart(2, '0')}`,
      emails: [`person${i}@example.com`],
      ...(owners[i] ? { ownerId: owners[i] } : {}),
    },
  })) as SourceRecordInput[];
}

const FIELDS = [
  'displayName',
  'givenName',
  'familyName',
  'fullName',
  'birthDate',
  'contactPoints',
  'sources',
  'jobTitle',
  'ownerId',
  '*',
];
const CAPABILITIES = ['customer.read', 'customer.write', 'customer.merge'] as const;

const rolePolicyArb = fc.record({
  capabilities: fc.subarray([...CAPABILITIES]),
  scope: fc.constantFrom('own', 'team', 'department', 'all'),
  fields: fc.record({ read: fc.subarray(FIELDS), write: fc.subarray(FIELDS) }),
});
const policyArb: fc.Arbitrary<Policy> = fc.tuple(...RoleNameSchema.options.map(() => rolePolicyArb)).map((roles) => ({
  version: 0,
  secretFields: [],
  roles: Object.fromEntries(RoleNameSchema.options.map((name, i) => [name, roles[i]])) as unknown as Policy['roles'],
}));
const actorArb: fc.Arbitrary<Actor> = fc.record({
  kind: fc.constant('user' as const),
  id: fc.constantFrom('u1', 'u2', 'u3', 'u9'),
  roles: fc.uniqueArray(fc.record({ name: fc.constantFrom(...RoleNameSchema.options) }), {
    selector: (r) => r.name,
    minLength: 1,
    maxLength: 2,
  }),
  departmentId: fc.constantFrom('sales', 'service'),
  teamId: fc.constantFrom('t1', 't2', 't3'),
});

async function snapshot(hub: Hub): Promise<string> {
  return JSON.stringify({
    customers: (await hub.list({ limit: 1000 })).items,
    journal: (await hub.journal({ limit: 10_000 })).length,
    audit: (await hub.governance.audit({ limit: 1000 })).length,
  });
}

describe('governance through the Hub (property)', () => {
  it('random actors under random policies read and write exactly within their access', async () => {
    await fc.assert(
      fc.asyncProperty(
        policyArb,
        actorArb,
        fc.array(fc.constantFrom('u1', 'u2', 'u3', null), { minLength: 6, maxLength: 6 }),
        fc.array(
          fc.record({
            target: fc.nat(5),
            field: fc.constantFrom('jobTitle', 'birthDate', 'givenName', 'fullName'),
            merge: fc.boolean(),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        async (policy, actor, owners, writes) => {
          const hub = createHub({ departments, users, policy });
          await hub.ingest(peopleRecords(6, owners, SYSTEMS));
          const all = (await hub.list({ limit: 100 })).items;
          const access = new Access(policy, actor, createDirectory({ users, departments }));
          const scoped = hub.as(actor);

          // Reads: exactly the visible customers, each exactly projected.
          const listed = await scoped.list({ limit: 100 }).catch((e: unknown) => e);
          if (!access.can('customer.read')) expect(PermissionDeniedError.isInstance(listed)).toBe(true);
          else {
            const expected = all.filter((c) => access.canSeeCustomer(c)).map((c) => access.projectCustomer(c));
            expect((listed as { items: unknown[] }).items).toEqual(expected);
          }

          // Writes: allowed exactly when the access says so; refused ones change nothing.
          for (const write of writes) {
            const current = (await hub.list({ limit: 100 })).items;
            const customer = current[write.target % current.length]!;
            const other = current[(write.target + 1) % current.length]!;
            const before = await snapshot(hub);
            if (write.merge && customer.id !== other.id) {
              const allowed =
                access.can('customer.merge') && access.canSeeCustomer(customer) && access.canSeeCustomer(other);
              const outcome = await scoped.merge(customer.id, other.id).then(
                () => 'ok',
                (e: unknown) => e,
              );
              if (allowed) expect(outcome).toBe('ok');
              else expect(await snapshot(hub)).toBe(before);
              continue;
            }
            const allowed =
              access.can('customer.write') &&
              access.canSeeCustomer(customer) &&
              (() => {
                try {
                  access.assertWrite(customer, [write.field]);
                  return true;
                } catch {
                  return false;
                }
              })();
            // Overrides are validated (threat 6): a value the field's schema accepts.
            const value = write.field === 'birthDate' ? '1990-01-01' : 'X';
            const outcome = await scoped.setOverride(customer.id, write.field, value).then(
              () => 'ok',
              (e: unknown) => e,
            );
            if (allowed) expect(outcome).toBe('ok');
            else {
              expect(outcome).not.toBe('ok');
              expect(await snapshot(hub)).toBe(before);
            }
          }
          await hub.close();
        },
      ),
      { numRuns: 40 },
    );
  });

  it('erasure commutes with merges of other customers, and a resync brings nothing back', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 3, max: 6 }),
        fc.nat(5),
        fc.array(fc.tuple(fc.nat(5), fc.nat(5)), { maxLength: 3 }),
        async (count, erasedIndex, merges) => {
          const records = peopleRecords(count, [], SYSTEMS);
          const erased = erasedIndex % count;
          const byEmail = async (hub: Hub, i: number) => (await hub.find({ email: `person${i}@example.com` }))[0];
          const pairs = merges
            .map(([a, b]) => [a % count, b % count] as const)
            .filter(([a, b]) => a !== b && a !== erased && b !== erased);

          const run = async (eraseFirst: boolean) => {
            const hub = createHub({ policy: DEFAULT_POLICY });
            await hub.ingest(records);
            const target = (await byEmail(hub, erased))!.id;
            const doMerges = async () => {
              for (const [a, b] of pairs) {
                const [x, y] = [await byEmail(hub, a), await byEmail(hub, b)];
                if (x && y && x.id !== y.id) await hub.merge(x.id, y.id);
              }
            };
            if (eraseFirst) {
              await hub.gdpr.erase(target);
              await doMerges();
            } else {
              await doMerges();
              await hub.gdpr.erase(target);
            }
            // A full resync of every source brings nothing of the erased person back.
            const resync = await hub.ingest(records.map((r) => ({ ...r, observedAt: '2026-02-01T00:00:00Z' })));
            expect(resync.suppressed).toBe(1);
            const dump = JSON.stringify({
              all: await hub.list({ limit: 1000, status: 'active' }),
              deleted: await hub.list({ limit: 1000, status: 'deleted' }),
              journal: await hub.journal({ limit: 10_000 }),
              audit: await hub.governance.audit({ limit: 1000 }),
              outbox: await hub.outbox({ limit: 1000 }),
            });
            expect(dump).not.toContain(`person${erased}@example.com`);
            expect(dump).not.toContain(`Family${erased}"`);
            expect((await hub.governance.verifyAudit()).ok).toBe(true);
            // The state, independent of ids: each active customer by its records and golden values.
            const state = [];
            for (const customer of (await hub.list({ limit: 1000 })).items) {
              const fields = Object.fromEntries(Object.entries(customer.golden.fields).map(([k, v]) => [k, v.value]));
              state.push({ sources: customer.golden.sources.map((s) => `${s.system}/${s.externalId}`).sort(), fields });
            }
            await hub.close();
            return state.sort((a, b) => (a.sources.join() < b.sources.join() ? -1 : 1));
          };
          expect(await run(true)).toEqual(await run(false));
        },
      ),
      { numRuns: 25 },
    );
  });
});
