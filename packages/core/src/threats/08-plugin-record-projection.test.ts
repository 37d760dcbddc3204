import {
  definePlugin,
  HOOK_NAMES,
  HUB_EVENT_TYPES,
  type HookHandler,
  type HookName,
  type JsonValue,
  PermissionDeniedError,
  type PluginHooks,
  type SourceRecordInput,
  type StoredRecord,
  type WorkflowDefinition,
} from '@crmkit/model';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHub, type Hub } from '../hub';
import { createMemoryStore } from '../store/memory-store';

/**
 * Threat 8: a plugin granted only `displayName` read raw source records (birth date, emails, phones, owner) through
 * `ctx.listRecords` and the `ingest:before` / `interaction:before` payloads. Every path a plugin sees data through
 * must be projected to its grant.
 */

const T = (minute: number) => new Date(Date.UTC(2026, 2, 1, 10, minute)).toISOString();

/** Values the `displayName` grant does not cover: none may reach the plugin, on any path. */
const SECRETS = {
  birthDate: '1815-12-1', // the stored date and the override below
  email: 'ada.secret@example.com',
  phone: '2079460018', // +44 20 7946 0018, as given and normalised
  owner: 'usr_secretowner',
  jobTitle: 'Countess',
};

/** Names of the secrets found in any string (key or value) of `value`; phone numbers compared by their digits. */
function leaksIn(value: unknown): string[] {
  const strings: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') strings.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null)
      for (const [key, inner] of Object.entries(v)) {
        strings.push(key);
        walk(inner);
      }
  };
  walk(value);
  return Object.entries(SECRETS)
    .filter(([name, secret]) => strings.some((s) => (name === 'phone' ? s.replace(/\D/g, '') : s).includes(secret)))
    .map(([name]) => name);
}

const ada = (minute: number, extra: Record<string, unknown> = {}): SourceRecordInput =>
  ({
    type: 'person',
    source: 'crm',
    externalId: 'ada',
    observedAt: T(minute),
    data: {
      givenName: 'Ada',
      familyName: 'Lovelace',
      birthDate: '1815-12-10',
      jobTitle: 'Countess',
      emails: ['ada.secret@example.com'],
      phones: ['+44 20 7946 0018'],
      ownerId: 'usr_secretowner',
      ...extra,
    },
  }) as SourceRecordInput;

const BO: SourceRecordInput = {
  type: 'person',
  source: 'crm',
  externalId: 'bo',
  observedAt: T(0),
  data: { givenName: 'Bo', familyName: 'Jansen', emails: ['bo@example.com'] },
};

const NOTE: SourceRecordInput = {
  type: 'interaction',
  source: 'mail',
  externalId: 'm1',
  observedAt: T(1),
  data: {
    channel: 'email',
    direction: 'inbound',
    participants: [{ ref: { email: 'ada.secret@example.com' }, role: 'from' }],
    subject: 'About the engine',
    occurredAt: T(1),
    activity: { kind: 'note', text: 'hello' },
  },
};

const DEAL: SourceRecordInput = {
  type: 'opportunity',
  source: 'crm',
  externalId: 'deal-1',
  observedAt: T(1),
  data: { name: 'Engine', stage: 'new', customer: { phone: '+44 20 7946 0018' } },
};

/** A borderline pair: opens a review item (review events, `link:*` hooks). */
const PETER: SourceRecordInput = {
  type: 'person',
  source: 'crm-a',
  externalId: 'p-1',
  observedAt: T(0),
  data: { givenName: 'Peter', familyName: 'de Vries', addresses: [{ postalCode: '3511 AB', city: 'Utrecht' }] },
};
const PIETER: SourceRecordInput = {
  type: 'person',
  source: 'crm-b',
  externalId: 'p-2',
  observedAt: T(1),
  data: { givenName: 'Pieter', familyName: 'de Vries', addresses: [{ postalCode: '3511 AB', city: 'Utrecht' }] },
};

describe('threat 8: a plugin sees records only through its read grant, on every path', () => {
  /** What the plugin saw, by path. */
  const seen = new Map<string, unknown[]>();
  const see = (path: string, value: unknown) => {
    const list = seen.get(path) ?? [];
    list.push(JSON.parse(JSON.stringify(value ?? null)));
    seen.set(path, list);
  };
  let hub: Hub;
  let adaId: string;

  beforeAll(async () => {
    const hooks: Record<string, HookHandler<HookName>> = {};
    for (const hook of HOOK_NAMES) {
      hooks[hook] = ((payload: unknown) => {
        see(`hook ${hook}`, payload);
        return undefined;
      }) as HookHandler<HookName>;
    }
    const workflows: Record<string, WorkflowDefinition> = {};
    for (const type of HUB_EVENT_TYPES) {
      workflows[type.replace('.', '_')] = {
        triggers: [
          {
            event: type,
            when: (event) => {
              see(`trigger ${type} (when)`, event);
              return true;
            },
          },
        ],
        steps: [{ name: 'look', run: ({ input }) => void see(`workflow input ${type}`, input) }],
      };
    }
    const peek = definePlugin({
      name: 'peek',
      version: '1.0.0',
      fields: { person: { note: z.string() } },
      permissions: {
        read: {
          entities: ['person', 'organization', 'interaction', 'opportunity', 'group'],
          fields: ['displayName'],
          events: [...HUB_EVENT_TYPES],
        },
      },
      hooks: hooks as PluginHooks,
      workflows,
      commands: {
        probe: {
          input: z.object({ customerId: z.string(), groupId: z.string() }),
          run: async ({ customerId, groupId }, ctx) => {
            see('ctx.getCustomer', await ctx.getCustomer(customerId));
            see('ctx.findCustomers (name)', await ctx.findCustomers({ name: 'Ada' }));
            see('ctx.listRecords', await ctx.listRecords(customerId));
            see('ctx.listRecords (interaction)', await ctx.listRecords(customerId, { type: 'interaction' }));
            see('ctx.listRecords (opportunity)', await ctx.listRecords(customerId, { type: 'opportunity' }));
            see('ctx.listGroups', await ctx.listGroups());
            see('ctx.listGroupMembers', await ctx.listGroupMembers(groupId));
            see('ctx.canContact', await ctx.canContact(customerId, 'email', 'service', T(30)));
            see('ctx.setFields (result)', await ctx.setFields(customerId, { note: 'seen' }));
            return 'done';
          },
        },
      },
    });
    let seq = 0;
    let tick = 0;
    hub = createHub({
      store: createMemoryStore(),
      plugins: [peek],
      now: () => new Date(Date.UTC(2026, 2, 1, 11) + tick++ * 1000),
      generateId: (prefix) => `${prefix}_${String(++seq).padStart(6, '0')}`,
      workflows: { scheduler: false },
      onPluginError: (error, info) => see(`plugin error ${info.hook ?? info.step ?? ''}`, String(error)),
    });
    await hub.ingest([ada(0), BO, NOTE, DEAL]);
    await hub.ingest([ada(2, { jobTitle: 'Countess of Lovelace' })]);
    adaId = (await hub.find({ email: 'ada.secret@example.com' }))[0]!.id;
    const boId = (await hub.find({ email: 'bo@example.com' }))[0]!.id;
    await hub.setOverride(adaId, 'birthDate', '1815-12-11');
    const { mergeId } = await hub.merge(adaId, boId);
    await hub.unmerge(mergeId);
    await hub.ingest([{ type: 'person', source: 'crm', externalId: 'bo', observedAt: T(5), deleted: true }]);
    await hub.ingest([PETER, PIETER]);
    const [review] = await hub.reviews.list({ status: 'open' });
    await hub.reviews.accept(review!.id);
    await hub.consent.setArrangement(adaId, { channel: 'email', allowedPurposes: ['service'] });
    await hub.send({ customerId: adaId, channel: 'email', purpose: 'service', body: 'Dear Ada' }, () => ({
      delivered: true,
    }));
    const group = await hub.groups.define({ name: 'All', managerId: 'usr_1', memberIds: [adaId] });
    await hub.commands.run('peek.probe', { customerId: adaId, groupId: group.id });
    await hub.workflows.idle();
    while ((await hub.workflows.runDue()) > 0);
    await hub.workflows.idle();
  }, 60_000);

  const paths = [
    // The paths the issue names.
    'ctx.listRecords',
    'hook ingest:before',
    'hook interaction:before',
    // Every other way data reaches a plugin.
    'ctx.listRecords (interaction)',
    'ctx.listRecords (opportunity)',
    'ctx.getCustomer',
    'ctx.findCustomers (name)',
    'ctx.listGroups',
    'ctx.listGroupMembers',
    'ctx.canContact',
    'ctx.setFields (result)',
    ...HOOK_NAMES.filter((h) => h !== 'ingest:before' && h !== 'interaction:before').map((h) => `hook ${h}`),
    ...HUB_EVENT_TYPES.map((t) => `trigger ${t} (when)`),
    ...HUB_EVENT_TYPES.map((t) => `workflow input ${t}`),
  ];

  it.each(paths)('%s: reached, and shows no value outside the grant', (path) => {
    const values = seen.get(path);
    expect(values, `${path} was never exercised`).toBeDefined();
    expect(values!.flatMap(leaksIn), path).toEqual([]);
  });

  it('no plugin error was reported while probing (every path ran)', () => {
    expect([...seen.keys()].filter((k) => k.startsWith('plugin error'))).toEqual([]);
  });

  it('listRecords shows each record with only granted data, and keys that reveal nothing', () => {
    const [records] = seen.get('ctx.listRecords') as StoredRecord[][];
    const person = records!.find((r) => r.type === 'person')!;
    expect(person.data).toEqual({});
    expect(person.matchKeys).toEqual([]);
    expect(person.blockKeys).toEqual([]);
    const note = records!.find((r) => r.type === 'interaction')!;
    expect(note.data).toMatchObject({ subject: 'About the engine', participants: [{ role: 'from' }] });
    expect(note.refKeys).toEqual([]);
  });

  it('findCustomers by email or phone needs the contactPoints grant (no lookup oracle)', async () => {
    const ctx = hub.plugins.context('peek');
    await expect(ctx.findCustomers({ email: 'ada.secret@example.com' })).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
      path: 'query.email',
    });
    await expect(ctx.findCustomers({ phone: '+44 20 7946 0018' })).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
      path: 'query.phone',
    });
    // A name query matches only names the plugin may read (here the display name).
    expect((await ctx.findCustomers({ name: 'Ada Lovelace' })).map((c) => c.id)).toEqual([adaId]);
  });
});

describe('threat 8: a before-hook changes only what it may write and keeps what it cannot see', () => {
  async function storedAda(hub: Hub): Promise<Record<string, unknown>> {
    const [row] = await hub.store.transaction((tx) => tx.getRecords(['crm/person/ada']));
    return row!.data as Record<string, unknown>;
  }

  it('an enrichment in its own namespace keeps the hidden fields of the record untouched', async () => {
    const stamp = definePlugin({
      name: 'stamp',
      version: '1.0.0',
      fields: { person: { seen: z.boolean() } },
      permissions: { read: { entities: ['person'], fields: ['displayName'] } },
      hooks: {
        'ingest:before': ({ records }) => ({
          payload: {
            records: records.map((r) => ({
              ...r,
              data: { ...(r.data as object), attributes: { stamp: { seen: true } } },
            })) as SourceRecordInput[],
          },
        }),
      },
    });
    const errors: unknown[] = [];
    const hub = createHub({ plugins: [stamp], onPluginError: (e) => errors.push(e) });
    await hub.ingest([ada(0)]);
    expect(errors).toEqual([]);
    expect(await storedAda(hub)).toMatchObject({
      birthDate: '1815-12-10',
      emails: [{ value: 'ada.secret@example.com' }],
      phones: [{ value: '+44 20 7946 0018' }],
      ownerId: 'usr_secretowner',
      attributes: { stamp: { seen: true } },
    });
  });

  it('a change to a field it cannot see (or cannot write) is refused and reported; the record is kept', async () => {
    const forger = definePlugin({
      name: 'forger',
      version: '1.0.0',
      permissions: { read: { entities: ['person'], fields: ['displayName'] } },
      hooks: {
        'ingest:before': ({ records }) => ({
          payload: {
            records: records.map((r) => ({
              ...r,
              data: { ...(r.data as object), birthDate: '2000-01-01' },
            })) as SourceRecordInput[],
          },
        }),
      },
    });
    const errors: unknown[] = [];
    const hub = createHub({ plugins: [forger], onPluginError: (e) => errors.push(e) });
    await hub.ingest([ada(0)]);
    expect(errors).toHaveLength(1);
    expect(PermissionDeniedError.isInstance(errors[0])).toBe(true);
    expect((await storedAda(hub)).birthDate).toBe('1815-12-10');
  });

  it('a namespace it may write but not read keeps the values it could not see', async () => {
    const owner = definePlugin({
      name: 'owner',
      version: '1.0.0',
      fields: { person: { score: z.number(), tier: z.string() } },
    });
    const helper = definePlugin({
      name: 'helper',
      version: '1.0.0',
      dependsOn: { owner: '^1.0.0' },
      fields: { person: { touched: z.boolean() } },
      permissions: {
        read: { entities: ['person'], fields: ['displayName', 'attributes.owner.tier'] },
        write: { namespaces: ['owner'] },
      },
      hooks: {
        'ingest:before': ({ records }) => ({
          payload: {
            records: records.map((r) => {
              const attributes = ((r.data as { attributes?: Record<string, JsonValue> }).attributes ?? {}) as Record<
                string,
                Record<string, JsonValue>
              >;
              return {
                ...r,
                data: {
                  ...(r.data as object),
                  attributes: {
                    ...attributes,
                    owner: { ...attributes.owner, tier: 'gold' },
                    helper: { touched: true },
                  },
                },
              };
            }) as SourceRecordInput[],
          },
        }),
      },
    });
    const errors: unknown[] = [];
    const hub = createHub({ plugins: [owner, helper], onPluginError: (e) => errors.push(e) });
    await hub.ingest([ada(0, { attributes: { owner: { score: 7, tier: 'silver' } } })]);
    expect(errors).toEqual([]);
    expect((await storedAda(hub)).attributes).toEqual({
      owner: { score: 7, tier: 'gold' },
      helper: { touched: true },
    });
  });
});

describe('threat 8: hooks about a customer of a kind the plugin may not read do not reach it', () => {
  it('send, merge, link and review hooks and triggers skip a plugin that reads organizations only', async () => {
    const calls: string[] = [];
    const orgs = definePlugin({
      name: 'orgs',
      version: '1.0.0',
      permissions: { read: { entities: ['organization'], events: ['review.opened', 'review.decided'] } },
      hooks: {
        'send:before': () => void calls.push('send:before'),
        'send:after': () => void calls.push('send:after'),
        'merge:before': () => void calls.push('merge:before'),
        'link:before': () => void calls.push('link:before'),
        'link:after': () => void calls.push('link:after'),
      },
      workflows: {
        watch: {
          triggers: [{ event: 'review.opened' }],
          steps: [{ name: 'look', run: () => void calls.push('review.opened') }],
        },
      },
    });
    const hub = createHub({ plugins: [orgs], workflows: { scheduler: false } });
    await hub.ingest([ada(0), BO, PETER, PIETER]);
    const adaId = (await hub.find({ email: 'ada.secret@example.com' }))[0]!.id;
    const boId = (await hub.find({ email: 'bo@example.com' }))[0]!.id;
    await hub.merge(adaId, boId);
    const [review] = await hub.reviews.list({ status: 'open' });
    await hub.reviews.accept(review!.id);
    await hub.consent.setArrangement(adaId, { channel: 'email', allowedPurposes: ['service'] });
    await hub.send({ customerId: adaId, channel: 'email', purpose: 'service' }, () => null);
    await hub.workflows.idle();
    while ((await hub.workflows.runDue()) > 0);
    expect(calls).toEqual([]);
    await hub.close();
  });
});

describe('threat 8: group member ids of kinds the plugin may not read do not reach it', () => {
  it('ctx.listGroups() of an organisation-only plugin shows only organisation member ids', async () => {
    const listed: unknown[] = [];
    const orgs = definePlugin({
      name: 'orgs',
      version: '1.0.0',
      permissions: { read: { entities: ['organization', 'group'], fields: ['displayName'] } },
      commands: {
        groups: {
          input: z.object({}),
          run: async (_input, ctx) => {
            listed.push(...(await ctx.listGroups()));
            return 'done';
          },
        },
      },
    });
    const hub = createHub({ plugins: [orgs], workflows: { scheduler: false } });
    await hub.ingest([
      ada(0),
      {
        type: 'organization',
        source: 'crm',
        externalId: 'acme',
        observedAt: T(0),
        data: { name: 'Acme', emails: ['info@acme.example'] },
      } as SourceRecordInput,
    ]);
    const adaId = (await hub.find({ email: 'ada.secret@example.com' }))[0]!.id;
    const acmeId = (await hub.find({ name: 'Acme' }))[0]!.id;
    const group = await hub.groups.define({ name: 'Mixed', managerId: 'usr_1', memberIds: [adaId, acmeId] });
    await hub.commands.run('orgs.groups', {});
    expect(listed).toEqual([expect.objectContaining({ id: group.id, memberIds: [acmeId] })]);
    expect(JSON.stringify(listed)).not.toContain(adaId);
    expect([...(await hub.groups.list())[0]!.memberIds].sort()).toEqual([adaId, acmeId].sort());
    await hub.close();
  });
});
