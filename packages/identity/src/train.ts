import type { ComparisonParameters, ModelParameters } from './api';
import type { EngineConfig, TrainingRule } from './config';
import type { Prepared } from './prepare';

/** A small, fast, seeded PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Level vectors of many pairs, grouped into distinct patterns with counts. */
export class Patterns {
  readonly counts = new Map<number, number>();
  total = 0;
  constructor(readonly size: number) {}
  add(levels: Int8Array): void {
    this.addAt(levels, 0);
  }
  /** Adds the level vector stored at `offset` of a flat array. */
  addAt(levels: Int8Array, offset: number): void {
    let key = 0;
    for (let k = 0; k < this.size; k++) key = key * 8 + (levels[offset + k]! + 1);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.total++;
  }
  /** Decoded patterns: level per comparison (-1 missing) and count. */
  *entries(): Generator<[Int8Array, number]> {
    for (const [key, count] of this.counts) {
      const levels = new Int8Array(this.size);
      let rest = key;
      for (let k = this.size - 1; k >= 0; k--) {
        levels[k] = (rest % 8) - 1;
        rest = Math.floor(rest / 8);
      }
      yield [levels, count];
    }
  }
}

/** Computes the level vector of pair (i, j). */
export type LevelFn = (i: number, j: number, out: Int8Array) => Int8Array;

/** u per comparison from random pairs (all pairs for small inputs). */
export function estimateU(
  config: EngineConfig,
  n: number,
  levelsOf: LevelFn,
  options: { samples: number; seed: number },
): Record<string, number[]> {
  const size = config.comparisons.length;
  const counts = config.comparisons.map((c) => new Float64Array(c.levels.length));
  const out = new Int8Array(size);
  const add = (i: number, j: number) => {
    levelsOf(i, j, out);
    for (let k = 0; k < size; k++) if (out[k]! >= 0) counts[k]![out[k]!]!++;
  };
  const totalPairs = (n * (n - 1)) / 2;
  if (totalPairs <= options.samples) {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) add(i, j);
  } else {
    const rnd = prng(options.seed);
    for (let s = 0; s < options.samples; s++) {
      const i = Math.floor(rnd() * n);
      let j = Math.floor(rnd() * (n - 1));
      if (j >= i) j++;
      add(i, j);
    }
  }
  const u: Record<string, number[]> = {};
  config.comparisons.forEach((c, k) => {
    const cs = counts[k]!;
    const total = cs.reduce((s, x) => s + x, 0);
    if (total === 0) {
      u[c.name] = [...c.defaults.u];
      return;
    }
    // Half a pseudo-count per level: a level never seen among the samples is rare, not impossible.
    u[c.name] = Array.from(cs, (x) => (x + 0.5) / (total + 0.5 * cs.length));
  });
  return u;
}

/** Result of one EM session. */
export interface SessionResult {
  m: Record<string, number[]>;
  /** Expected number of matches among the session's pairs. */
  matches: number;
  pi: number;
}

/**
 * Expectation-maximisation of m (and the match share `pi`) over the pairs of one session, with u fixed. The
 * comparisons in `fixed` are left out entirely: the session's pairs agree on them by construction.
 */
export function emSession(
  config: EngineConfig,
  patterns: Patterns,
  start: Record<string, readonly number[]>,
  u: Record<string, readonly number[]>,
  fixed: ReadonlySet<string>,
  options: { iterations: number; tolerance: number } = { iterations: 100, tolerance: 1e-7 },
): SessionResult {
  const cs = config.comparisons;
  const active = cs.map((c) => !fixed.has(c.name));
  const m = cs.map((c) => Float64Array.from(start[c.name] ?? c.defaults.m));
  const uu = cs.map((c) => Float64Array.from(u[c.name] ?? c.defaults.u));
  const entries = [...patterns.entries()];
  let pi = 0.3;
  let matches = 0;
  for (let it = 0; it < options.iterations; it++) {
    const mNum = cs.map((c) => new Float64Array(c.levels.length));
    let wSum = 0;
    let total = 0;
    for (const [levels, count] of entries) {
      let pm = pi;
      let pu = 1 - pi;
      for (let k = 0; k < cs.length; k++) {
        const l = levels[k]!;
        if (l < 0 || !active[k]) continue;
        pm *= m[k]![l]!;
        pu *= uu[k]![l]!;
      }
      const w = pm + pu > 0 ? pm / (pm + pu) : 0;
      wSum += w * count;
      total += count;
      for (let k = 0; k < cs.length; k++) {
        const l = levels[k]!;
        if (l >= 0 && active[k]) mNum[k]![l]! += w * count;
      }
    }
    const nextPi = total > 0 ? wSum / total : 0;
    let delta = Math.abs(nextPi - pi);
    for (let k = 0; k < cs.length; k++) {
      if (!active[k]) continue;
      const row = mNum[k]!;
      const sum = row.reduce((s, x) => s + x, 0);
      if (sum <= 0) continue;
      for (let l = 0; l < row.length; l++) {
        const next = (row[l]! + 1e-3) / (sum + 1e-3 * row.length);
        delta = Math.max(delta, Math.abs(next - m[k]![l]!));
        m[k]![l] = next;
      }
    }
    pi = Math.min(Math.max(nextPi, 1e-9), 1 - 1e-9);
    matches = wSum;
    if (delta < options.tolerance) break;
  }
  const out: Record<string, number[]> = {};
  cs.forEach((c, k) => {
    if (active[k]) out[c.name] = Array.from(m[k]!);
  });
  return { m: out, matches, pi };
}

/** EM of the match share only (m and u fixed), over a set of patterns. */
export function estimatePi(
  config: EngineConfig,
  patterns: Patterns,
  params: Record<string, ComparisonParameters>,
  iterations = 100,
): number {
  const cs = config.comparisons;
  const entries = [...patterns.entries()].map(([levels, count]) => {
    let ratio = 1;
    for (let k = 0; k < cs.length; k++) {
      const l = levels[k]!;
      if (l < 0) continue;
      const p = params[cs[k]!.name]!;
      ratio *= Math.max(p.m[l]!, 1e-12) / Math.max(p.u[l]!, 1e-12);
    }
    return [ratio, count] as const;
  });
  let pi = 0.1;
  for (let it = 0; it < iterations; it++) {
    let wSum = 0;
    let total = 0;
    for (const [ratio, count] of entries) {
      const odds = (pi / (1 - pi)) * ratio;
      wSum += (odds / (1 + odds)) * count;
      total += count;
    }
    const next = total > 0 ? wSum / total : 0;
    const done = Math.abs(next - pi) < 1e-9;
    pi = Math.min(Math.max(next, 1e-12), 1 - 1e-9);
    if (done) break;
  }
  return pi;
}

/** Pairs of one training session: records sharing a key of the rule, at most `maxPairs` (sampled). */
export function sessionPairs(
  records: readonly Prepared[],
  rule: TrainingRule,
  options: { maxBlockSize: number; maxPairs: number; seed: number },
): [number, number][] {
  const blocks = new Map<string, number[]>();
  for (let i = 0; i < records.length; i++) {
    for (const key of rule.keys(records[i]!)) {
      const block = blocks.get(key);
      if (block) block.push(i);
      else blocks.set(key, [i]);
    }
  }
  let total = 0;
  for (const block of blocks.values()) {
    if (block.length > 1 && block.length <= options.maxBlockSize) total += (block.length * (block.length - 1)) / 2;
  }
  const keep = total <= options.maxPairs ? 1 : options.maxPairs / total;
  const rnd = prng(options.seed);
  const out: [number, number][] = [];
  for (const block of blocks.values()) {
    if (block.length < 2 || block.length > options.maxBlockSize) continue;
    for (let x = 0; x < block.length; x++) {
      for (let y = x + 1; y < block.length; y++) {
        if (keep < 1 && rnd() >= keep) continue;
        out.push([block[x]!, block[y]!]);
      }
    }
  }
  return out;
}

/** Term frequencies of common values, per comparison that has a term-frequency value. */
export function termFrequencies(
  config: EngineConfig,
  records: readonly Prepared[],
  maxValues = 5000,
): NonNullable<ModelParameters['termFrequencies']> {
  const out: NonNullable<ModelParameters['termFrequencies']> = {};
  for (const c of config.comparisons) {
    if (!c.tf) continue;
    const counts = new Map<string, number>();
    let total = 0;
    for (const r of records) {
      const v = c.tf(r);
      if (v === null) continue;
      total++;
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    if (total === 0) continue;
    const common = [...counts].filter(([, n]) => n >= 2).sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
    const kept = common.slice(0, maxValues);
    const truncated = common.length > kept.length;
    const values: Record<string, number> = {};
    for (const [v, n] of kept) values[v] = n / total;
    // Values not listed are rarer than every listed one; singletons when nothing was cut off.
    const floor = truncated ? kept[kept.length - 1]![1] / total : 1 / total;
    out[c.name] = { floor, values };
  }
  return out;
}
