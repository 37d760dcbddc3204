import { fnv1a32, FNV_OFFSET_BASIS } from '@crmkit/model';
import type { BlockingRule } from './config';
import type { Prepared } from './prepare';

/** 32-bit FNV-1a hash of a string, mixed with a seed (the rule number), never 0. */
export function hashKey(s: string, seed: number): number {
  let h = fnv1a32(s, (FNV_OFFSET_BASIS ^ Math.imul(seed + 1, 0x9e3779b1)) >>> 0);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0 || 1;
}

/** A growable list of index pairs. */
export class PairList {
  a: Int32Array;
  b: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.a = new Int32Array(capacity);
    this.b = new Int32Array(capacity);
  }
  push(i: number, j: number): void {
    if (this.length === this.a.length) {
      const a = new Int32Array(this.a.length * 2);
      const b = new Int32Array(this.b.length * 2);
      a.set(this.a);
      b.set(this.b);
      this.a = a;
      this.b = b;
    }
    this.a[this.length] = i;
    this.b[this.length] = j;
    this.length++;
  }
}

/** Hashed keys of every record under one rule (flattened: record i owns keys[offsets[i]..offsets[i+1])). */
interface RuleKeys {
  offsets: Int32Array;
  keys: Uint32Array;
}

function ruleKeys(records: readonly Prepared[], rule: BlockingRule, seed: number): RuleKeys {
  const offsets = new Int32Array(records.length + 1);
  let keys = new Uint32Array(Math.max(16, records.length));
  let count = 0;
  for (let i = 0; i < records.length; i++) {
    offsets[i] = count;
    const ks = rule.keys(records[i]!);
    for (let k = 0; k < ks.length; k++) {
      const h = hashKey(ks[k]!, seed);
      // A record's keys under one rule are distinct.
      let seen = false;
      for (let x = offsets[i]!; x < count; x++) if (keys[x] === h) seen = true;
      if (seen) continue;
      if (count === keys.length) {
        const grown = new Uint32Array(keys.length * 2);
        grown.set(keys);
        keys = grown;
      }
      keys[count++] = h;
    }
  }
  offsets[records.length] = count;
  return { offsets, keys: keys.slice(0, count) };
}

/** Sorts (key, value) pairs by key with a two-pass 16-bit radix sort. */
function radixSort(keys: Uint32Array, values: Int32Array): void {
  const n = keys.length;
  const k2 = new Uint32Array(n);
  const v2 = new Int32Array(n);
  const count = new Int32Array(65_537);
  for (const shift of [0, 16]) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[((keys[i]! >>> shift) & 0xffff) + 1]!++;
    for (let i = 0; i < 65_536; i++) count[i + 1]! += count[i]!;
    for (let i = 0; i < n; i++) {
      const d = (keys[i]! >>> shift) & 0xffff;
      const at = count[d]!++;
      k2[at] = keys[i]!;
      v2[at] = values[i]!;
    }
    keys.set(k2);
    values.set(v2);
  }
}

/** Options of {@link candidatePairs}. */
export interface CandidateOptions {
  maxBlockSize: number;
  onRule?: (done: number, total: number) => void;
}

/**
 * The candidate pairs of a set of records: every pair that shares a key under at least one blocking rule, each
 * pair once, `a < b` (positions in `records`), sorted by `a` then `b`. Keys shared by more records than the
 * rule's cap (or `maxBlockSize`) are skipped.
 */
export function candidatePairs(
  records: readonly Prepared[],
  rules: readonly BlockingRule[],
  options: CandidateOptions,
): PairList {
  // Every pair of every block that is not oversized, with repeats (a pair can share several keys) ...
  const n = records.length;
  let codes = new Float64Array(Math.max(1024, n * 8));
  let count = 0;
  for (let r = 0; r < rules.length; r++) {
    const rk = ruleKeys(records, rules[r]!, r);
    const cap = Math.min(options.maxBlockSize, rules[r]!.maxBlockSize ?? Number.POSITIVE_INFINITY);
    const total = rk.keys.length;
    const keys = rk.keys;
    const owners = new Int32Array(total);
    for (let i = 0; i < n; i++) for (let x = rk.offsets[i]!; x < rk.offsets[i + 1]!; x++) owners[x] = i;
    radixSort(keys, owners);
    let start = 0;
    while (start < total) {
      const h = keys[start]!;
      let end = start + 1;
      while (end < total && keys[end] === h) end++;
      const size = end - start;
      if (size > 1 && size <= cap) {
        const needed = count + (size * (size - 1)) / 2;
        if (needed > codes.length) {
          const grown = new Float64Array(Math.max(needed, codes.length * 2));
          grown.set(codes.subarray(0, count));
          codes = grown;
        }
        for (let x = start; x < end; x++) {
          for (let y = x + 1; y < end; y++) {
            const i = owners[x]!;
            const j = owners[y]!;
            if (i === j) continue;
            // One number per pair (exact below 2^53, i.e. for up to ~94 million records).
            codes[count++] = i < j ? i * n + j : j * n + i;
          }
        }
      }
      start = end;
    }
    options.onRule?.(r + 1, rules.length);
  }
  // ... then sorted, and each pair kept once.
  const sorted = codes.subarray(0, count).sort();
  const pairs = new PairList(Math.max(1024, count));
  let previous = -1;
  for (let x = 0; x < count; x++) {
    const code = sorted[x]!;
    if (code === previous) continue;
    previous = code;
    const i = Math.floor(code / n);
    pairs.push(i, code - i * n);
  }
  return pairs;
}
