import {
  type Customer,
  definePlugin,
  type HubEvent,
  NotFoundError,
  PermissionDeniedError,
  type Plugin,
  PluginInvalidError,
  type SourceRecordInput,
  UnsupportedSpecificationError,
  ValidationError,
  VetoError,
} from '@crmkit/model';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createHub } from '../hub';
import { loadPlugins } from './loader';

const T1 = '2026-03-01T10:00:00Z';
const T2 = '2026-03-02T10:00:00Z';

function person(source: string, externalId: string, data: Record<string, unknown>, observedAt = T1): SourceRecordInput {
  return { type: 'person', source, externalId, observedAt, data } as SourceRecordInput;
}

/** An organisation record from HubSpot. */
const ACME = {
  type: 'organization',
  source: 'hubspot',
  externalId: 'o1',
  observedAt: T1,
  data: { name: 'Acme' },
} as SourceRecordInput;

const sales = definePlugin({
  name: 'sales',
  version: '1.2.0',
  department: 'sales',
  fields: {
    person: { tier: z.enum(['gold', 'silver', 'bronze']), visits: z.number().int().nonnegative() },
    organization: { accountPlan: z.string().max(200) },
  },
  permissions: { read: { entities: ['person', 'organization'], fields: ['displayName', 'givenName'] } },
});

describe('loadPlugins', () => {
  const base = { name: 'a', version: '1.0.0', specificationVersion: 'v1' } as const;
  const refused = (plugins: unknown[]) => {
    try {
      loadPlugins(plugins as Plugin[]);
    } catch (error) {
      return error;
    }
    throw new Error('expected the set to be refused');
  };

  it('orders dependencies first, independent of registration order', () => {
    const b = { ...base, name: 'b', dependsOn: { a: '^1.0.0' } };
    const c = { ...base, name: 'c', dependsOn: { b: '1.x', a: '>=1' } };
    expect(loadPlugins([c, b, base]).map((p) => p.plugin.name)).toEqual(['a', 'b', 'c']);
    expect(loadPlugins([base, c, b]).map((p) => [p.plugin.name, p.rank])).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ]);
  });

  it.each([
    [
      'an unknown dependency',
      [{ ...base, dependsOn: { billing: '^1' } }],
      'a',
      'dependsOn.billing',
      /unknown dependency/,
    ],
    [
      'a dependency out of range',
      [base, { ...base, name: 'b', dependsOn: { a: '^2.0.0' } }],
      'b',
      'dependsOn.a',
      /needs a@\^2.0.0, but 1.0.0/,
    ],
    [
      'a cycle',
      [
        { ...base, dependsOn: { b: '*' } },
        { ...base, name: 'b', dependsOn: { a: '*' } },
      ],
      'a',
      'dependsOn',
      /cycle: a -> b -> a/,
    ],
    ['a conflicting namespace', [base, { ...base }], 'a', 'name', /same name/],
    ['a bad name', [{ ...base, name: 'Sales Team' }], 'Sales Team', 'name', /lower-case/],
    ['a reserved name', [{ ...base, name: 'crmkit' }], 'crmkit', 'name', /reserved/],
    ['a bad version', [{ ...base, version: 'one' }], 'a', 'version', /semver/],
    ['a bad range', [{ ...base, dependsOn: { b: 'latest!' } }], 'a', 'dependsOn.b', /semver range/],
    [
      'a field that is not a schema',
      [{ ...base, fields: { person: { tier: 'string' } } }],
      'a',
      'fields.person.tier',
      /zod/,
    ],
    ['a field on an unknown entity', [{ ...base, fields: { invoice: {} } }], 'a', 'fields.invoice', /unknown entity/],
    [
      'an unknown hook',
      [{ ...base, hooks: { 'save:before': () => undefined } }],
      'a',
      'hooks.save:before',
      /unknown hook/,
    ],
    [
      'a hook without the event grant',
      [{ ...base, hooks: { 'update:after': () => undefined } }],
      'a',
      'hooks.update:after',
      /customer.updated/,
    ],
    [
      'a before-hook without an entity grant',
      [{ ...base, hooks: { 'ingest:before': () => undefined } }],
      'a',
      'hooks.ingest:before',
      /read.entities/,
    ],
    [
      'a trigger without the event grant',
      [{ ...base, workflows: { w: { triggers: [{ event: 'customer.created' }], steps: [] } } }],
      'a',
      'workflows.w.triggers[0].event',
      /customer.created/,
    ],
    [
      'a write grant on an unknown namespace',
      [{ ...base, permissions: { write: { namespaces: ['finance'] } } }],
      'a',
      'permissions.write.namespaces[0]',
      /unknown namespace/,
    ],
    [
      'an unknown event in the read grant',
      [{ ...base, permissions: { read: { events: ['customer.exploded'] } } }],
      'a',
      'permissions.read.events[0]',
      /unknown event type/,
    ],
  ])('refuses %s with PLUGIN_INVALID naming the plugin and path', (_, plugins, plugin, path, message) => {
    const error = refused(plugins);
    expect(PluginInvalidError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'PLUGIN_INVALID', plugin, path });
    expect((error as Error).message).toMatch(message);
  });

  it('refuses a wrong contract version', () => {
    const error = refused([{ ...base, specificationVersion: 'v9' }]);
    expect(UnsupportedSpecificationError.isInstance(error)).toBe(true);
  });

  it('createHub refuses a bad set at start', () => {
    expect(() => createHub({ plugins: [{ ...base, dependsOn: { x: '*' } } as Plugin] })).toThrow(/unknown dependency/);
  });
});

describe('plugin fields', () => {
  it('validates a namespace on every ingest and shows each field on the golden record with provenance', async () => {
    const hub = createHub({ plugins: [sales] });
    await hub.ingest([
      person('hubspot', '1', {
        givenName: 'Ada',
        emails: ['ada@example.com'],
        attributes: { sales: { tier: 'gold' }, free: 1 },
      }),
    ]);
    const [customer] = (await hub.list()).items;
    expect(customer!.golden.fields['attributes.sales.tier']).toMatchObject({
      value: 'gold',
      provenance: { source: 'hubspot' },
    });
    expect(customer!.golden.fields['attributes.free']?.value).toBe(1);

    const bad = hub.ingest([
      person('hubspot', '2', { givenName: 'Bo', emails: ['bo@example.com'] }),
      person('hubspot', '3', { givenName: 'Cy', attributes: { sales: { tier: 'platinum' } } }),
    ]);
    await expect(bad).rejects.toSatisfy(
      (error) =>
        ValidationError.isInstance(error) &&
        error.index === 1 &&
        error.issues[0]!.pathString === 'records[1].data.attributes.sales.tier',
    );
    await expect(hub.ingest([person('hubspot', '4', { attributes: { sales: { colour: 'red' } } })])).rejects.toThrow(
      /declares no person field "colour"/,
    );
    expect((await hub.list()).items).toHaveLength(1); // nothing of the refused batches was written
  });

  it('takes plugin writes through survivorship, follows merges and unmerges, and clears with null', async () => {
    const hub = createHub({ plugins: [sales] });
    await hub.ingest([
      person('hubspot', '1', { givenName: 'Ada', emails: ['ada@example.com'] }),
      person('dynamics', '9', { givenName: 'Bo', emails: ['bo@example.com'] }),
    ]);
    const { items } = await hub.list();
    const ada = items.find((c) => c.displayName === 'Ada');
    const bo = items.find((c) => c.displayName === 'Bo');
    const context = hub.plugins.context('sales');
    const updated = await context.setFields(ada!.id, { tier: 'silver', visits: 3 });
    expect(updated.golden.fields['attributes.sales.tier']).toMatchObject({
      value: 'silver',
      provenance: { source: 'plugin:sales', externalId: ada!.id },
    });
    // A newer source value wins by the default rule (most recent).
    await hub.ingest([
      person(
        'hubspot',
        '1',
        { givenName: 'Ada', emails: ['ada@example.com'], attributes: { sales: { tier: 'gold' } } },
        // Newer than the plugin write (at the wall clock), within the future bound of input.maxFutureSkewMs.
        new Date(Date.now() + 3_600_000).toISOString(),
      ),
    ]);
    expect((await hub.get(ada!.id))!.golden.fields['attributes.sales.tier']?.value).toBe('gold');

    const { mergeId, into } = await hub.merge(ada!.id, bo!.id);
    expect((await hub.get(into))!.golden.fields['attributes.sales.visits']?.value).toBe(3);
    await hub.unmerge(mergeId);
    expect((await hub.get(ada!.id))!.golden.fields['attributes.sales.visits']?.value).toBe(3);
    expect((await hub.get(bo!.id))!.golden.fields['attributes.sales.visits']).toBeUndefined();

    await context.setFields(ada!.id, { visits: null });
    expect((await hub.get(ada!.id))!.golden.fields['attributes.sales.visits']).toBeUndefined();
    const journal = await hub.journal({ customerId: ada!.id });
    expect(journal.filter((e) => e.kind === 'fields').map((e) => e.actor)).toEqual(['plugin:sales', 'plugin:sales']);
  });

  it('refuses plugin values that fail the schema, naming the path, and writes nothing', async () => {
    const hub = createHub({ plugins: [sales] });
    await hub.ingest([person('hubspot', '1', { givenName: 'Ada', emails: ['ada@example.com'] })]);
    const [ada] = (await hub.list()).items;
    const error = await hub.plugins
      .context('sales')
      .setFields(ada!.id, { visits: -1, tier: 'gold' })
      .catch((e) => e);
    expect(ValidationError.isInstance(error) && error.issues[0]!.pathString).toBe('values.visits');
    expect((await hub.get(ada!.id))!.golden.fields['attributes.sales.tier']).toBeUndefined();
    await expect(hub.setFields(ada!.id, 'nobody', { x: 1 })).rejects.toThrow(/No registered plugin owns/);
    await expect(hub.setFields('cus_missing', 'sales', { tier: 'gold' })).rejects.toSatisfy(NotFoundError.isInstance);
  });
});

describe('activity types', () => {
  const service = definePlugin({
    name: 'service',
    version: '1.0.0',
    activityTypes: {
      escalation: {
        label: 'Escalation',
        schema: z.object({ level: z.number().int().min(1).max(3), reason: z.string().min(1) }),
      },
    },
  });
  const interaction = (externalId: string, activity: unknown): SourceRecordInput =>
    ({
      type: 'interaction',
      source: 'zendesk',
      externalId,
      observedAt: T2,
      data: {
        channel: 'phone',
        direction: 'inbound',
        occurredAt: T2,
        participants: [{ role: 'from', ref: { source: 'hubspot', externalId: '1' } }],
        activity,
      },
    }) as SourceRecordInput;

  it('accepts a declared type, validates its data and shows it on the timeline', async () => {
    const hub = createHub({ plugins: [service] });
    await hub.ingest([person('hubspot', '1', { givenName: 'Ada', emails: ['ada@example.com'] })]);
    await hub.ingest([
      interaction('e1', { kind: 'custom', type: 'service.escalation', data: { level: 2, reason: 'outage' } }),
    ]);
    const [ada] = (await hub.list()).items;
    const view = await hub.view(ada!.id);
    expect(view.interactions.map((i) => i.data.activity)).toEqual([
      { kind: 'custom', type: 'service.escalation', data: { level: 2, reason: 'outage' } },
    ]);
    await expect(
      hub.ingest([interaction('e2', { kind: 'custom', type: 'service.escalation', data: { level: 7, reason: 'x' } })]),
    ).rejects.toSatisfy(
      (e) => ValidationError.isInstance(e) && e.issues[0]!.pathString === 'records[0].data.activity.data.level',
    );
    await expect(
      hub.ingest([interaction('e3', { kind: 'custom', type: 'service.unknown', data: {} })]),
    ).rejects.toThrow(/no registered plugin declares/i);
    await expect(
      createHub().ingest([interaction('e4', { kind: 'custom', type: 'service.escalation', data: {} })]),
    ).rejects.toThrow(/no registered plugin declares/i);
  });
});

describe('hooks', () => {
  it('enriches in its own namespace, vetoes with a reason, and isolates a broken plugin', async () => {
    const errors: unknown[] = [];
    const seen: string[] = [];
    const enricher = definePlugin({
      name: 'enricher',
      version: '1.0.0',
      fields: { person: { score: z.number() } },
      permissions: { read: { entities: ['person'] } },
      hooks: {
        'ingest:before': ({ records }) => ({
          payload: {
            records: records.map((r) => ({
              ...r,
              data: { ...(r.data as object), attributes: { enricher: { score: 42 } } },
            })) as SourceRecordInput[],
          },
        }),
      },
    });
    const broken = definePlugin({
      name: 'broken',
      version: '1.0.0',
      permissions: { read: { entities: ['person'], events: ['customer.created'] } },
      hooks: {
        'ingest:before': {
          handler: () => {
            throw new Error('boom');
          },
          stage: -1,
        },
        'ingest:after': () => {
          seen.push('broken');
          throw new Error('after boom');
        },
      },
    });
    const guard = definePlugin({
      name: 'guard',
      version: '1.0.0',
      permissions: { read: { entities: ['person'] } },
      hooks: {
        'ingest:before': {
          handler: ({ records }) =>
            records.some((r) => r.externalId === 'blocked') ? { veto: 'blocked external id' } : undefined,
          after: ['enricher'],
        },
        'ingest:after': ({ records }) => {
          seen.push(`guard:${records.length}`);
        },
      },
    });
    const hub = createHub({ plugins: [guard, broken, enricher], onPluginError: (error) => errors.push(error) });
    expect(hub.hooks.order('ingest:before')).toEqual(['broken', 'enricher', 'guard']);
    await hub.ingest([person('hubspot', '1', { givenName: 'Ada', emails: ['ada@example.com'] })]);
    const [ada] = (await hub.list()).items;
    expect(ada!.golden.fields['attributes.enricher.score']?.value).toBe(42);
    expect(seen).toEqual(['broken', 'guard:1']);
    expect(errors.map((e) => (e as Error).message)).toEqual(['boom', 'after boom']);

    const veto = await hub.ingest([person('hubspot', 'blocked', { givenName: 'Eve' })]).catch((e) => e);
    expect(VetoError.isInstance(veto)).toBe(true);
    expect(veto).toMatchObject({ code: 'VETOED', by: 'guard', reason: 'blocked external id' });
    expect((await hub.list()).items).toHaveLength(1);
  });

  it('refuses (and reports) an enrichment outside the plugin grant; the batch goes on unchanged', async () => {
    const errors: unknown[] = [];
    const sneaky = definePlugin({
      name: 'sneaky',
      version: '1.0.0',
      permissions: { read: { entities: ['person'] } },
      hooks: {
        'ingest:before': ({ records }) => ({
          payload: {
            records: records.map((r) => ({
              ...r,
              data: { ...(r.data as object), jobTitle: 'CEO' },
            })) as SourceRecordInput[],
          },
        }),
      },
    });
    const hub = createHub({ plugins: [sneaky], onPluginError: (error) => errors.push(error) });
    await hub.ingest([person('hubspot', '1', { givenName: 'Ada', jobTitle: 'Analyst', emails: ['ada@example.com'] })]);
    const [ada] = (await hub.list()).items;
    expect(ada!.golden.fields.jobTitle?.value).toBe('Analyst');
    expect(PermissionDeniedError.isInstance(errors[0])).toBe(true);
    expect(errors[0]).toMatchObject({ actor: 'plugin:sneaky', operation: 'write' });
  });

  it('delivers after-hooks projected to the grant, never the plugin its own writes, and stops after unregister', async () => {
    const updates: unknown[] = [];
    const watcher = definePlugin({
      name: 'watcher',
      version: '1.0.0',
      fields: { person: { seen: z.boolean() } },
      permissions: { read: { entities: ['person'], events: ['customer.updated'], fields: ['givenName'] } },
      hooks: {
        'update:after': async ({ customer, changedFields }, context) => {
          updates.push({
            fields: Object.keys(customer.golden.fields),
            changedFields,
            displayName: customer.displayName,
          });
          await context.setFields(customer.id, { seen: true }); // its own write: no hook loop
        },
      },
    });
    const hub = createHub({ plugins: [watcher] });
    await hub.ingest([
      person('hubspot', '1', { givenName: 'Ada', familyName: 'Lovelace', emails: ['ada@example.com'] }),
    ]);
    await hub.ingest([
      person('hubspot', '1', { givenName: 'Ada', familyName: 'King', emails: ['ada@example.com'] }, T2),
    ]);
    expect(updates).toEqual([{ fields: ['givenName'], changedFields: ['givenName'], displayName: undefined }]);
    hub.plugins.unregister('watcher');
    expect(hub.plugins.list()).toEqual([]);
    await hub.ingest([
      person(
        'hubspot',
        '1',
        { givenName: 'Ada', familyName: 'Byron', emails: ['ada@example.com'] },
        '2026-03-04T00:00:00Z',
      ),
    ]);
    expect(updates).toHaveLength(1);
    await expect(hub.plugins.context('watcher').getCustomer('x')).rejects.toSatisfy(PermissionDeniedError.isInstance);
  });

  it('lets the app register and unregister hooks; merge:before can veto a merge', async () => {
    const hub = createHub();
    await hub.ingest([
      person('hubspot', '1', { givenName: 'Ada', emails: ['ada@example.com'] }),
      person('hubspot', '2', { givenName: 'Bo', emails: ['bo@example.com'] }),
    ]);
    const [a, b] = (await hub.list()).items;
    const off = hub.hooks.on('merge:before', () => ({ veto: 'frozen during audit' }), { id: 'audit' });
    await expect(hub.merge(a!.id, b!.id)).rejects.toMatchObject({ code: 'VETOED', by: 'audit' });
    off();
    await expect(hub.merge(a!.id, b!.id)).resolves.toMatchObject({ mergeId: expect.any(String) });
  });

  it('runs send hooks around a delivery; a plugin may only add its own data', async () => {
    const stamp = definePlugin({
      name: 'stamp',
      version: '1.0.0',
      permissions: { read: { entities: ['person'] } },
      hooks: {
        'send:before': ({ message }) => ({
          payload: { message: { ...message, data: { ...message.data, stamp: 'v1' } } },
        }),
      },
    });
    const hub = createHub({ plugins: [stamp] });
    await hub.ingest([person('hubspot', '1', { givenName: 'Ada', emails: ['ada@example.com'] })]);
    const [ada] = (await hub.list()).items;
    await hub.consent.setArrangement(ada!.id, { channel: 'email', allowedPurposes: ['service'] });
    const deliver = vi.fn((m: unknown) => ({ ok: true, m }) as never);
    const { message } = await hub.send({ customerId: ada!.id, channel: 'email', purpose: 'service' }, deliver);
    expect(message.data).toEqual({ stamp: 'v1' });
    expect(deliver).toHaveBeenCalledOnce();
  });
});

describe('commands and scoped reads', () => {
  const marketing = definePlugin({
    name: 'marketing',
    version: '1.0.0',
    permissions: { read: { entities: ['person'], fields: ['givenName'] } },
    commands: {
      greet: {
        description: 'Greets a customer',
        input: z.object({ customerId: z.string().min(1) }),
        run: async ({ customerId }, context) => {
          const customer = await context.getCustomer(customerId);
          return `Hello ${customer?.golden.fields.givenName?.value ?? 'stranger'}`;
        },
      },
    },
  });

  it('runs a command with validated input', async () => {
    const hub = createHub({ plugins: [marketing] });
    await hub.ingest([person('hubspot', '1', { givenName: 'Ada', familyName: 'L', emails: ['ada@example.com'] })]);
    const [ada] = (await hub.list()).items;
    expect(hub.commands.list()).toEqual([
      { name: 'marketing.greet', plugin: 'marketing', description: 'Greets a customer' },
    ]);
    await expect(hub.commands.run('marketing.greet', { customerId: ada!.id })).resolves.toBe('Hello Ada');
    await expect(hub.commands.run('marketing.greet', { customerId: '' })).rejects.toSatisfy(
      (e) => ValidationError.isInstance(e) && e.issues[0]!.pathString === 'input.customerId',
    );
    await expect(hub.commands.run('marketing.nope', {})).rejects.toSatisfy(NotFoundError.isInstance);
  });

  it('shows a plugin only what it declared', async () => {
    const hub = createHub({ plugins: [marketing] });
    await hub.ingest([
      person('hubspot', '1', { givenName: 'Ada', familyName: 'Lovelace', emails: ['ada@example.com'] }),
      ACME,
    ]);
    const { items } = await hub.list();
    const context = hub.plugins.context('marketing');
    const ada = items.find((c) => c.kind === 'person')!;
    const acme = items.find((c) => c.kind === 'organization')!;
    const seen = await context.getCustomer(ada.id);
    expect(Object.keys(seen!.golden.fields)).toEqual(['givenName']);
    expect(seen!.golden.contactPoints).toEqual([]);
    expect(seen!.displayName).toBeUndefined();
    expect(await context.getCustomer(acme.id)).toBeUndefined();
    await expect(context.listGroups()).rejects.toMatchObject({ code: 'PERMISSION_DENIED', path: 'group' });
    await expect(context.setFields(ada.id, { x: 1 }, { namespace: 'sales' })).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
      path: 'attributes.sales',
    });
    await expect(
      context.ingest([{ type: 'person', externalId: 'x', observedAt: T1, data: {} } as never]),
    ).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
      path: 'records[0].type',
    });
  });
});

describe('workflows through the Hub', () => {
  it('creates a run with the event in one transaction and completes it', async () => {
    const calls: string[] = [];
    const welcome = definePlugin({
      name: 'welcome',
      version: '1.0.0',
      permissions: { read: { entities: ['person'], events: ['customer.created'] } },
      workflows: {
        greet: {
          triggers: [
            {
              event: 'customer.created',
              input: (e: HubEvent) => (e as HubEvent<'customer.created'>).payload.customer.id,
            },
          ],
          steps: [
            {
              name: 'first',
              run: ({ input }) => {
                calls.push(`first:${input}`);
                return 1;
              },
            },
            {
              name: 'second',
              run: ({ results }) => {
                calls.push(`second:${results.first}`);
                return null;
              },
            },
          ],
        },
      },
    });
    const hub = createHub({ plugins: [welcome], workflows: { scheduler: false } });
    await hub.ingest([person('hubspot', '1', { givenName: 'Ada', emails: ['ada@example.com'] })]);
    await hub.workflows.idle();
    const runs = await hub.workflows.list({ workflow: 'welcome.greet' });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'completed', results: { first: 1, second: null } });
    const [ada] = (await hub.list()).items;
    expect(calls).toEqual([`first:${ada!.id}`, 'second:1']);
    await hub.close();
  });
});

describe('grant enforcement in less obvious places', () => {
  it('gives workflow triggers only the plugin view of the event', async () => {
    const narrow = definePlugin({
      name: 'narrow',
      version: '1.0.0',
      permissions: { read: { entities: ['person'], fields: ['givenName'], events: ['customer.created'] } },
      workflows: { seen: { triggers: [{ event: 'customer.created' }], steps: [{ name: 'noop', run: () => null }] } },
    });
    const hub = createHub({ plugins: [narrow], workflows: { scheduler: false } });
    await hub.ingest([
      person('hubspot', '1', { givenName: 'Ada', familyName: 'Lovelace', emails: ['ada@example.com'] }),
      ACME,
    ]);
    await hub.workflows.idle();
    const runs = await hub.workflows.list();
    expect(runs).toHaveLength(1); // the organisation's event is not the plugin's to see
    const input = runs[0]!.input as unknown as { payload: { customer: Customer } };
    expect(Object.keys(input.payload.customer.golden.fields)).toEqual(['givenName']);
    expect(input.payload.customer.golden.contactPoints).toEqual([]);
    expect(JSON.stringify(input)).not.toContain('Lovelace');
    await hub.close();
  });

  it('leaves records a before-hook did not change exactly as they came', async () => {
    const touchy = definePlugin({
      name: 'touchy',
      version: '1.0.0',
      fields: { person: { vip: z.boolean() } },
      permissions: { read: { entities: ['person'] } },
      hooks: {
        'ingest:before': ({ records }) => ({
          payload: {
            records: records.map((r) =>
              r.externalId === '2'
                ? ({
                    ...r,
                    data: { ...(r.data as object), attributes: { touchy: { vip: true } } },
                  } as SourceRecordInput)
                : r,
            ),
          },
        }),
      },
    });
    const hub = createHub({ plugins: [touchy] });
    await hub.ingest([
      person('hubspot', '1', { givenName: 'Ada', emails: ['ada@example.com'] }),
      person('hubspot', '2', { givenName: 'Bo', emails: ['bo@example.com'] }),
    ]);
    const stored = await hub.store.transaction((tx) => tx.getRecords(['hubspot/person/1', 'hubspot/person/2']));
    const byKey = Object.fromEntries(stored.map((r) => [r.externalId, r.data as { attributes?: unknown }]));
    expect(byKey['1']).not.toHaveProperty('attributes');
    expect(byKey['2']!.attributes).toEqual({ touchy: { vip: true } });
  });

  it('turns a command schema that throws into a ValidationError', async () => {
    const odd = definePlugin({
      name: 'odd',
      version: '1.0.0',
      commands: {
        go: {
          input: z.preprocess(() => {
            throw new TypeError('bad preprocess');
          }, z.string()),
          run: () => 'never',
        },
      },
    });
    const hub = createHub({ plugins: [odd] });
    await expect(hub.commands.run('odd.go', 'x')).rejects.toSatisfy(
      (e) => ValidationError.isInstance(e) && e.issues[0]!.pathString === 'input',
    );
  });

  it('lists group members projected to the grant, only with the group grant', async () => {
    const reader = definePlugin({
      name: 'reader',
      version: '1.0.0',
      permissions: { read: { entities: ['person', 'group'], fields: ['givenName'] } },
    });
    const blind = definePlugin({ name: 'blind', version: '1.0.0', permissions: { read: { entities: ['person'] } } });
    const hub = createHub({ plugins: [reader, blind] });
    await hub.ingest([
      person('hubspot', '1', { givenName: 'Ada', familyName: 'Lovelace', emails: ['ada@example.com'] }),
      ACME,
    ]);
    const { items } = await hub.list();
    const group = await hub.groups.define({ name: 'All', managerId: 'usr_1', memberIds: items.map((c) => c.id) });
    const members = await hub.plugins.context('reader').listGroupMembers(group.id);
    expect(members.map((m) => Object.keys(m.golden.fields))).toEqual([['givenName']]);
    await expect(hub.plugins.context('blind').listGroupMembers(group.id)).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
      path: 'group',
    });
  });
});

describe('contact decisions for plugins', () => {
  it('answers canContact for customers the plugin may read, and hides the others', async () => {
    const mailer = definePlugin({ name: 'mailer', version: '1.0.0', permissions: { read: { entities: ['person'] } } });
    const hub = createHub({ plugins: [mailer] });
    await hub.ingest([person('hubspot', '1', { givenName: 'Ada', emails: ['ada@example.com'] }), ACME]);
    const { items } = await hub.list();
    const ada = items.find((c) => c.kind === 'person')!;
    const acme = items.find((c) => c.kind === 'organization')!;
    await hub.consent.setArrangement(ada.id, { channel: 'email', allowedPurposes: ['service'] });
    const context = hub.plugins.context('mailer');
    expect(await context.canContact(ada.id, 'email', 'service', T2)).toMatchObject({ allowed: true });
    expect(await context.canContact(ada.id, 'email', 'marketing', T2)).toMatchObject({ reason: 'purpose-not-allowed' });
    expect(await context.canContact(acme.id, 'email', 'service', T2)).toMatchObject({ reason: 'customer-not-found' });
  });
});
