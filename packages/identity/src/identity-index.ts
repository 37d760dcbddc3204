import { InvalidArgumentError } from '@crmkit/model';
import type { Matcher, MatcherOptions, MatchResult } from './api';
import { hashKey } from './blocking';
import { createEngineMatcher, type EngineMatcher } from './engine';
import type { Prepared } from './prepare';
import type { IdentityRecord, PairScore } from './types';

/** A block: one record position, or several. Most keys are unique, so most blocks are a bare number. */
type Block = number | number[];

function isEngineMatcher(value: MatcherOptions | Matcher): value is EngineMatcher {
  return typeof (value as EngineMatcher).quick === 'function' && 'settings' in value;
}

/**
 * An in-memory identity index for real-time matching: `add` links a record into its cluster as it arrives,
 * `match` asks which cluster a record would join without changing anything, `remove` takes a record out (its
 * cluster may split). Adding records one at a time gives the same clusters, with the same ids, as {@link resolve}
 * with the same parameters, as long as no blocking key grows beyond `maxBlockSize` and no cluster reaches
 * `maxClusterSize` (those guards decide by arrival order). A cluster's id is the id of its earliest record.
 *
 * @example
 * ```ts
 * const index = new IdentityIndex({ parameters });
 * index.add({ id: 'hubspot:1', fields: { givenName: 'Ada', familyName: 'Lovelace', email: 'ada@example.com' } });
 * const result = index.match({ id: 'probe', fields: { givenName: 'Ada', familyName: 'Lovelace' } });
 * result.cluster; // 'hubspot:1' when linked
 * ```
 */
export class IdentityIndex {
  /** The matcher the index scores with. */
  readonly matcher: Matcher;
  private readonly engine: EngineMatcher;
  private readonly bySeq: (Prepared | undefined)[] = [];
  private readonly seqOf = new Map<string, number>();
  private readonly blocks = new Map<number, Block>();
  /** Link edges per record position. */
  private readonly edges = new Map<number, number[]>();
  /** Cluster (earliest member's position) of every record position, and the members of every cluster. */
  private readonly clusterSeq = new Map<number, number>();
  private readonly members = new Map<number, Set<number>>();
  private readonly scratch: Int8Array;
  private readonly maxBlock: number;
  private readonly maxCluster: number;

  constructor(options: MatcherOptions | Matcher = {}) {
    this.engine = isEngineMatcher(options) ? options : createEngineMatcher(options as MatcherOptions);
    this.matcher = this.engine;
    this.scratch = new Int8Array(this.engine.settings.config.comparisons.length);
    this.maxBlock = this.engine.settings.maxBlockSize;
    this.maxCluster = this.engine.settings.maxClusterSize;
  }

  /** Number of records in the index. */
  get size(): number {
    return this.seqOf.size;
  }

  /** Cluster id of a record, or undefined when it is not in the index. */
  clusterOf(id: string): string | undefined {
    const seq = this.seqOf.get(id);
    if (seq === undefined) return undefined;
    return this.bySeq[this.clusterSeq.get(seq)!]!.id;
  }

  /** Ids of the records in the cluster of `id`, oldest first. */
  clusterMembers(id: string): string[] {
    const seq = this.seqOf.get(id);
    if (seq === undefined) return [];
    return [...this.members.get(this.clusterSeq.get(seq)!)!].sort((a, b) => a - b).map((s) => this.bySeq[s]!.id);
  }

  /** Hashed blocking keys of a record, each with the block-size cap of its rule. */
  private hashes(record: Prepared): [hash: number, cap: number][] {
    const out: [number, number][] = [];
    this.engine.settings.config.blocking.forEach((rule, r) => {
      const cap = Math.min(this.maxBlock, rule.maxBlockSize ?? Number.POSITIVE_INFINITY);
      for (const key of rule.keys(record)) {
        const h = hashKey(key, r);
        if (!out.some(([x]) => x === h)) out.push([h, cap]);
      }
    });
    return out;
  }

  /** Candidate positions sharing a key that is not oversized (the record itself excluded). */
  private candidates(record: Prepared, hashes: readonly [number, number][]): number[] {
    const seen = new Set<number>();
    for (const [h, cap] of hashes) {
      const block = this.blocks.get(h);
      if (block === undefined) continue;
      if (typeof block === 'number') {
        if (block !== record.seq) seen.add(block);
        continue;
      }
      // A key shared by more records than its cap is too common to say anything (as in resolve).
      if (block.length > cap) continue;
      for (const s of block) if (s !== record.seq) seen.add(s);
    }
    return [...seen].sort((a, b) => a - b);
  }

  private score(record: Prepared, candidates: readonly number[]): { links: PairScore[]; reviews: PairScore[] } {
    const links: PairScore[] = [];
    const reviews: PairScore[] = [];
    for (const s of candidates) {
      const other = this.bySeq[s]!;
      const q = this.engine.quick(record, other, this.scratch);
      if (q.band === 'apart') continue;
      const explained = this.engine.model.explain(record, other, this.scratch);
      (q.band === 'link' ? links : reviews).push(explained);
    }
    const byProbability = (x: PairScore, y: PairScore) => y.probability - x.probability;
    links.sort(byProbability);
    reviews.sort(byProbability);
    return { links, reviews };
  }

  /**
   * Scores a record against the index without adding it: the cluster it would join (its best link's cluster, or
   * its own id) and the candidates in the link and review bands.
   */
  match(record: IdentityRecord): MatchResult {
    const existing = this.seqOf.get(record.id);
    const prepared = this.engine.prepareAt(record, existing ?? this.bySeq.length);
    const { links, reviews } = this.score(prepared, this.candidates(prepared, this.hashes(prepared)));
    let cluster = record.id;
    const best = links[0];
    if (best) cluster = this.clusterOf(best.a === record.id ? best.b : best.a) ?? record.id;
    return { cluster, links, reviews, merged: [] };
  }

  /**
   * Adds a record (or replaces the record with the same id, keeping its place in line) and links it: every
   * candidate in the link band joins its cluster, unless the cluster would exceed `maxClusterSize`, in which case
   * the pair is reported as a review.
   */
  add(record: IdentityRecord): MatchResult {
    if (typeof record?.id !== 'string' || record.id === '') {
      throw new InvalidArgumentError({
        argument: 'record.id',
        message: '[crmkit/identity] A record needs a non-empty string id.',
      });
    }
    const existing = this.seqOf.get(record.id);
    if (existing !== undefined) this.remove(record.id);
    const seq = existing ?? this.bySeq.length;
    const prepared = this.engine.prepareAt(record, seq);
    const hashes = this.hashes(prepared);
    const { links, reviews } = this.score(prepared, this.candidates(prepared, hashes));
    this.bySeq[seq] = prepared;
    this.seqOf.set(record.id, seq);
    for (const [h, cap] of hashes) {
      const block = this.blocks.get(h);
      if (block === undefined) this.blocks.set(h, seq);
      else if (typeof block === 'number') this.blocks.set(h, [block, seq]);
      // Stop growing a block once it is known to be too common: it is never used again.
      else if (block.length <= cap) block.push(seq);
    }
    this.clusterSeq.set(seq, seq);
    this.members.set(seq, new Set([seq]));
    const merged: string[] = [];
    const guarded: PairScore[] = [];
    for (const link of links) {
      const otherSeq = this.seqOf.get(link.a === record.id ? link.b : link.a)!;
      const mine = this.clusterSeq.get(seq)!;
      const theirs = this.clusterSeq.get(otherSeq)!;
      this.addEdge(seq, otherSeq);
      if (mine === theirs) continue;
      const sizeMine = this.members.get(mine)!.size;
      const sizeTheirs = this.members.get(theirs)!.size;
      if (sizeMine + sizeTheirs > this.maxCluster) {
        this.removeEdge(seq, otherSeq);
        guarded.push({ ...link, band: 'review', guard: `cluster would exceed ${this.maxCluster} records` });
        continue;
      }
      const [keep, drop] = mine < theirs ? [mine, theirs] : [theirs, mine];
      if (drop !== seq) merged.push(this.bySeq[drop]!.id);
      this.join(keep, drop);
    }
    return {
      cluster: this.bySeq[this.clusterSeq.get(seq)!]!.id,
      links: links.filter((l) => !guarded.some((g) => g.a === l.a && g.b === l.b)),
      reviews: [...guarded, ...reviews],
      merged,
    };
  }

  /** Removes a record; its cluster splits when the record was the only link between parts. */
  remove(id: string): boolean {
    const seq = this.seqOf.get(id);
    if (seq === undefined) return false;
    const record = this.bySeq[seq]!;
    for (const [h] of this.hashes(record)) {
      const block = this.blocks.get(h);
      if (block === undefined) continue;
      if (typeof block === 'number') {
        if (block === seq) this.blocks.delete(h);
        continue;
      }
      const at = block.indexOf(seq);
      if (at >= 0) block.splice(at, 1);
      if (block.length === 1) this.blocks.set(h, block[0]!);
      else if (block.length === 0) this.blocks.delete(h);
    }
    const neighbours = this.edges.get(seq) ?? [];
    for (const other of neighbours) this.removeEdge(seq, other);
    const cluster = this.clusterSeq.get(seq)!;
    const group = this.members.get(cluster)!;
    group.delete(seq);
    this.clusterSeq.delete(seq);
    this.seqOf.delete(id);
    this.bySeq[seq] = undefined;
    this.members.delete(cluster);
    // Recompute the components of what is left of the cluster; each takes its earliest member's id.
    const left = new Set(group);
    for (const start of [...left].sort((a, b) => a - b)) {
      if (!left.has(start)) continue;
      const component = new Set<number>([start]);
      const queue = [start];
      left.delete(start);
      while (queue.length > 0) {
        const x = queue.pop()!;
        for (const y of this.edges.get(x) ?? []) {
          if (left.has(y)) {
            left.delete(y);
            component.add(y);
            queue.push(y);
          }
        }
      }
      for (const x of component) this.clusterSeq.set(x, start);
      this.members.set(start, component);
    }
    return true;
  }

  private join(keep: number, drop: number): void {
    const into = this.members.get(keep)!;
    const from = this.members.get(drop)!;
    for (const x of from) {
      into.add(x);
      this.clusterSeq.set(x, keep);
    }
    this.members.delete(drop);
  }

  private addEdge(a: number, b: number): void {
    const ea = this.edges.get(a);
    if (ea) ea.push(b);
    else this.edges.set(a, [b]);
    const eb = this.edges.get(b);
    if (eb) eb.push(a);
    else this.edges.set(b, [a]);
  }

  private removeEdge(a: number, b: number): void {
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const) {
      const list = this.edges.get(x);
      if (!list) continue;
      const at = list.indexOf(y);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) this.edges.delete(x);
    }
  }
}
