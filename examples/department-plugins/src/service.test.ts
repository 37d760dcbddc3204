import type { InteractionData, JsonValue, Plugin, SourceRecordInput } from '@crmkit/model';
import {
  createPluginHarness,
  describePluginConformance,
  expectCrmkitError,
  expectPermissionDenied,
  type PluginHarness,
} from '@crmkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { accounts, byExternalId } from './fixtures';
import { sales } from './sales';
import { createServicePlugin, type EscalationNotice, service } from './service';

const harnesses: PluginHarness[] = [];
function harness(plugins: Plugin[]) {
  const h = createPluginHarness({ plugins });
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

async function setUp(h: PluginHarness) {
  await h.ingest(accounts());
  const customers = byExternalId((await h.hub.list()).items);
  await h.hub.setFields(customers.acme.id, 'service', { slaTier: 'gold' });
  return customers;
}

function serviceCase(externalId: string, activity: Record<string, unknown>, attributes?: Record<string, JsonValue>) {
  return {
    type: 'interaction',
    source: 'zendesk',
    externalId,
    observedAt: '2026-01-01T08:00:00Z',
    data: {
      channel: 'phone',
      direction: 'inbound',
      occurredAt: '2026-01-01T08:00:00Z',
      participants: [{ ref: { email: 'ada@acme.example' }, role: 'from' }],
      activity: { kind: 'case', ...activity },
      ...(attributes ? { attributes } : {}),
    },
  } as SourceRecordInput;
}

async function escalationsOf(h: PluginHarness, customerId: string) {
  const view = await h.hub.view(customerId);
  return view.interactions.filter((i) => i.data.activity.kind === 'custom');
}

describe('service: SLA deadlines on service cases', () => {
  it('stamps the deadline on open cases from any source, in its own namespace only', async () => {
    const h = harness([sales, service]);
    const { ada } = await setUp(h);
    await h.hub.ingest([
      serviceCase('c1', { priority: 'urgent' }, { sales: { competitorMentioned: 'Initech' } }),
      serviceCase('c2', {}),
      serviceCase('c3', { status: 'resolved' }),
    ]);
    const view = await h.hub.view(ada.id);
    const attributesOf = (id: string) =>
      view.interactions.find((i) => i.source.externalId === id)!.data.attributes as InteractionData['attributes'];
    expect(attributesOf('c1')).toEqual({
      sales: { competitorMentioned: 'Initech' }, // another plugin's values stay as they were
      service: { slaDeadline: '2026-01-01T12:00:00.000Z', responseHours: 4 },
    });
    expect(attributesOf('c2')).toEqual({ service: { slaDeadline: '2026-01-02T08:00:00.000Z', responseHours: 24 } });
    expect(attributesOf('c3')?.service).toBeUndefined();
    expect(h.errors).toEqual([]);
  });
});

describe('service: escalations', () => {
  it('records the escalation due by the SLA tier, notifies, and flags the organisation', async () => {
    const notices: EscalationNotice[] = [];
    const h = harness([
      createServicePlugin({
        notify: (notice) => {
          notices.push(notice);
          return { ticket: 'PAGE-1' };
        },
      }),
    ]);
    const { acme } = await setUp(h);
    await h.clock.advance(60_000);
    const { runId } = (await h.hub.commands.run('service.escalate', {
      organizationId: acme.id,
      level: 2,
      reason: 'Outage for 3 hours',
      requestId: 'req-1',
    })) as { runId: string };
    // The same request starts no second run.
    expect(
      await h.hub.commands.run('service.escalate', {
        organizationId: acme.id,
        level: 2,
        reason: 'x',
        requestId: 'req-1',
      }),
    ).toEqual({ runId });
    await h.runWorkflows();

    expect(await h.hub.workflows.get(runId)).toMatchObject({
      status: 'completed',
      results: { notify: { ticket: 'PAGE-1' } },
    });
    const [escalation] = await escalationsOf(h, acme.id);
    expect(escalation!.source.system).toBe('plugin:service');
    expect(escalation!.data.activity).toEqual({
      kind: 'custom',
      type: 'service.escalation',
      data: { level: 2, reason: 'Outage for 3 hours', dueAt: '2026-01-01T04:01:00.000Z' }, // gold: 4 hours
    });
    expect(notices).toEqual([
      {
        organizationId: acme.id,
        organizationName: 'Acme Corp',
        level: 2,
        reason: 'Outage for 3 hours',
        dueAt: '2026-01-01T04:01:00.000Z',
        idempotencyKey: `${runId}:notify`,
      },
    ]);
    expect((await h.hub.get(acme.id))!.golden.fields['attributes.service.escalated']?.value).toBe(true);
  });

  it('withdraws the escalation when the notification fails for good (compensation)', async () => {
    const attempts: { attempt: number; key: string }[] = [];
    const h = harness([
      createServicePlugin({
        backoffMs: 500,
        notify: (notice, { attempt }) => {
          attempts.push({ attempt, key: notice.idempotencyKey });
          throw new Error('pager unreachable');
        },
      }),
    ]);
    const { globex } = await setUp(h);
    const runId = await h.hub.workflows.start('service.escalate', {
      organizationId: globex.id,
      level: 1,
      reason: 'Late delivery',
    });
    await h.runWorkflows();

    const run = await h.hub.workflows.get(runId);
    expect(run).toMatchObject({ status: 'compensated', error: { step: 'notify', message: 'pager unreachable' } });
    expect(run!.history.map((e) => `${e.step}:${e.action}${e.attempt ? `#${e.attempt}` : ''}`)).toEqual([
      'recordEscalation:started#1',
      'recordEscalation:completed#1',
      'notify:started#1',
      'notify:failed#1',
      'notify:started#2',
      'notify:failed#2',
      'notify:started#3',
      'notify:failed#3',
      'recordEscalation:compensated',
    ]);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(new Set(attempts.map((a) => a.key)).size).toBe(1);
    // The escalation was recorded, then removed again; the organisation was never flagged.
    expect(await escalationsOf(h, globex.id)).toEqual([]);
    const records = await h.context('service').listRecords(globex.id, { type: 'interaction' });
    expect(records).toEqual([]);
    expect((await h.hub.get(globex.id))!.golden.fields['attributes.service.escalated']).toBeUndefined();
  });

  it('fails (nothing to compensate) when the organisation does not exist', async () => {
    const h = harness([service]);
    const { ada } = await setUp(h);
    const runId = await h.hub.workflows.start('service.escalate', { organizationId: ada.id, level: 1, reason: 'x' });
    await h.runWorkflows();
    expect(await h.hub.workflows.get(runId)).toMatchObject({
      status: 'failed',
      error: { step: 'recordEscalation', code: 'NOT_FOUND' },
    });
  });

  it('validates the workflow and command input', async () => {
    const h = harness([service]);
    await expectCrmkitError(
      h.hub.workflows.start('service.escalate', { organizationId: 'x', level: 9, reason: 'x' }),
      'VALIDATION_FAILED',
    );
    await expectCrmkitError(
      h.hub.commands.run('service.escalate', { organizationId: 'x', level: 1 }),
      'VALIDATION_FAILED',
    );
  });
});

describe('service: permissions', () => {
  it('refuses what service was not granted', async () => {
    const h = harness([sales, service]);
    const { acme } = await setUp(h);
    await h.hub.setFields(acme.id, 'sales', { accountTier: 'gold' });
    const context = h.context('service');
    await expectPermissionDenied(context.setFields(acme.id, { accountTier: 'silver' }, { namespace: 'sales' }), {
      path: 'attributes.sales',
    });
    await expectPermissionDenied(
      context.ingest([
        { type: 'organization', externalId: 'x', observedAt: '2026-01-01T00:00:00Z', data: { name: 'X' } },
      ]),
      { path: 'records[0].type' },
    );
    await expectPermissionDenied(context.listGroups(), { path: 'group' });
    const seen = await context.getCustomer(acme.id);
    expect(Object.keys(seen!.golden.fields)).toEqual(['attributes.service.slaTier']); // not the sales tier
  });
});

describePluginConformance(service, {
  sample: { customers: [serviceCase('sample-case', { priority: 'high' })] },
});
