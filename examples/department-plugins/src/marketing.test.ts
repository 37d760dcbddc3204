import { createHub } from '@crmkit/core';
import type { CustomerGroupInput, Plugin } from '@crmkit/model';
import {
  createPluginHarness,
  describePluginConformance,
  expectCrmkitError,
  expectPermissionDenied,
  type PluginHarness,
} from '@crmkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { accounts, byExternalId } from './fixtures';
import { type CampaignList, createMarketingPlugin, marketing, SEGMENT_FIELD, segmentOf } from './marketing';
import { sales } from './sales';
import { service } from './service';

const harnesses: PluginHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

/** A harness with the sales and marketing plugins (group members, rule members included, come from the Hub). */
function withMembers(extra: Plugin[] = []): PluginHarness {
  const h = createPluginHarness({ plugins: [sales, createMarketingPlugin(), ...extra] });
  harnesses.push(h);
  return h;
}

const arrangement = (channel: 'email' | 'phone', allowedPurposes: ('marketing' | 'service')[]) => ({
  id: `arr_${channel}`,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  sources: [],
  channel,
  allowedPurposes,
});

const keyAccounts = (
  memberIds: string[] = [],
): Omit<CustomerGroupInput, 'id' | 'createdAt' | 'updatedAt' | 'sources'> & { id: string } => ({
  id: 'grp_key_accounts',
  name: 'Key accounts',
  managerId: 'usr_kim',
  memberIds,
  rule: { match: 'all', conditions: [{ field: SEGMENT_FIELD, op: 'eq', value: 'key-account' }] },
  defaultArrangements: [arrangement('email', ['marketing', 'service']), arrangement('phone', ['service'])],
});

/** A consent capture for the Hub's ledger (`hub.consent.record`), captured now on the harness clock. */
const consent = (h: PluginHarness, customerId: string, overrides: Record<string, unknown> = {}) => ({
  customerId,
  channel: 'email',
  purpose: 'marketing',
  status: 'granted',
  capturedAt: h.clock.iso(),
  captureSource: 'webform:newsletter',
  wordingVersion: 'v3',
  ...overrides,
});

describe('marketing: segments from the sales account tier', () => {
  it('keeps the segment in line with the tier, so a rule-based group holds the key accounts', async () => {
    const h = withMembers();
    await h.ingest(accounts());
    const { acme, globex } = byExternalId((await h.hub.list()).items);
    const salesContext = h.context('sales');
    await salesContext.setFields(acme.id, { accountTier: 'gold' });
    await salesContext.setFields(globex.id, { accountTier: 'bronze' });
    await h.runWorkflows();
    const segment = async (id: string) => (await h.hub.get(id))!.golden.fields[SEGMENT_FIELD];
    expect(await segment(acme.id)).toMatchObject({ value: 'key-account', provenance: { source: 'plugin:marketing' } });
    expect((await segment(globex.id))?.value).toBe('standard');
    await h.hub.groups.define(keyAccounts());
    expect((await h.hub.groups.members('grp_key_accounts')).map((c) => c.id)).toEqual([acme.id]);

    await salesContext.setFields(acme.id, { accountTier: 'silver' });
    await salesContext.setFields(globex.id, { accountTier: 'gold' });
    await h.runWorkflows();
    expect((await h.hub.groups.members('grp_key_accounts')).map((c) => c.id)).toEqual([globex.id]);
    // One run per tier change; writing the segment starts none.
    expect((await h.runs('marketing.segment')).map((r) => r.status)).toEqual(Array(4).fill('completed'));
    expect(h.errors).toEqual([]);
  });

  it('segments a customer that arrives with a tier from a source system', async () => {
    const h = withMembers();
    await h.ingest([
      {
        type: 'organization',
        source: 'erp',
        externalId: 'initech',
        data: { name: 'Initech', attributes: { sales: { accountTier: 'gold' } } },
      },
    ]);
    await h.runWorkflows();
    const [initech] = (await h.hub.list()).items;
    expect((await h.hub.get(initech!.id))!.golden.fields[SEGMENT_FIELD]?.value).toBe('key-account');
  });

  it('maps tiers to segments', () => {
    expect([segmentOf('gold'), segmentOf('silver'), segmentOf('bronze'), segmentOf(undefined)]).toEqual([
      'key-account',
      'standard',
      'standard',
      null,
    ]);
  });
});

describe('marketing: campaign lists', () => {
  async function setUp(h: PluginHarness) {
    await h.ingest(accounts());
    const customers = byExternalId((await h.hub.list()).items);
    const { acme, ada, globex } = customers;
    const salesContext = h.context('sales');
    await salesContext.setFields(acme.id, { accountTier: 'gold' });
    await salesContext.setFields(globex.id, { accountTier: 'gold' });
    await h.runWorkflows();
    await h.hub.groups.define(keyAccounts([ada.id])); // Ada is a static member
    await h.hub.consent.record(consent(h, acme.id));
    await h.hub.consent.record(consent(h, globex.id, { expiresAt: h.clock.iso() })); // expired by the time of the list
    await h.clock.advance(3_600_000);
    return customers;
  }

  it('lists the members that may be contacted, and why the others may not', async () => {
    const h = withMembers();
    const { acme, ada, globex } = await setUp(h);
    const list = (await h.hub.commands.run('marketing.campaignList', {
      groupId: 'grp_key_accounts',
      channel: 'email',
      purpose: 'marketing',
    })) as CampaignList;
    expect(list.asOf).toBe('2026-01-01T01:00:00.000Z');
    expect(list.included).toEqual([{ customerId: acme.id, displayName: 'Acme Corp' }]);
    expect(list.excluded.sort((a, b) => a.displayName!.localeCompare(b.displayName!))).toEqual([
      { customerId: ada.id, displayName: 'Ada Lovelace', reason: 'no-consent', detail: expect.any(String) },
      { customerId: globex.id, displayName: 'Globex', reason: 'consent-expired', detail: expect.any(String) },
    ]);
  });

  it('follows the latest capture: a withdrawal excludes, and leaves the other channels alone', async () => {
    const h = withMembers();
    const { acme } = await setUp(h);
    await h.hub.consent.record(consent(h, acme.id, { status: 'withdrawn' }));
    const list = (await h.hub.commands.run('marketing.campaignList', {
      groupId: 'grp_key_accounts',
      channel: 'email',
      purpose: 'marketing',
    })) as CampaignList;
    expect(list.included).toEqual([]);
    expect(list.excluded.find((e) => e.customerId === acme.id)).toMatchObject({ reason: 'consent-withdrawn' });
  });

  it('leaves everyone off when the group arrangement does not allow the channel or purpose', async () => {
    const h = withMembers();
    await setUp(h);
    const run = (channel: string, purpose: string) =>
      h.hub.commands.run('marketing.campaignList', {
        groupId: 'grp_key_accounts',
        channel,
        purpose,
      }) as Promise<CampaignList>;
    const sms = await run('sms', 'marketing');
    expect(sms.included).toEqual([]);
    expect(sms.excluded.map((e) => e.reason)).toEqual(Array(3).fill('no-arrangement'));
    const phone = await run('phone', 'marketing');
    expect(new Set(phone.excluded.map((e) => e.reason))).toEqual(new Set(['purpose-not-allowed']));
    // A customer's own arrangement overrides the group's: Ada may be phoned about marketing.
    const ada = byExternalId((await h.hub.list()).items).ada;
    await h.hub.consent.setArrangement(ada.id, { channel: 'phone', allowedPurposes: ['marketing'] });
    await h.hub.consent.record(consent(h, ada.id, { channel: 'phone' }));
    expect((await run('phone', 'marketing')).included.map((m) => m.customerId)).toEqual([ada.id]);
  });

  it('covers static and rule members alike, and refuses unknown groups', async () => {
    const h = createPluginHarness({ plugins: [sales, marketing] });
    harnesses.push(h);
    await setUp(h);
    const list = (await h.hub.commands.run('marketing.campaignList', {
      groupId: 'grp_key_accounts',
      channel: 'email',
      purpose: 'marketing',
    })) as CampaignList;
    const members = (await h.hub.groups.members('grp_key_accounts')).map((c) => c.id);
    expect([...list.included, ...list.excluded].map((m) => m.customerId).sort()).toEqual([...members].sort());
    expect(members.length).toBeGreaterThan(1);
    await expectCrmkitError(
      h.hub.commands.run('marketing.campaignList', { groupId: 'grp_nope', channel: 'email', purpose: 'marketing' }),
      'NOT_FOUND',
    );
    await expectCrmkitError(
      h.hub.commands.run('marketing.campaignList', {
        groupId: 'grp_key_accounts',
        channel: 'pigeon',
        purpose: 'marketing',
      }),
      'VALIDATION_FAILED',
    );
  });
});

describe('marketing: dependencies and permissions', () => {
  it('needs sales ^1', () => {
    expect(() => createHub({ plugins: [marketing] })).toThrow(/unknown dependency "sales"/);
  });

  it('reads the sales tier but nothing of service, and writes only its own fields', async () => {
    const h = withMembers([service]);
    await h.ingest(accounts());
    const { acme } = byExternalId((await h.hub.list()).items);
    await h.hub.setFields(acme.id, 'sales', { accountTier: 'gold' });
    await h.hub.setFields(acme.id, 'service', { slaTier: 'gold' });
    await h.runWorkflows();
    const context = h.context('marketing');
    const seen = await context.getCustomer(acme.id);
    expect(Object.keys(seen!.golden.fields).sort()).toEqual([
      'attributes.marketing.segment',
      'attributes.sales.accountTier',
    ]);
    expect(seen!.golden.contactPoints).toEqual([]);
    await expectPermissionDenied(context.setFields(acme.id, { accountTier: 'bronze' }, { namespace: 'sales' }), {
      path: 'attributes.sales',
    });
    await expectPermissionDenied(
      context.ingest([{ type: 'interaction', externalId: 'x', observedAt: '2026-01-01T00:00:00Z', data: {} } as never]),
      { path: 'records[0].type' },
    );
    await expect(context.listGroups()).resolves.toEqual([]);
  });
});

describePluginConformance(marketing, {
  dependencies: [sales],
  sample: {
    customers: [
      {
        type: 'organization',
        source: 'erp',
        externalId: 'sample-gold',
        observedAt: '2026-01-01T00:00:00Z',
        data: { name: 'Gold Sample', attributes: { sales: { accountTier: 'gold' } } },
      },
    ],
  },
});
