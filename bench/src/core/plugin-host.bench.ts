/**
 * What a plugin's after-hook costs on the Hub's real path (the host's wrapper: own-write guard and projection of the
 * payload to the plugin's read grant), for 1 and 10 plugins, with a full grant (`fields: ['*']`: no projection
 * needed) and a narrow one (each call builds the plugin's projected copy of the customer). Informational: the
 * comparison with hookable and tapable is in `./hooks.bench.ts`. Run with
 * `npm run bench -- bench/src/core/plugin-host.bench.ts`.
 */
import { type Customer, definePlugin, type HookPayloads } from '@crmkit/model';
import { bench, describe } from 'vitest';
import { PluginHost } from '@crmkit/core/internal';

const customer: Customer = {
  id: 'cus_1',
  kind: 'person',
  status: 'active',
  displayName: 'Ada Lovelace',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-02T00:00:00.000Z',
  version: 2,
  golden: {
    kind: 'person',
    fields: Object.fromEntries(
      ['givenName', 'familyName', 'fullName', 'jobTitle', 'birthDate', 'language', 'attributes.sales.tier'].map((f) => [
        f,
        {
          value: f,
          candidates: 1,
          provenance: {
            source: 'hubspot',
            recordType: 'person',
            externalId: '1',
            observedAt: '2026-01-01T00:00:00Z',
            rule: 'mostRecent',
          },
        },
      ]),
    ) as Customer['golden']['fields'],
    contactPoints: [],
    sources: [],
  },
};
const payload: HookPayloads['update:after'] = { customer, changedFields: ['jobTitle', 'givenName'] };

function host(count: number, fields: string[]): PluginHost {
  let seen = 0;
  const plugins = Array.from({ length: count }, (_, i) =>
    definePlugin({
      name: `p${i}`,
      version: '1.0.0',
      permissions: { read: { entities: ['person'], events: ['customer.updated'], fields } },
      hooks: {
        'update:after': (p) => {
          seen += p.changedFields.length;
        },
      },
    }),
  );
  const unused = () => {
    throw new Error('not used in this benchmark');
  };
  return new PluginHost(plugins, {
    now: () => '2026-01-01T00:00:00.000Z',
    getCustomer: unused,
    findCandidates: unused,
    listRecords: unused,
    listGroups: unused,
    customerKinds: unused,
    groupMembers: unused,
    canContact: unused,
    checkValueLimits: (value) => value,
    setFields: unused,
    ingest: unused,
    startWorkflow: unused,
    log: () => seen,
    onError: (error) => {
      throw error;
    },
  });
}

for (const count of [1, 10]) {
  describe(`plugin after-hook on the Hub path, ${count} plugin${count === 1 ? '' : 's'} (100 calls per iteration)`, () => {
    const full = host(count, ['*']);
    const narrow = host(count, ['givenName', 'displayName']);
    bench('full read grant (no projection)', async () => {
      for (let i = 0; i < 100; i++) await full.hooks.call('update:after', payload);
    });
    bench('narrow read grant (projected copy per plugin)', async () => {
      for (let i = 0; i < 100; i++) await narrow.hooks.call('update:after', payload);
    });
  });
}
