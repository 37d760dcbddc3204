import { createMemoryStore } from '@crmkit/core';
import type { InteractionData, Plugin } from '@crmkit/model';
import {
  createFakeClock,
  createPluginHarness,
  describePluginConformance,
  expectCrmkitError,
  expectPermissionDenied,
  type PluginHarness,
  type PluginHarnessOptions,
} from '@crmkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { accounts, byExternalId } from './fixtures';
import { createSalesPlugin, type FollowUpTask, sales } from './sales';
import { service } from './service';

const VISIT = {
  visitedAt: '2026-01-01T10:00:00Z',
  purpose: 'Quarterly review',
  outcome: 'Interested in the premium plan',
  visitorName: 'Sam Seller',
  productsDiscussed: ['premium', 'support-plus'],
  competitorMentioned: 'Initech',
  followUps: [
    { description: 'Send the premium quote', dueDate: '2026-01-05' },
    { description: 'Book a demo', ownerId: 'usr_sam' },
  ],
  reportId: 'visit-1',
};

const harnesses: PluginHarness[] = [];
function harness(plugins: Plugin[], options: Omit<PluginHarnessOptions, 'plugins'> = {}) {
  const h = createPluginHarness({ plugins, ...options });
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  // In creation order: a Hub sharing another's store closes after it.
  for (const h of harnesses.splice(0)) await h.close();
});

async function setUp(h: PluginHarness) {
  await h.ingest(accounts());
  return byExternalId((await h.hub.list()).items);
}

async function tasksOf(h: PluginHarness, customerId: string) {
  const view = await h.hub.view(customerId);
  return view.interactions.filter((i) => i.source.system === 'plugin:sales' && i.data.activity.kind === 'task');
}

describe('sales: visit reports and follow-up tasks', () => {
  it('records a visit report with the sales details, creates the follow-up tasks and moves lastVisitAt', async () => {
    const h = harness([sales, service]);
    const { acme, ada } = await setUp(h);
    const result = await h.hub.commands.run('sales.reportVisit', { ...VISIT, customerId: acme.id, contactId: ada.id });
    expect(result).toEqual({ key: 'plugin:sales/interaction/visit-1', externalId: 'visit-1' });
    await h.runWorkflows();

    const view = await h.hub.view(acme.id);
    const visit = view.interactions.find((i) => i.data.activity.kind === 'visit_report')!;
    expect(visit.data.attributes).toEqual({
      sales: { productsDiscussed: ['premium', 'support-plus'], competitorMentioned: 'Initech' },
    });

    const [run] = await h.runs('sales.followUp');
    expect(run).toMatchObject({ status: 'completed', completed: ['createTasks', 'announce', 'updateLastVisit'] });
    const tasks = await tasksOf(h, acme.id);
    expect(tasks.map((t) => [t.data.subject, t.data.activity])).toEqual([
      [
        'Follow-up: Send the premium quote',
        expect.objectContaining({ kind: 'task', status: 'open', dueAt: '2026-01-05T17:00:00.000Z' }),
      ],
      [
        'Follow-up: Book a demo',
        expect.objectContaining({ kind: 'task', dueAt: '2026-01-08T10:00:00.000Z', assigneeId: 'usr_sam' }),
      ],
    ]);
    expect(
      tasks.every(
        (t) =>
          t.data.attributes?.sales &&
          (t.data.attributes.sales as { followUpOf: string }).followUpOf === 'plugin:sales/interaction/visit-1',
      ),
    ).toBe(true);
    // The tasks are on Ada's timeline too: she was at the visit.
    expect(await tasksOf(h, ada.id)).toHaveLength(2);

    const after = await h.hub.get(acme.id);
    expect(after!.golden.fields['attributes.sales.lastVisitAt']).toMatchObject({
      value: '2026-01-01T10:00:00Z',
      provenance: { source: 'plugin:sales' },
    });
    expect((await h.hub.get(ada.id))!.golden.fields['attributes.sales.lastVisitAt']?.value).toBe(
      '2026-01-01T10:00:00Z',
    );
    expect(h.errors).toEqual([]);
  });

  it('lets service see the tasks (shared activities), without the sales namespace', async () => {
    const h = harness([sales, service]);
    const { acme } = await setUp(h);
    await h.hub.commands.run('sales.reportVisit', { ...VISIT, customerId: acme.id });
    await h.runWorkflows();
    const seen = await h.context('service').listRecords(acme.id, { type: 'interaction' });
    const kinds = seen.map((r) => (r.data as InteractionData).activity.kind).sort();
    expect(kinds).toEqual(['task', 'task', 'visit_report']);
    expect(seen.every((r) => (r.data as InteractionData).attributes?.sales === undefined)).toBe(true);
  });

  it('follows up visit reports from any source, and only those with follow-ups', async () => {
    const h = harness([sales]);
    const { acme } = await setUp(h);
    const visit = (externalId: string, followUps: { description: string }[]) => ({
      type: 'interaction' as const,
      source: 'hubspot',
      externalId,
      data: {
        channel: 'in_person' as const,
        direction: 'outbound' as const,
        occurredAt: '2026-01-02T09:00:00Z',
        participants: [
          { ref: { type: 'organization' as const, source: 'erp', externalId: 'acme' }, role: 'customer' as const },
        ],
        activity: { kind: 'visit_report' as const, visitedAt: '2026-01-02T09:00:00Z', purpose: 'Intro', followUps },
      },
    });
    await h.ingest([visit('m1', [{ description: 'Call back' }]), visit('m2', [])]);
    await h.runWorkflows();
    expect(await h.runs('sales.followUp')).toHaveLength(1); // the task it created did not start another run
    expect((await tasksOf(h, acme.id)).map((t) => t.data.subject)).toEqual(['Follow-up: Call back']);
  });

  it('retries a failed step with the same idempotency key; the tasks exist once', async () => {
    const calls: { key: string; attempt: number; tasks: string[] }[] = [];
    const flaky = createSalesPlugin({
      backoffMs: 1000,
      announceTasks: (tasks: FollowUpTask[], { idempotencyKey, attempt }) => {
        calls.push({ key: idempotencyKey, attempt, tasks: tasks.map((t) => t.externalId) });
        if (attempt === 1) throw new Error('task app unavailable');
      },
    });
    const h = harness([flaky]);
    const { acme } = await setUp(h);
    await h.hub.commands.run('sales.reportVisit', { ...VISIT, customerId: acme.id });
    await h.runWorkflows();
    const [run] = await h.runs('sales.followUp');
    expect(run!.status).toBe('completed');
    expect(calls.map((c) => c.attempt)).toEqual([1, 2]);
    expect(calls[0]!.key).toBe(`${run!.id}:announce`);
    expect(calls[1]!.key).toBe(calls[0]!.key);
    expect(calls[1]!.tasks).toEqual([`${run!.id}:createTasks:0`, `${run!.id}:createTasks:1`]);
    expect(await tasksOf(h, acme.id)).toHaveLength(2);
  });

  it('removes the tasks again when a later step fails for good (compensation)', async () => {
    const broken = createSalesPlugin({
      retries: 1,
      backoffMs: 10,
      announceTasks: () => {
        throw new Error('task app gone');
      },
    });
    const h = harness([broken]);
    const { acme } = await setUp(h);
    await h.hub.commands.run('sales.reportVisit', { ...VISIT, customerId: acme.id });
    await h.runWorkflows();
    const [run] = await h.runs('sales.followUp');
    expect(run).toMatchObject({ status: 'compensated', error: { step: 'announce', message: 'task app gone' } });
    expect(run!.history.filter((e) => e.action === 'compensated').map((e) => e.step)).toEqual(['createTasks']);
    expect(await tasksOf(h, acme.id)).toEqual([]);
    expect((await h.hub.get(acme.id))!.golden.fields['attributes.sales.lastVisitAt']).toBeUndefined();
    expect(h.errors).toEqual([]); // a compensated run is no plugin error
  });

  it('resumes a run whose process died mid-step in another process, without creating tasks twice', async () => {
    const store = createMemoryStore();
    // Process A dies while recording the tasks: they are committed, but the step never reports back.
    const a = harness([sales], { store, hubOptions: { workflows: { workerId: 'process-a' } } });
    a.hub.hooks.on(
      'ingest:after',
      ({ records }) =>
        records.some((r) => r.key.includes(':createTasks:')) ? new Promise<void>(() => undefined) : undefined,
      { id: 'crash' },
    );
    const { acme } = await setUp(a);
    await a.hub.commands.run('sales.reportVisit', { ...VISIT, customerId: acme.id });
    for (let i = 0; i < 20 && (await tasksOf(a, acme.id)).length === 0; i++) await a.clock.settle();
    expect(await tasksOf(a, acme.id)).toHaveLength(2);
    const [stuck] = await a.runs('sales.followUp');
    expect(stuck).toMatchObject({ status: 'running', leaseOwner: 'process-a', completed: [] });

    // Process B, on the same store, picks the run up once A's lease (30 s) has expired.
    const b = harness([sales], {
      store,
      clock: createFakeClock(),
      hubOptions: { workflows: { workerId: 'process-b' } },
    });
    expect(await b.runWorkflows()).toBe(0); // A's lease is still valid
    expect(await b.advance(31_000)).toBe(1);
    const [run] = await b.runs('sales.followUp');
    expect(run).toMatchObject({ status: 'completed', completed: ['createTasks', 'announce', 'updateLastVisit'] });
    expect(
      run!.history.filter((e) => e.step === 'createTasks').map((e) => [e.action, e.attempt, e.error?.code]),
    ).toEqual([
      ['started', 1, undefined],
      ['failed', 1, 'ABORTED'],
      ['resumed', undefined, undefined],
      ['started', 2, undefined],
      ['completed', 2, undefined],
    ]);
    expect(await tasksOf(b, acme.id)).toHaveLength(2);
  });
});

describe('sales: permissions', () => {
  it('refuses what sales was not granted', async () => {
    const h = harness([sales, service]);
    const { acme } = await setUp(h);
    const context = h.context('sales');
    await expectPermissionDenied(context.setFields(acme.id, { slaTier: 'gold' }, { namespace: 'service' }), {
      path: 'attributes.service',
      actor: 'plugin:sales',
    });
    await expectPermissionDenied(
      context.ingest([
        { type: 'person', externalId: 'x', observedAt: '2026-01-01T00:00:00Z', data: { givenName: 'X' } },
      ]),
      { path: 'records[0].type' },
    );
    await expectPermissionDenied(context.listGroups(), { path: 'group' });
    // It sees display name and sources, not contact details.
    const seen = await context.getCustomer(acme.id);
    expect(seen!.displayName).toBe('Acme Corp');
    expect(seen!.golden.contactPoints).toEqual([]);
    expect(Object.keys(seen!.golden.fields).every((f) => f.startsWith('attributes.sales.'))).toBe(true);
  });

  it('validates reportVisit input and refuses unknown customers', async () => {
    const h = harness([sales]);
    await setUp(h);
    const error = await expectCrmkitError(
      h.hub.commands.run('sales.reportVisit', { customerId: 'x', visitedAt: 'yesterday', purpose: '' }),
      'VALIDATION_FAILED',
    );
    expect((error as unknown as { issues: { pathString: string }[] }).issues.map((i) => i.pathString)).toEqual([
      'input.visitedAt',
      'input.purpose',
    ]);
    await expectCrmkitError(
      h.hub.commands.run('sales.reportVisit', { ...VISIT, customerId: 'cus_missing' }),
      'NOT_FOUND',
    );
  });
});

describePluginConformance(sales, { dependencies: [] });
