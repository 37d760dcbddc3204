import { type Customer, definePlugin, PermissionDeniedError, type Plugin, type RecordType } from '@crmkit/model';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHub, type Hub } from '../hub';

/**
 * The permission boundary, checked against an independent model of the grant: for random plugins (random read and
 * write grants) and random writes and reads, a write succeeds exactly when the grant allows it, a refused write is a
 * PERMISSION_DENIED error that leaves the Hub exactly as it was, and a read never shows a field outside the grant.
 */

const T0 = Date.parse('2026-01-01T00:00:00Z');
const NAMESPACES = ['p', 'a', 'b'] as const;
const READ_ENTITIES = ['person', 'organization', 'interaction', 'group'] as const;
const FIELD_PATTERNS = [
  'displayName',
  'givenName',
  'familyName',
  'name',
  'contactPoints',
  'attributes.a.*',
  'attributes.b.*',
] as const;
const WRITE_ENTITIES = ['person', 'organization', 'interaction'] as const;

interface GrantSpec {
  readEntities: (typeof READ_ENTITIES)[number][];
  fields: (typeof FIELD_PATTERNS)[number][];
  writeNamespaces: ('a' | 'b')[];
  writeEntities: (typeof WRITE_ENTITIES)[number][];
}

const grantArb: fc.Arbitrary<GrantSpec> = fc.record({
  readEntities: fc.subarray([...READ_ENTITIES]),
  fields: fc.subarray([...FIELD_PATTERNS]),
  writeNamespaces: fc.subarray(['a', 'b'] as ('a' | 'b')[]),
  writeEntities: fc.subarray([...WRITE_ENTITIES]),
});

type Op =
  | { kind: 'setFields'; target: number; namespace: (typeof NAMESPACES)[number]; value: number }
  | {
      kind: 'ingest';
      type: (typeof WRITE_ENTITIES)[number];
      id: number;
      namespace: (typeof NAMESPACES)[number] | null;
      value: number;
    }
  | { kind: 'read'; target: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('setFields' as const),
    target: fc.nat(3),
    namespace: fc.constantFrom(...NAMESPACES),
    value: fc.integer({ min: -2, max: 9 }),
  }),
  fc.record({
    kind: fc.constant('ingest' as const),
    type: fc.constantFrom(...WRITE_ENTITIES),
    id: fc.nat(3),
    namespace: fc.constantFrom(null, ...NAMESPACES),
    value: fc.integer({ min: 0, max: 9 }),
  }),
  fc.record({ kind: fc.constant('read' as const), target: fc.nat(3) }),
);

/** The model: is a golden field visible under the grant? (Independent of the host's Grant class.) */
function visible(spec: GrantSpec, field: string): boolean {
  if (field.startsWith('attributes.p.')) return true;
  return spec.fields.some((pattern) =>
    pattern.endsWith('.*') ? field.startsWith(pattern.slice(0, -1)) : field === pattern,
  );
}

function owner(name: 'a' | 'b'): Plugin {
  return definePlugin({
    name,
    version: '1.0.0',
    fields: { person: { x: z.number().int().nonnegative() }, organization: { x: z.number().int().nonnegative() } },
  });
}

async function snapshot(hub: Hub): Promise<string> {
  const { items } = await hub.list({ limit: 100 });
  const journal = await hub.journal({ limit: 1000 });
  const outbox = await hub.outbox({ limit: 1000 });
  return JSON.stringify({ items, journal: journal.length, outbox: outbox.length });
}

function record(type: RecordType, id: number, namespace: string | null, value: number) {
  const attributes = namespace ? { attributes: { [namespace]: { x: value } } } : {};
  const observedAt = '2026-02-01T00:00:00Z';
  if (type === 'person') {
    return {
      type,
      externalId: `p${id}`,
      observedAt,
      data: { givenName: `G${id}`, familyName: `F${id}`, emails: [`p${id}@example.com`], ...attributes },
    };
  }
  if (type === 'organization')
    return { type, externalId: `o${id}`, observedAt, data: { name: `Org ${id}`, ...attributes } };
  return {
    type,
    externalId: `i${id}`,
    observedAt,
    data: {
      channel: 'email',
      direction: 'outbound',
      occurredAt: observedAt,
      participants: [{ role: 'to', ref: { source: 'seed', externalId: `s${id % 2}` } }],
      activity: { kind: 'note', text: 'hi' },
      ...attributes,
    },
  };
}

describe('plugin permission boundary (property)', () => {
  it('allows exactly what the grant allows, refuses the rest without a trace, and never over-shares', async () => {
    await fc.assert(
      fc.asyncProperty(grantArb, fc.array(opArb, { minLength: 1, maxLength: 12 }), async (spec, ops) => {
        const plugin = definePlugin({
          name: 'p',
          version: '1.0.0',
          fields: {
            person: { x: z.number().int().nonnegative() },
            organization: { x: z.number().int().nonnegative() },
            interaction: { x: z.number().int().nonnegative() },
          },
          permissions: {
            read: { entities: spec.readEntities, fields: spec.fields },
            write: { namespaces: spec.writeNamespaces, entities: spec.writeEntities },
          },
        });
        let tick = 0;
        const hub = createHub({ plugins: [plugin, owner('a'), owner('b')], now: () => new Date(T0 + tick++ * 1000) });
        await hub.ingest([
          {
            type: 'person',
            source: 'seed',
            externalId: 's0',
            observedAt: '2026-01-01T00:00:00Z',
            data: { givenName: 'Ada', familyName: 'L', emails: ['ada@example.com'] },
          },
          {
            type: 'person',
            source: 'seed',
            externalId: 's1',
            observedAt: '2026-01-01T00:00:00Z',
            data: { givenName: 'Bo', familyName: 'M', emails: ['bo@example.com'] },
          },
          {
            type: 'organization',
            source: 'seed',
            externalId: 'o0',
            observedAt: '2026-01-01T00:00:00Z',
            data: { name: 'Acme' },
          },
        ]);
        const context = hub.plugins.context('p');
        const canWrite = (ns: string) => ns === 'p' || (spec.writeNamespaces as string[]).includes(ns);

        for (const op of ops) {
          const customers = (await hub.list({ limit: 100 })).items;
          const target: Customer | undefined =
            op.kind === 'ingest' ? undefined : customers[op.target % customers.length];
          const before = await snapshot(hub);
          let allowed: boolean;
          let attempt: Promise<unknown>;
          if (op.kind === 'read') {
            const seen = await context.getCustomer(target!.id);
            const readable = (spec.readEntities as string[]).includes(target!.kind);
            expect(seen === undefined).toBe(!readable);
            if (seen) {
              for (const field of Object.keys(seen.golden.fields)) expect(visible(spec, field)).toBe(true);
              for (const field of Object.keys(target!.golden.fields)) {
                if (visible(spec, field)) expect(seen.golden.fields[field]).toEqual(target!.golden.fields[field]);
              }
              expect(seen.golden.contactPoints.length > 0).toBe(
                visible(spec, 'contactPoints') && target!.golden.contactPoints.length > 0,
              );
              expect(seen.displayName === undefined).toBe(!visible(spec, 'displayName'));
            }
            continue;
          }
          if (op.kind === 'setFields') {
            allowed = canWrite(op.namespace);
            attempt = context.setFields(target!.id, { x: op.value }, { namespace: op.namespace });
          } else {
            allowed =
              (spec.writeEntities as string[]).includes(op.type) && (op.namespace === null || canWrite(op.namespace));
            attempt = context.ingest([record(op.type, op.id, op.namespace, op.value) as never]);
          }
          const outcome = await attempt.then(
            () => 'ok' as const,
            (error: unknown) => error,
          );
          if (allowed) {
            // Allowed writes may still fail validation (negative values); never with a permission error.
            if (outcome !== 'ok') {
              expect(PermissionDeniedError.isInstance(outcome)).toBe(false);
              expect(await snapshot(hub)).toBe(before);
            }
          } else {
            expect(PermissionDeniedError.isInstance(outcome)).toBe(true);
            expect(await snapshot(hub)).toBe(before);
          }
        }
        await hub.close();
      }),
      { numRuns: 60 },
    );
  });
});
