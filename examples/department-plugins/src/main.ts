/**
 * The department plugins at work, as a short story: sales reports a visit and its follow-ups become tasks service
 * can see; service escalates twice (once the pager works, once it does not and the escalation is undone);
 * marketing builds a campaign list from the key accounts, with a reason for everyone left off.
 *
 * Run from the repository root: `npm start -w @crmkit/example-department-plugins`.
 */
import { createHub, type Hub } from '@crmkit/core';
import type { InteractionData } from '@crmkit/model';
import { accounts, byExternalId } from './fixtures';
import { createMarketingPlugin, type CampaignList, SEGMENT_FIELD } from './marketing';
import { createSalesPlugin } from './sales';
import { createServicePlugin } from './service';

const log = (line = '') => console.log(line);

let pagerUp = true;
let hub: Hub | undefined;
const sales = createSalesPlugin();
const service = createServicePlugin({
  retries: 1,
  backoffMs: 50,
  notify: (notice) => {
    if (!pagerUp) throw new Error('pager unreachable');
    log(`  [pager] level ${notice.level} for ${notice.organizationName}: ${notice.reason} (due ${notice.dueAt})`);
    return { page: `PAGE-${notice.idempotencyKey.slice(-8)}` };
  },
});
const marketing = createMarketingPlugin();

hub = createHub({
  plugins: [marketing, service, sales], // any order: dependencies load first
  workflows: { scheduler: false }, // runs start with their events; this demo waits for them with idle()
  logger: () => undefined,
});

try {
  log('Plugins (dependencies first):');
  for (const p of hub.plugins.list()) log(`  ${p.name}@${p.version} (${p.department})`);

  await hub.ingest(accounts());
  const { acme, ada, globex } = byExternalId((await hub.list()).items);
  await hub.setFields(acme.id, 'service', { slaTier: 'gold' });

  log('\n1. Sales reports a visit to Acme; the follow-ups become tasks.');
  await hub.commands.run('sales.reportVisit', {
    customerId: acme.id,
    contactId: ada.id,
    visitedAt: new Date(Date.now() - 3_600_000).toISOString(),
    purpose: 'Quarterly review',
    visitorName: 'Sam Seller',
    productsDiscussed: ['premium', 'support-plus'],
    competitorMentioned: 'Initech',
    followUps: [{ description: 'Send the premium quote' }, { description: 'Book a demo' }],
  });
  await hub.workflows.idle();
  const seenByService = await hub.plugins.context('service').listRecords(acme.id, { type: 'interaction' });
  log('   What service sees on Acme (shared activities, no sales namespace):');
  for (const record of seenByService) {
    const data = record.data as InteractionData;
    log(`   - ${data.activity.kind.padEnd(12)} ${data.subject ?? ''}  [${record.source}]`);
  }
  const acmeNow = await hub.get(acme.id);
  log(`   attributes.sales.lastVisitAt = ${acmeNow?.golden.fields['attributes.sales.lastVisitAt']?.value}`);

  log('\n2. Service escalates an outage at Acme (gold SLA: due in 4 hours).');
  const first = (await hub.commands.run('service.escalate', {
    organizationId: acme.id,
    level: 2,
    reason: 'Outage for 3 hours',
  })) as { runId: string };
  await hub.workflows.idle();
  log(
    `   run ${(await hub.workflows.get(first.runId))?.status}; escalated = ${(await hub.get(acme.id))?.golden.fields['attributes.service.escalated']?.value}`,
  );

  log('   The pager goes down; an escalation for Globex cannot be announced.');
  pagerUp = false;
  const second = (await hub.commands.run('service.escalate', {
    organizationId: globex.id,
    level: 1,
    reason: 'Late delivery',
  })) as { runId: string };
  await hub.workflows.idle();
  const failed = await hub.workflows.get(second.runId);
  log(
    `   run ${failed?.status} (${failed?.error?.message}); compensated: ${failed?.history
      .filter((e) => e.action === 'compensated')
      .map((e) => e.step)
      .join(', ')}`,
  );
  const globexView = await hub.view(globex.id);
  log(
    `   escalations left on Globex's timeline: ${globexView.interactions.filter((i) => i.data.activity.kind === 'custom').length}`,
  );

  log('\n3. Marketing: key accounts by the sales tier, and who may get the newsletter.');
  await hub.plugins.context('sales').setFields(acme.id, { accountTier: 'gold' });
  await hub.plugins.context('sales').setFields(globex.id, { accountTier: 'gold' });
  await hub.workflows.idle();
  await hub.groups.define({
    id: 'grp_key_accounts',
    name: 'Key accounts',
    managerId: 'usr_kim',
    memberIds: [ada.id],
    rule: { match: 'all', conditions: [{ field: SEGMENT_FIELD, op: 'eq', value: 'key-account' }] },
    defaultArrangements: [
      {
        id: 'arr_email',
        createdAt: new Date().toISOString(),
        updatedAt: new Date().toISOString(),
        sources: [],
        channel: 'email',
        allowedPurposes: ['marketing', 'service'],
      },
    ],
  });
  // Consent lives in the Hub's ledger (a web form or a channel records it); every send path asks canContact.
  const consent = { channel: 'email', purpose: 'marketing', captureSource: 'webform:newsletter', wordingVersion: 'v3' };
  const at = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
  await hub.consent.record({ customerId: acme.id, ...consent, status: 'granted', capturedAt: at(10) });
  await hub.consent.record({ customerId: globex.id, ...consent, status: 'granted', capturedAt: at(10) });
  await hub.consent.record({ customerId: globex.id, ...consent, status: 'withdrawn', capturedAt: at(5) });
  const list = (await hub.commands.run('marketing.campaignList', {
    groupId: 'grp_key_accounts',
    channel: 'email',
    purpose: 'marketing',
  })) as CampaignList;
  for (const member of list.included) log(`   + ${member.displayName}`);
  for (const member of list.excluded) log(`   - ${member.displayName}: ${member.reason}`);
} finally {
  await hub.close();
}
