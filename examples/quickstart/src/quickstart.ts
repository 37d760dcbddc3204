/**
 * The quickstart's walk through crmkit: two departments, two CRMs, one central customer view. Every number it prints
 * is computed from the fixtures or asked of the Hub. `index.ts` runs it (`npm start` at the repo root); the test runs
 * it on a temporary folder and checks the printed counts against the data.
 */
import { readFileSync } from 'node:fs';
import { type Customer, CrmkitError, createHub, DEFAULT_POLICY } from 'crmkit';
import { fromDynamics, fromHubSpot } from './sources';

/** Options of {@link runQuickstart}. */
export interface QuickstartOptions {
  /** The embedded store's folder. @default `./.crmkit` (or `CRMKIT_DATA_DIR`) */
  dataDir?: string;
  /** Where the lines go. @default console.log */
  log?: (line: string) => void;
}

/** Runs the quickstart, printing through `options.log`. */
export async function runQuickstart(options: QuickstartOptions = {}): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));

  const load = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), 'utf8'));
  const names = { rule: 'sourcePriority', sources: ['hubspot-sales'] } as const; // sales spells names in full
  const hub = createHub({
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    defaultCountry: 'NL', // national numbers such as 06-12345678 are Dutch
    departments: [
      { id: 'sales', systems: ['hubspot-sales'] },
      { id: 'service', systems: ['dynamics-service'] },
    ],
    survivorship: {
      fields: {
        givenName: names,
        familyName: names,
        fullName: names,
        lifecycleStage: { rule: 'departmentOwned', department: 'sales' },
      },
    },
    // Policies are data: the default for the six roles, except that users do not see the sales lifecycle stage.
    policy: {
      ...DEFAULT_POLICY,
      roles: {
        ...DEFAULT_POLICY.roles,
        user: {
          ...DEFAULT_POLICY.roles.user,
          fields: {
            read: DEFAULT_POLICY.roles.user.fields.read.filter((f) => f !== 'lifecycleStage'),
            write: DEFAULT_POLICY.roles.user.fields.write,
          },
        },
      },
    },
  });
  hub.on('customer.merged', (e) =>
    log(`  event customer.merged: ${e.payload.from} -> ${e.payload.into} (${e.payload.reason})`),
  );
  hub.on('customer.split', (e) => log(`  event customer.split: ${e.payload.restored} restored from ${e.payload.from}`));

  const earlier = (await hub.list({ limit: 1000 })).items.length;
  log(
    earlier
      ? `The embedded store (${hub.store.name}) already holds ${earlier} customers from an earlier run.`
      : `Empty embedded store: ${hub.store.name}.`,
  );
  const sales = fromHubSpot('hubspot-sales', {
    companies: load('hubspot-companies').results,
    contacts: load('hubspot-contacts').results,
    meetings: load('hubspot-meetings').results,
  });
  const service = fromDynamics('dynamics-service', {
    contacts: load('dynamics-contacts').value,
    incidents: load('dynamics-incidents').value,
  });
  const a = await hub.ingest(sales);
  const b = await hub.ingest(service);
  log(
    `Ingested ${sales.length} sales records and ${service.length} service records (${a.created + b.created} stored).`,
  );

  const short = (id: string): string => (id.length > 12 ? `…${id.slice(-6)}` : id);
  async function show(customer: Customer): Promise<void> {
    const view = await hub.view(customer.id);
    log(`\n${customer.displayName}  [${customer.kind} ${customer.id}]`);
    for (const [field, { value, provenance }] of Object.entries(customer.golden.fields)) {
      log(
        `  ${field.padEnd(15)} ${String(value).padEnd(30)} <- ${provenance.source} #${short(provenance.externalId)} (${provenance.rule})`,
      );
    }
    for (const point of customer.golden.contactPoints) {
      log(`  ${point.kind.padEnd(15)} ${point.value.padEnd(30)} <- ${point.sources.map((s) => s.system).join(', ')}`);
    }
    for (const { data, source } of view.interactions) {
      log(
        `  ${data.occurredAt.slice(0, 10)} ${data.activity.kind.padEnd(12)} ${data.subject ?? ''} (${source.system})`,
      );
    }
    if (view.related.length) log(`  related: ${view.related.map((r) => r.displayName).join(', ')}`);
  }

  const contactRecords = [...sales, ...service].filter((r) => r.type === 'person').length;
  const people = (await hub.list({ limit: 100 })).items.filter((c) => c.kind === 'person');
  log(`\n${people.length} people from ${contactRecords} contact records:`);
  for (const person of people) await show(person);

  const graces = await hub.find({ name: 'grace hopper' });
  log(`\nA data admin decides the ${graces.length} Grace Hopper customers are one person and merges them by hand:`);
  const [work, home] = graces;
  const merge = await hub.merge(work!.id, home!.id, { actor: 'data-admin', reason: 'same person, confirmed by phone' });
  await show((await hub.get(merge.into))!);
  log('\n...then undoes it:');
  await hub.unmerge(merge.mergeId, { actor: 'data-admin' });
  log(`  ${(await hub.find({ name: 'grace hopper' })).length} separate Grace Hopper customers again.`);

  // The identity matcher compares names, birth dates, contact points and addresses too, and explains its links.
  const [ada] = await hub.find({ email: 'ada.lovelace@acme.example' });
  const [why] = await hub.links(ada!.id);
  if (why) {
    const { contributions } = why.explanation as { contributions: { comparison: string; level: string }[] };
    const evidence = contributions.filter((c) => c.level !== 'missing').map((c) => `${c.comparison} ${c.level}`);
    log(`\nWhy Ada's two records are one customer (match probability ${why.probability.toFixed(3)}):`);
    log(`  ${evidence.join('; ')}`);
  }
  // Pairs it is unsure about wait for a person: accept joins them (undo with unlink), reject keeps them apart.
  const queue = await hub.reviews.list({ status: 'open' });
  log(`\nThe review queue holds ${queue.length} pair(s) the identity matcher was unsure about.`);
  for (const item of queue) {
    const decision = await hub.reviews.accept(item.id, { actor: 'data-admin' });
    log(`  accepted ${item.a} ~ ${item.b} (p=${item.probability.toFixed(2)}): customer ${decision.customerIds[0]}`);
    const undone = await hub.unlink(decision.link!.id, { actor: 'data-admin', reason: 'changed my mind' });
    log(`  ...and unlinked again: ${undone.customerIds.join(' and ')}; the pair is not proposed again.`);
  }
  // Governance: every call can be made as an actor; the policy decides what they see and may change.
  log('\nVera works at the service desk (role "user", department "service"):');
  const vera = hub.as({ kind: 'user', id: 'u-vera', roles: [{ name: 'user' }], departmentId: 'service' });
  const everyone = (await hub.list({ limit: 1000 })).items;
  const hers = (await vera.list({ limit: 1000 })).items;
  log(`  she sees ${hers.length} of ${everyone.length} customers: those the service department's system knows.`);
  for (const customer of hers.filter((c) => c.kind === 'person')) {
    const full = everyone.find((c) => c.id === customer.id)!;
    const hidden = Object.keys(full.golden.fields).filter((f) => !(f in customer.golden.fields));
    log(
      `  - ${customer.displayName}: ${Object.keys(customer.golden.fields).join(', ')}${hidden.length ? ` (not: ${hidden.join(', ')})` : ''}`,
    );
  }
  const salesOnly = everyone.find((c) => !hers.some((h) => h.id === c.id));
  if (salesOnly) {
    const seen = await vera.get(salesOnly.id);
    log(`  ${salesOnly.displayName}, known to sales only, is ${seen ? 'visible' : 'not visible'} to her.`);
  }
  try {
    await vera.setOverride(hers[0]!.id, 'jobTitle', 'Chief Everything');
  } catch (error) {
    if (CrmkitError.isInstance(error)) log(`  she may not change a customer she does not own: ${error.code}`);
  }
  const audit = await hub.governance.verifyAudit();
  log(`\nThe audit log holds ${audit.entries} hash-chained entries: ${audit.ok ? 'intact' : 'TAMPERED'}.`);
  await hub.close();
}
