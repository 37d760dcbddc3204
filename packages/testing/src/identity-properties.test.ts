/**
 * Properties of the identity engine (`@crmkit/identity`) on the synthetic people of this kit: incremental equals
 * batch, order independence, stable ids, idempotence, exact removal. The test lives here, not in identity, because
 * the generator is part of the test kit, and identity must not depend on its test kit (no package cycle).
 */
import {
  estimateParameters,
  IdentityIndex,
  type IdentityRecord,
  type ModelParameters,
  resolve,
} from '@crmkit/identity';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { syntheticIdentities } from './index';

// A pool of noisy people with duplicates, namesakes and relatives; parameters estimated once from a larger sample,
// as a deployment would (the index and resolve then share them, which is what makes them comparable).
const pool = syntheticIdentities({ entities: 70, seed: 11 }).records as IdentityRecord[];
const parameters: ModelParameters = estimateParameters(
  syntheticIdentities({ entities: 3000, seed: 5 }).records as IdentityRecord[],
);

/** A set of records as a sorted list of sorted groups: the partition, whatever the cluster ids. */
function partition(clusterOf: (id: string) => string | undefined, ids: readonly string[]): string[] {
  const groups = new Map<string, string[]>();
  for (const id of ids) {
    const c = clusterOf(id)!;
    groups.set(c, [...(groups.get(c) ?? []), id]);
  }
  return [...groups.values()].map((g) => g.sort().join(',')).sort();
}

/** A random subset of the pool in a random order. */
const subsets = fc
  .shuffledSubarray(pool, { minLength: 2, maxLength: pool.length })
  .chain((records) => fc.shuffledSubarray(records, { minLength: records.length, maxLength: records.length }));

describe('identity properties', () => {
  it('the pool is interesting: it has duplicates and the engine links some', async () => {
    const result = await resolve(pool, { parameters });
    expect(result.stats.links).toBeGreaterThan(10);
    expect(result.stats.clusters).toBeLessThan(pool.length);
  });

  it('adding records one at a time gives the same clusters and ids as one batch', async () => {
    await fc.assert(
      fc.asyncProperty(subsets, async (records) => {
        const batch = await resolve(records, { parameters });
        const index = new IdentityIndex({ parameters });
        for (const record of records) index.add(record);
        for (const record of records) expect(index.clusterOf(record.id)).toBe(batch.clusterOf.get(record.id));
      }),
      { numRuns: 40 },
    );
  });

  it('the partition does not depend on input order', async () => {
    await fc.assert(
      fc.asyncProperty(subsets, fc.integer({ min: 0, max: 1000 }), async (records, seed) => {
        const shuffled = [...records].sort(
          (a, b) => ((a.id.length * 31 + seed) % 7) - ((b.id.length * 31 + seed) % 7) || (a.id < b.id ? 1 : -1),
        );
        const one = await resolve(records, { parameters });
        const two = await resolve(shuffled, { parameters });
        const ids = records.map((r) => r.id);
        expect(partition((id) => two.clusterOf.get(id), ids)).toEqual(partition((id) => one.clusterOf.get(id), ids));
      }),
      { numRuns: 25 },
    );
  });

  it('ids are stable: a record only ever moves to the cluster of an earlier record, never to a newer id', () => {
    fc.assert(
      fc.property(subsets, (records) => {
        const index = new IdentityIndex({ parameters });
        const arrival = new Map<string, number>();
        const seen: string[] = [];
        for (const record of records) {
          const before = new Map(seen.map((id) => [id, index.clusterOf(id)!]));
          arrival.set(record.id, arrival.size);
          index.add(record);
          seen.push(record.id);
          for (const [id, was] of before) {
            const now = index.clusterOf(id)!;
            if (now !== was) expect(arrival.get(now)!).toBeLessThan(arrival.get(was)!);
          }
          // A cluster is named after its earliest member.
          const members = index.clusterMembers(record.id);
          expect(index.clusterOf(record.id)).toBe(members[0]);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('is idempotent: adding a record again changes nothing; resolving again gives the same result', async () => {
    await fc.assert(
      fc.asyncProperty(subsets, fc.nat(), async (records, pick) => {
        const index = new IdentityIndex({ parameters });
        for (const record of records) index.add(record);
        const before = records.map((r) => index.clusterOf(r.id));
        index.add(records[pick % records.length]!);
        expect(records.map((r) => index.clusterOf(r.id))).toEqual(before);
        const a = await resolve(records, { parameters });
        const b = await resolve(records, { parameters });
        expect([...b.clusterOf]).toEqual([...a.clusterOf]);
      }),
      { numRuns: 20 },
    );
  });

  it('removing a record gives the clusters of a batch without it (splits when it was the bridge)', async () => {
    await fc.assert(
      fc.asyncProperty(subsets, fc.nat(), async (records, pick) => {
        const gone = records[pick % records.length]!;
        const index = new IdentityIndex({ parameters });
        for (const record of records) index.add(record);
        expect(index.remove(gone.id)).toBe(true);
        expect(index.remove(gone.id)).toBe(false);
        const rest = records.filter((r) => r !== gone);
        const batch = await resolve(rest, { parameters });
        const ids = rest.map((r) => r.id);
        expect(partition((id) => index.clusterOf(id), ids)).toEqual(partition((id) => batch.clusterOf.get(id), ids));
        expect(index.clusterOf(gone.id)).toBeUndefined();
      }),
      { numRuns: 25 },
    );
  });

  it('match() predicts what add() does without changing the index', () => {
    fc.assert(
      fc.property(subsets, (records) => {
        const [last, ...rest] = [...records].reverse();
        const index = new IdentityIndex({ parameters });
        for (const record of rest.reverse()) index.add(record);
        const size = index.size;
        const predicted = index.match(last!);
        expect(index.size).toBe(size);
        const added = index.add(last!);
        expect(added.links.map((l) => [l.a, l.b])).toEqual(predicted.links.map((l) => [l.a, l.b]));
        if (predicted.links.length > 0)
          expect(index.clusterMembers(last!.id)).toContain(
            predicted.links[0]!.a === last!.id ? predicted.links[0]!.b : predicted.links[0]!.a,
          );
      }),
      { numRuns: 40 },
    );
  });
});
