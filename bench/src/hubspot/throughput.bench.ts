/**
 * Throughput of the HubSpot adapter and the sync engine under HubSpot's rate limit, against the local sandbox:
 * an initial sync of 100,000 contacts and a write-back of 10,000 changes, with faults off and on. The figure that
 * matters is records per second as a fraction of what the rate limit allows (190 requests per 10 s; a list page
 * holds 100 contacts and a batch update 100 changes; the least time the window allows is computed from the calls
 * already in it when each workload starts). Results go to docs/benchmarks.md.
 *
 * `CRMKIT_BENCH_CONTACTS` / `CRMKIT_BENCH_CHANGES` shrink the run for a quick look.
 */
import { createSyncEngine } from '@crmkit/adapter-kit';
import { createDeterministicResolver, createHub } from '@crmkit/core';
import type { WriteChange } from '@crmkit/model';
import { createHubspotSandbox, type HubspotFaultConfig } from '@crmkit/testing';
import { bench, describe } from 'vitest';
import { createHubspot } from '@crmkit/hubspot';
import { idealMs } from '../targets/measure';

const CONTACTS = Number(process.env.CRMKIT_BENCH_CONTACTS ?? 100_000);
const CHANGES = Number(process.env.CRMKIT_BENCH_CHANGES ?? 10_000);
const LIMIT = { max: 190, intervalMs: 10_000 };
const FAULTS: HubspotFaultConfig = {
  seed: 7,
  error5xx: 0.02,
  timeout: 0.005,
  slow: 0.05,
  slowMs: [20, 200],
  rateLimit429: 0.01,
  applyBeforeFault: 0.5,
};
const once = { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 };

/** Prints records per second and the fraction of what the rate limit allows for the calls the work needs. */
function report(what: string, records: number, ms: number, requests: number, ideal: number, calls: number): void {
  const rate = records / (ms / 1000);
  console.info(
    `${what}: ${records} records in ${(ms / 1000).toFixed(1)} s = ${rate.toFixed(0)} records/s; ${requests} requests (${calls} needed); the limit allows it in ${(ideal / 1000).toFixed(1)} s -> ${((ideal / ms) * 100).toFixed(1)} % of the limit`,
  );
}

let run = 0;

async function scenario(faults: boolean): Promise<void> {
  const label = faults ? 'faults on' : 'faults off';
  // A new portal per run: the rate budget is shared per portal within the process.
  const portalId = 880_000 + ++run;
  const sandbox = await createHubspotSandbox({ portalId, rateLimit: LIMIT, webhookFlushIntervalMs: 0 });
  const hub = createHub({ identity: createDeterministicResolver() });
  try {
    sandbox.seed({ contacts: CONTACTS, seed: 1 });
    if (faults) sandbox.faults.set(FAULTS);
    const adapter = createHubspot({
      credentials: { type: 'token', token: sandbox.accessToken },
      baseUrl: sandbox.url,
      portalId,
      objects: ['contacts'],
      http: { timeoutMs: 2_000, maxWaitMs: 120_000 },
    });
    const sync = createSyncEngine({ hub, adapter });
    // When each call reached the sandbox: what the rolling window holds when the next workload starts.
    const calls: number[] = [];
    sandbox.onExchange(() => calls.push(performance.now()));
    sandbox.resetStats();
    let started = performance.now();
    let ideal = idealMs(LIMIT, calls, started, CONTACTS / 100);
    const read = await sync.run();
    let ms = performance.now() - started;
    report(`initial sync, ${label}`, read.records, ms, sandbox.stats().requests, ideal, CONTACTS / 100);

    const records = await hub.store.transaction((tx) =>
      tx.listRecordsBySource({ source: 'hubspot', type: 'person', limit: CHANGES }),
    );
    const changes: WriteChange[] = records.map((r, i) => ({
      type: 'person',
      externalId: r.externalId,
      operation: 'update',
      data: { jobTitle: `Bench ${i}` },
      idempotencyKey: `bench-${label}-${i}`,
    }));
    sandbox.resetStats();
    started = performance.now();
    ideal = idealMs(LIMIT, calls, started, CHANGES / 100);
    const written = await sync.push(changes);
    ms = performance.now() - started;
    report(`write-back, ${label}`, written.written, ms, sandbox.stats().requests, ideal, CHANGES / 100);

    const checked: WriteChange[] = records.map((r, i) => ({
      type: 'person',
      externalId: r.externalId,
      operation: 'update',
      data: { jobTitle: `Checked ${i}` },
      idempotencyKey: `bench-checked-${label}-${i}`,
      // What the Hub knows after its next sync: HubSpot's last-modified time of the record.
      base: {
        observedAt: sandbox.getObject('contacts', r.externalId)?.updatedAt ?? r.observedAt,
        data: { jobTitle: `Bench ${i}` },
      },
    }));
    sandbox.resetStats();
    started = performance.now();
    // A conflict check reads the current records first: two calls per 100 changes (HubSpot has no conditional update).
    ideal = idealMs(LIMIT, calls, started, (2 * CHANGES) / 100);
    const conditional = await sync.push(checked);
    ms = performance.now() - started;
    report(
      `write-back with conflict checks, ${label}`,
      conditional.written,
      ms,
      sandbox.stats().requests,
      ideal,
      (2 * CHANGES) / 100,
    );
  } finally {
    await hub.close();
    await sandbox.close();
  }
}

describe('HubSpot sync throughput under the rate limit (sandbox)', () => {
  bench('100,000 contacts in, 10,000 changes out, faults off', () => scenario(false), once);
  bench('100,000 contacts in, 10,000 changes out, faults on', () => scenario(true), once);
});
