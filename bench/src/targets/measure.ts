/**
 * The arithmetic of the issue-15 target runner (`run.ts`), apart so that it is tested (`measure.test.ts`): pairwise
 * F1 of a clustering against the truth, the least time a rolling rate-limit window allows, percentiles.
 */

/** Pairwise precision, recall and F1. */
export interface PairwiseQuality {
  precision: number;
  recall: number;
  f1: number;
  /** Records counted. */
  records: number;
}

/**
 * Pairwise precision, recall and F1 of a clustering, given one (predicted cluster, true entity) pair per record:
 * every pair of records in one cluster against every pair of records of one entity (a wrong merge of two big
 * clusters costs many pairs). With no predicted (or no true) pairs at all, precision (recall) is 1.
 */
export function pairwiseF1(assignments: Iterable<readonly [cluster: string, entity: string]>): PairwiseQuality {
  const cells = new Map<string, number>();
  const predicted = new Map<string, number>();
  const truth = new Map<string, number>();
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  let records = 0;
  for (const [cluster, entity] of assignments) {
    bump(cells, `${cluster}\u0000${entity}`);
    bump(predicted, cluster);
    bump(truth, entity);
    records++;
  }
  const pairs = (counts: Map<string, number>) => [...counts.values()].reduce((s, n) => s + (n * (n - 1)) / 2, 0);
  const tp = pairs(cells);
  const p = pairs(predicted);
  const t = pairs(truth);
  const precision = p === 0 ? 1 : tp / p;
  const recall = t === 0 ? 1 : tp / t;
  return { precision, recall, f1: p + t === 0 ? 1 : (2 * tp) / (p + t), records };
}

/** The person a record of `syntheticPeople` belongs to: its external id is `<copy>-<person>`. */
export function personOf(externalId: string): string {
  return externalId.slice(externalId.indexOf('-') + 1);
}

/** A rolling-window rate limit: at most `max` calls in any `intervalMs`. */
export interface RateLimit {
  max: number;
  intervalMs: number;
}

/**
 * The least time the rolling window allows for `calls` calls starting at `start`, given the calls already in the
 * window (`prior`, their times): each call goes as soon as fewer than `max` calls were made in the last `intervalMs`.
 */
export function idealMs(limit: RateLimit, prior: readonly number[], start: number, calls: number): number {
  const times = prior.filter((t) => t > start - limit.intervalMs).sort((a, b) => a - b);
  let t = start;
  for (let i = 0; i < calls; i++) {
    if (times.length >= limit.max) t = Math.max(t, (times[times.length - limit.max] as number) + limit.intervalMs);
    times.push(t);
  }
  return t - start;
}

/** The `p`-th percentile (nearest rank) of ascending `sorted` values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile of no values');
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Times `calls` sequential calls of `fn` after `warmup` untimed ones; returns the durations in ms, ascending. */
export async function latencies(fn: () => Promise<void>, calls: number, warmup: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await fn();
    out.push(performance.now() - started);
  }
  return out.sort((a, b) => a - b);
}
