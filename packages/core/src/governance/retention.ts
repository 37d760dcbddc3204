/** Retention: purging source records older than the rules allow. */

import { type RetentionPolicy, RetentionPolicySchema, type StoredRecord, validationErrorFromZod } from '@crmkit/model';
import { outOfBounds } from '../ingest/ingest-checks';
import { compareStrings } from '../runtime/stable';
import { type GovernanceDeps, inputChecks } from './deps';

/** What a retention run purged. */
export interface PurgeReport {
  at: string;
  /** Records tombstoned, per rule (by index in the rule list). */
  purged: { rule: RetentionPolicy; records: number }[];
  /**
   * Records a rule would have reached whose `observedAt` lies outside the Hub's time bounds (e.g. year 0, stored
   * before the bounds existed): their real age is unknown, so they are left alone. Repair them with
   * `ingest(records, { repairTimestamps: true })`; the next purge then treats them like any other. By key, once.
   */
  outOfRange: { key: string; observedAt: string }[];
}

/** The earliest cutoff a purge asks the store for: year 1 (no store need compare times before it). */
const EARLIEST_CUTOFF_MS = Date.parse('0001-01-01T00:00:00Z');

/** What {@link createRetentionServices} needs from the Hub. */
export type RetentionDeps = Pick<GovernanceDeps, 'write' | 'relink' | 'limits' | 'now'>;

/**
 * The retention service: `purge` tombstones the records each rule reaches (relinking parties), in batches.
 */
export function createRetentionServices(deps: RetentionDeps) {
  const { who } = inputChecks(deps);

  async function purge(
    rules: readonly RetentionPolicy[],
    actor: string,
    nowIso: string = deps.now(),
  ): Promise<PurgeReport> {
    ({ actor } = who(actor));
    const checked = rules.map((rule, index) => {
      const parsed = RetentionPolicySchema.safeParse(rule);
      if (!parsed.success)
        throw validationErrorFromZod(parsed.error, {
          basePath: ['retention', index],
          message: ([first]) => `[crmkit/core] ${first?.pathString}: ${first?.message}`,
        });
      return parsed.data;
    });
    const report: PurgeReport = { at: nowIso, purged: [], outOfRange: [] };
    const outOfRange = new Map<string, string>();
    const now = Date.parse(nowIso);
    for (const rule of checked) {
      // Bounded: a rule reaching before year 1 (or past what a Date holds) purges everything from year 1 on.
      const cutoff = new Date(Math.max(EARLIEST_CUTOFF_MS, now - rule.maxAgeDays * 86_400_000)).toISOString();
      let purged = 0;
      // Records this rule leaves alone (other sources, times out of range): the store lists them first again, so
      // each page asks for that many more.
      const passed = new Set<string>();
      for (;;) {
        const batch = await deps.write(
          undefined,
          async (ctx) => {
            const limit = 200 + passed.size;
            const old = await ctx.tx.listRecords({ type: rule.entity, observedBefore: cutoff, limit });
            const due: StoredRecord[] = [];
            for (const record of old) {
              if (passed.has(record.key)) continue;
              if (rule.sources && !rule.sources.includes(record.source)) passed.add(record.key);
              else if (outOfBounds(record.observedAt, deps.limits, new Date(now))) {
                passed.add(record.key);
                outOfRange.set(record.key, record.observedAt);
              } else due.push(record);
            }
            if (due.length === 0) return { done: old.length < limit, count: 0, more: old.length >= limit };
            const tombstones = due.map((record) => ({
              ...record,
              deleted: true,
              data: null,
              contentHash: 'purged',
              matchKeys: [],
              refKeys: [],
              blockKeys: [],
              version: record.version + 1,
            }));
            if (rule.entity === 'person' || rule.entity === 'organization') {
              await deps.relink(
                ctx,
                tombstones.map((r) => r.customerId).filter((id): id is string => id !== null),
                new Map(tombstones.map((r) => [r.key, r])),
                { kind: 'ingest', actor },
              );
            } else await ctx.tx.putRecords(tombstones);
            for (const record of due) {
              ctx.audit.push({
                actor,
                action: 'retention.purge',
                target: `record:${record.key}`,
                changes: [],
                at: ctx.now,
              });
            }
            return { done: old.length < limit, count: due.length, more: false };
          },
          undefined,
          actor,
        );
        purged += batch.count;
        if (batch.done || (batch.count === 0 && !batch.more)) break;
      }
      report.purged.push({ rule, records: purged });
    }
    report.outOfRange = [...outOfRange]
      .map(([key, observedAt]) => ({ key, observedAt }))
      .sort((a, b) => compareStrings(a.key, b.key));
    return report;
  }

  return { purge };
}
