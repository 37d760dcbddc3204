import { AbortedError, InvalidArgumentError, throwIfAborted } from '@crmkit/model';
import type {
  Matcher,
  MatcherOptions,
  ModelParameters,
  PreparedRecord,
  ResolveOptions,
  ResolveResult,
  Thresholds,
} from './api';
import { candidatePairs } from './blocking';
import { runtime } from './runtime';
import { defaultConfig, type EngineConfig } from './config';
import { Model, defaultParameters, probabilityOf } from './model';
import { blockedSets, type Prepared, prepareIdentityRecord } from './prepare';
import { Patterns, emSession, estimatePi, estimateU, sessionPairs, termFrequencies } from './train';
import type { IdentityRecord, PairScore } from './types';

/** Default decision thresholds on the match probability. */
export const DEFAULT_THRESHOLDS: Thresholds = { link: 0.9, review: 0.5 };

const DEFAULT_MAX_BLOCK = 250;
const DEFAULT_MAX_CLUSTER = 1000;

/** Validated settings shared by the matcher, the index and resolve. */
export interface EngineSettings {
  config: EngineConfig;
  thresholds: Thresholds;
  maxBlockSize: number;
  maxClusterSize: number;
  blocked: Map<string, Set<string>>;
  prepare: { defaultCountry?: string; dateOrder?: 'dmy' | 'mdy' };
}

/** Checks options and fills in defaults; throws `InvalidArgumentError` naming the bad option. */
export function engineSettings(options: MatcherOptions): EngineSettings {
  const entity = options.entity ?? 'person';
  if (entity !== 'person' && entity !== 'organization') {
    throw new InvalidArgumentError({
      argument: 'entity',
      message: `[crmkit/identity] Unknown entity "${String(entity)}"; expected "person" or "organization".`,
    });
  }
  const thresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  for (const key of ['link', 'review'] as const) {
    const v = thresholds[key];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
      throw new InvalidArgumentError({
        argument: `thresholds.${key}`,
        message: `[crmkit/identity] thresholds.${key} must be a probability between 0 and 1, got ${String(v)}.`,
      });
    }
  }
  if (thresholds.review > thresholds.link) {
    throw new InvalidArgumentError({
      argument: 'thresholds.review',
      message: `[crmkit/identity] thresholds.review (${thresholds.review}) must not exceed thresholds.link (${thresholds.link}).`,
    });
  }
  const positive = (name: string, value: number | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < 2) {
      throw new InvalidArgumentError({
        argument: name,
        message: `[crmkit/identity] ${name} must be an integer of at least 2, got ${String(value)}.`,
      });
    }
    return value;
  };
  const config = options.config === undefined ? defaultConfig(entity) : checkConfig(options.config);
  if (options.parameters !== undefined) checkParameters(options.parameters, config);
  const prepare: EngineSettings['prepare'] = {};
  if (options.defaultCountry !== undefined) prepare.defaultCountry = options.defaultCountry;
  if (options.dateOrder !== undefined) prepare.dateOrder = options.dateOrder;
  return {
    config,
    thresholds,
    maxBlockSize: positive('maxBlockSize', options.maxBlockSize, DEFAULT_MAX_BLOCK),
    maxClusterSize: positive('maxClusterSize', options.maxClusterSize, DEFAULT_MAX_CLUSTER),
    blocked: blockedSets({ blockedValues: options.blockedValues ?? {} }),
    prepare,
  };
}

function checkConfig(config: EngineConfig): EngineConfig {
  const fail = (path: string, message: string): never => {
    throw new InvalidArgumentError({
      argument: `config${path}`,
      message: `[crmkit/identity] config${path}: ${message}`,
    });
  };
  if (typeof config !== 'object' || config === null) fail('', 'expected a configuration object.');
  if (typeof config.entity !== 'string' || config.entity === '') fail('.entity', 'expected a name.');
  if (!Array.isArray(config.comparisons) || config.comparisons.length === 0)
    fail('.comparisons', 'expected at least one comparison.');
  if (config.comparisons.length > 16) fail('.comparisons', 'at most 16 comparisons are supported.');
  const names = new Set<string>();
  config.comparisons.forEach((c, k) => {
    if (typeof c?.level !== 'function' || !Array.isArray(c.levels) || c.levels.length < 2 || c.levels.length > 7) {
      fail(`.comparisons[${k}]`, 'expected a comparison with 2 to 7 levels and a level() function.');
    }
    if (names.has(c.name)) fail(`.comparisons[${k}].name`, `"${c.name}" is used twice.`);
    names.add(c.name);
    if (c.defaults.m.length !== c.levels.length || c.defaults.u.length !== c.levels.length) {
      fail(`.comparisons[${k}].defaults`, 'expected one m and one u per level.');
    }
  });
  if (!Array.isArray(config.blocking) || config.blocking.length === 0) fail('.blocking', 'expected at least one rule.');
  const known = (path: string, name: string) => {
    if (!names.has(name)) fail(path, `names an unknown comparison "${name}".`);
  };
  config.rules.forEach((r, i) => {
    for (const name of Object.keys(r.require)) known(`.rules[${i}].require.${name}`, name);
  });
  config.guards.forEach((g, i) => {
    known(`.guards[${i}].comparison`, g.comparison);
  });
  config.caps.forEach((c, i) => {
    for (const name of [...Object.keys(c.when), ...Object.keys(c.unless)]) known(`.caps[${i}]`, name);
  });
  config.training.forEach((t, i) => {
    for (const name of t.fixes) known(`.training[${i}].fixes`, name);
  });
  return config;
}

function checkParameters(parameters: ModelParameters, config: EngineConfig): void {
  const fail = (path: string, message: string): never => {
    throw new InvalidArgumentError({
      argument: `parameters${path}`,
      message: `[crmkit/identity] parameters${path}: ${message}`,
    });
  };
  if (typeof parameters !== 'object' || parameters === null) fail('', 'expected an object from an earlier run.');
  if (parameters.entity !== config.entity) {
    fail('.entity', `the parameters are for "${String(parameters.entity)}", this matcher is for "${config.entity}".`);
  }
  if (typeof parameters.lambda !== 'number' || !(parameters.lambda > 0 && parameters.lambda < 1)) {
    fail('.lambda', 'expected a probability between 0 and 1 (exclusive).');
  }
  for (const c of config.comparisons) {
    const p = parameters.comparisons?.[c.name];
    if (p === undefined) continue;
    for (const key of ['m', 'u'] as const) {
      const xs = p[key];
      if (
        !Array.isArray(xs) ||
        xs.length !== c.levels.length ||
        xs.some((x) => typeof x !== 'number' || !(x >= 0 && x <= 1))
      ) {
        fail(`.comparisons.${c.name}.${key}`, `expected ${c.levels.length} probabilities (one per level).`);
      }
    }
  }
}

/** Internal matcher with access to the model. */
export interface EngineMatcher extends Matcher {
  readonly settings: EngineSettings;
  readonly model: Model;
  /** Prepares with a given sequence number (the index uses its own). */
  prepareAt(record: IdentityRecord, seq: number): Prepared;
  /** Level vector, weight and band, without building an explanation. */
  quick(a: Prepared, b: Prepared, out: Int8Array): { weight: number; band: PairScore['band']; probability: number };
  /** Weight and band of an already computed level vector (`a` gives the term-frequency values). */
  fromLevels(a: Prepared, levels: Int8Array): { weight: number; band: PairScore['band']; probability: number };
}

function checkRecord(record: IdentityRecord, where: string): void {
  if (typeof record !== 'object' || record === null || typeof record.id !== 'string' || record.id === '') {
    throw new InvalidArgumentError({
      argument: `${where}.id`,
      message: `[crmkit/identity] ${where} needs a non-empty string id.`,
    });
  }
  if (typeof record.fields !== 'object' || record.fields === null) {
    throw new InvalidArgumentError({
      argument: `${where}.fields`,
      message: `[crmkit/identity] ${where} (id "${record.id}") needs a fields object.`,
    });
  }
}

function buildMatcher(settings: EngineSettings, parameters: ModelParameters): EngineMatcher {
  const model = new Model(settings.config, parameters, settings.thresholds);
  const cs = settings.config.comparisons;
  const scratch = new Int8Array(cs.length);
  let nextSeq = 0;
  const prepareAt = (record: IdentityRecord, seq: number): Prepared => {
    checkRecord(record, 'record');
    return prepareIdentityRecord(record, seq, settings.prepare, settings.blocked);
  };
  // Plain closures (no `this`), so the methods work when taken off the object.
  const fromLevels = (a: Prepared, out: Int8Array) => {
    const weight = model.totalWeight(out, a);
    const decision = model.band(out, weight);
    const probability =
      decision.rule !== undefined ? Math.max(probabilityOf(weight), settings.thresholds.link) : probabilityOf(weight);
    return { weight, band: decision.band, probability };
  };
  const quick = (a: Prepared, b: Prepared, out: Int8Array) => fromLevels(a, model.levels(a, b, out));
  return {
    settings,
    model,
    parameters,
    thresholds: settings.thresholds,
    prepareAt,
    prepare: (record) => prepareAt(record, nextSeq++),
    blockingKeys: (record: PreparedRecord, options?: { loose?: boolean }) => {
      const p = record as Prepared;
      const loose = options?.loose ?? true;
      const out: string[] = [];
      settings.config.blocking.forEach((rule, r) => {
        if (!loose && rule.maxBlockSize !== undefined) return;
        for (const key of rule.keys(p)) out.push(`${r}:${key}`);
      });
      return out;
    },
    classify: (a, b) => quick(a as Prepared, b as Prepared, scratch),
    score: (a, b) => {
      const pa = a as Prepared;
      const pb = b as Prepared;
      return model.explain(pa, pb, model.levels(pa, pb, scratch));
    },
    quick,
    fromLevels,
  };
}

/**
 * Creates a matcher: normalises records, gives their blocking keys and scores pairs with explanations. Without
 * `parameters` it uses the configuration's defaults; pass parameters from {@link estimateParameters} or an earlier
 * {@link resolve} for scores fitted to your data.
 *
 * @example
 * ```ts
 * const matcher = createMatcher({ entity: 'person', defaultCountry: 'NL' });
 * const a = matcher.prepare({ id: '1', fields: { givenName: 'Jon', familyName: 'Smith', birthDate: '1980-03-02' } });
 * const b = matcher.prepare({ id: '2', fields: { givenName: 'John', familyName: 'Smith', birthDate: '02-03-1980' } });
 * matcher.score(a, b); // { probability: 0.99..., band: 'link', contributions: [...] }
 * ```
 */
export function createMatcher(options: MatcherOptions = {}): Matcher {
  return createEngineMatcher(options);
}

/** {@link createMatcher} with the internal interface the index and resolve use. */
export function createEngineMatcher(options: MatcherOptions = {}): EngineMatcher {
  const settings = engineSettings(options);
  return buildMatcher(settings, options.parameters ?? defaultParameters(settings.config));
}

interface TrainOptions {
  signal?: ResolveOptions['signal'];
  onProgress?: ResolveOptions['onProgress'];
  candidates?: { a: Int32Array; b: Int32Array; length: number };
  /** Level vectors of the candidate pairs (pairs x comparisons), when already computed. */
  candidateLevels?: Int8Array;
}

/** True when agreement at the top level favours a match and disagreement at the bottom level does not. */
function plausible(m: readonly number[], u: readonly number[]): boolean {
  const last = m.length - 1;
  return m[0]! > u[0]! && m[last]! < u[last]!;
}

/** Fits parameters to prepared records: TF tables, u from random pairs, m by EM sessions, lambda by EM. */
function train(settings: EngineSettings, records: readonly Prepared[], options: TrainOptions): ModelParameters {
  const config = settings.config;
  const base = defaultParameters(config);
  const model = new Model(config, base, settings.thresholds);
  const n = records.length;
  const size = config.comparisons.length;
  if (n < 2) return base;
  const levelsOf = (i: number, j: number, out: Int8Array) => model.levels(records[i]!, records[j]!, out);
  const progress = (done: number) => options.onProgress?.({ phase: 'train', done, total: config.training.length + 2 });
  progress(0);
  const u = estimateU(config, n, levelsOf, { samples: 250_000, seed: 1 });
  throwIfAborted(options.signal);
  progress(1);
  // m: one EM session per training rule; each estimates the comparisons its rule does not fix.
  const mSum: Record<string, Float64Array> = {};
  const mWeight: Record<string, number> = {};
  const out = new Int8Array(size);
  // Sessions see at most 300,000 records (an even sample): plenty of pairs for EM, and linear work stays bounded.
  const step = Math.max(1, Math.ceil(n / 300_000));
  const sample = step === 1 ? records : records.filter((_, i) => i % step === 0);
  config.training.forEach((rule, s) => {
    const found = sessionPairs(sample, rule, { maxBlockSize: settings.maxBlockSize, maxPairs: 100_000, seed: 7 + s });
    const pairs = step === 1 ? found : found.map(([i, j]) => [i * step, j * step] as [number, number]);
    if (pairs.length < 10) return;
    const patterns = new Patterns(size);
    for (const [i, j] of pairs) patterns.add(levelsOf(i, j, out));
    const start: Record<string, number[]> = {};
    for (const c of config.comparisons) start[c.name] = [...c.defaults.m];
    const result = emSession(config, patterns, start, u, new Set(rule.fixes));
    for (const [name, m] of Object.entries(result.m)) {
      // EM can settle on a wrong mixture (for instance "same city" as the match class); an estimate in which full
      // agreement is no evidence for a match, or disagreement no evidence against, is discarded.
      const uu = u[name];
      if (!uu || !plausible(m, uu)) continue;
      const sum = mSum[name] ?? new Float64Array(m.length);
      mSum[name] = sum;
      for (let l = 0; l < m.length; l++) sum[l]! += m[l]! * result.matches;
      mWeight[name] = (mWeight[name] ?? 0) + result.matches;
    }
    throwIfAborted(options.signal);
    progress(2 + s);
  });
  const comparisons: ModelParameters['comparisons'] = {};
  for (const c of config.comparisons) {
    const sum = mSum[c.name];
    const w = mWeight[c.name] ?? 0;
    const m = sum && w > 0 ? Array.from(sum, (x) => x / w) : [...c.defaults.m];
    comparisons[c.name] = { m, u: u[c.name] ?? [...c.defaults.u] };
  }
  // lambda: the share of matches among candidate pairs, by EM with m and u fixed, scaled to all pairs.
  let lambda = config.defaultLambda;
  const cand = options.candidates;
  if (cand && cand.length > 0) {
    const patterns = new Patterns(size);
    const cached = options.candidateLevels;
    if (cached) {
      for (let p = 0; p < cand.length; p++) patterns.addAt(cached, p * size);
    } else {
      const step = Math.max(1, Math.floor(cand.length / 1_000_000));
      for (let p = 0; p < cand.length; p += step) patterns.add(levelsOf(cand.a[p]!, cand.b[p]!, out));
    }
    const pi = estimatePi(config, patterns, comparisons);
    const totalPairs = (n * (n - 1)) / 2;
    lambda = Math.min(Math.max((pi * cand.length) / totalPairs, 1e-12), 0.5);
  }
  progress(config.training.length + 2);
  return {
    entity: config.entity,
    lambda,
    comparisons,
    termFrequencies: termFrequencies(config, records),
  };
}

function prepareAll(
  matcherSettings: EngineSettings,
  records: Iterable<IdentityRecord>,
  options: { signal?: ResolveOptions['signal']; onProgress?: ResolveOptions['onProgress'] },
): Prepared[] {
  const prepared: Prepared[] = [];
  const ids = new Set<string>();
  const list = Array.isArray(records) ? (records as IdentityRecord[]) : [...records];
  for (let i = 0; i < list.length; i++) {
    const record = list[i]!;
    checkRecord(record, `records[${i}]`);
    if (ids.has(record.id)) {
      throw new InvalidArgumentError({
        argument: `records[${i}].id`,
        message: `[crmkit/identity] records[${i}] repeats the id "${record.id}"; ids must be unique.`,
      });
    }
    ids.add(record.id);
    prepared.push(prepareIdentityRecord(record, i, matcherSettings.prepare, matcherSettings.blocked));
    if ((i & 0xffff) === 0xffff) {
      throwIfAborted(options.signal);
      options.onProgress?.({ phase: 'prepare', done: i + 1, total: list.length });
    }
  }
  options.onProgress?.({ phase: 'prepare', done: list.length, total: list.length });
  return prepared;
}

/**
 * Estimates model parameters from unlabelled records: term frequencies, u from random pairs, m by EM per training
 * rule, and the prior match probability by EM over the candidate pairs.
 *
 * @example
 * ```ts
 * const parameters = estimateParameters(records, { entity: 'person' });
 * const matcher = createMatcher({ parameters });
 * ```
 */
export function estimateParameters(records: Iterable<IdentityRecord>, options: MatcherOptions = {}): ModelParameters {
  const settings = engineSettings(options);
  const prepared = prepareAll(settings, records, {});
  const candidates = candidatePairs(prepared, settings.config.blocking, { maxBlockSize: settings.maxBlockSize });
  return train(settings, prepared, { candidates });
}

/** Union-find over record positions whose root is always the member that came first (stable cluster ids). */
export class StableUnionFind {
  private readonly parent: Int32Array;
  private readonly size: Int32Array;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    this.size = new Int32Array(n).fill(1);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }
  find(x: number): number {
    let root = x;
    while (this.parent[root] !== root) root = this.parent[root]!;
    while (this.parent[x] !== root) {
      const next = this.parent[x]!;
      this.parent[x] = root;
      x = next;
    }
    return root;
  }
  sizeOf(x: number): number {
    return this.size[this.find(x)]!;
  }
  /** Joins the sets of a and b; the smaller position becomes the root. */
  union(a: number, b: number): number {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return ra;
    const [root, child] = ra < rb ? [ra, rb] : [rb, ra];
    this.parent[child] = root;
    this.size[root]! += this.size[child]!;
    return root;
  }
}

/**
 * Resolves a batch of records into clusters, unsupervised: normalise, block, estimate parameters by EM (unless
 * given), score every candidate pair, link the pairs in the link band and cluster them. A cluster's id is the id of
 * its first record in input order, so the result equals adding the records one at a time to an `IdentityIndex`.
 *
 * @example
 * ```ts
 * const { clusterOf, stats } = await resolve(records, { entity: 'person', onProgress: (p) => console.error(p) });
 * ```
 */
export async function resolve(records: Iterable<IdentityRecord>, options: ResolveOptions = {}): Promise<ResolveResult> {
  const started = runtime.performance.now();
  const settings = engineSettings(options);
  const { signal, onProgress } = options;
  throwIfAborted(signal);
  const prepared = prepareAll(settings, records, options);
  await pause();
  throwIfAborted(signal);
  const n = prepared.length;
  const pairs = candidatePairs(prepared, settings.config.blocking, {
    maxBlockSize: settings.maxBlockSize,
    onRule: (done, total) => onProgress?.({ phase: 'block', done, total }),
  });
  await pause();
  throwIfAborted(signal);
  // Level vectors of every candidate pair, computed once: training (the prior) and scoring both use them.
  const size = settings.config.comparisons.length;
  const levels = new Int8Array(pairs.length * size);
  {
    const levelModel = new Model(settings.config, defaultParameters(settings.config), settings.thresholds);
    const scratch = new Int8Array(size);
    for (let p = 0; p < pairs.length; p++) {
      levelModel.levels(prepared[pairs.a[p]!]!, prepared[pairs.b[p]!]!, scratch);
      levels.set(scratch, p * size);
      if ((p & 0x3ffff) === 0x3ffff) {
        onProgress?.({ phase: 'score', done: p + 1, total: pairs.length });
        await pause();
        throwIfAborted(signal);
      }
    }
  }
  const shouldTrain = options.train ?? options.parameters === undefined;
  const trainOptions: TrainOptions = { candidates: pairs, candidateLevels: levels };
  if (signal) trainOptions.signal = signal;
  if (onProgress) trainOptions.onProgress = onProgress;
  const parameters = shouldTrain
    ? train(settings, prepared, trainOptions)
    : (options.parameters ?? defaultParameters(settings.config));
  const matcher = buildMatcher(settings, parameters);
  await pause();
  // Score every candidate pair; keep the links (with probability, for guarded clustering) and the reviews.
  const linkA: number[] = [];
  const linkB: number[] = [];
  const linkP: number[] = [];
  const reviews: PairScore[] = [];
  const kept: PairScore[] = [];
  const out = new Int8Array(size);
  for (let p = 0; p < pairs.length; p++) {
    const a = prepared[pairs.a[p]!]!;
    const b = prepared[pairs.b[p]!]!;
    for (let k = 0; k < size; k++) out[k] = levels[p * size + k]!;
    const q = matcher.fromLevels(a, out);
    if (q.band === 'link') {
      linkA.push(pairs.a[p]!);
      linkB.push(pairs.b[p]!);
      linkP.push(q.probability);
    } else if (q.band === 'review') {
      reviews.push(matcher.model.explain(a, b, out));
    }
    if (options.keepPairs) kept.push(matcher.model.explain(a, b, out));
    if ((p & 0xfffff) === 0xfffff) {
      await pause();
      if (signal?.aborted) throw new AbortedError({ cause: signal.reason });
    }
  }
  onProgress?.({ phase: 'score', done: pairs.length, total: pairs.length });
  // Cluster: strongest links first, so the size guard keeps the best evidence.
  const order = Array.from(linkP.keys()).sort(
    (x, y) => linkP[y]! - linkP[x]! || linkA[x]! - linkA[y]! || linkB[x]! - linkB[y]!,
  );
  const uf = new StableUnionFind(n);
  for (const e of order) {
    const i = linkA[e]!;
    const j = linkB[e]!;
    if (uf.find(i) === uf.find(j)) continue;
    if (uf.sizeOf(i) + uf.sizeOf(j) > settings.maxClusterSize) {
      const a = prepared[i]!;
      const b = prepared[j]!;
      const score = matcher.model.explain(a, b, matcher.model.levels(a, b, out));
      reviews.push({ ...score, band: 'review', guard: `cluster would exceed ${settings.maxClusterSize} records` });
      continue;
    }
    uf.union(i, j);
  }
  const clusterOf = new Map<string, string>();
  const roots = new Set<number>();
  for (let i = 0; i < n; i++) {
    const root = uf.find(i);
    roots.add(root);
    clusterOf.set(prepared[i]!.id, prepared[root]!.id);
  }
  onProgress?.({ phase: 'cluster', done: n, total: n });
  reviews.sort((x, y) => y.probability - x.probability || (x.a < y.a ? -1 : x.a > y.a ? 1 : x.b < y.b ? -1 : 1));
  return {
    clusterOf,
    reviews,
    pairs: kept,
    parameters,
    stats: {
      records: n,
      candidatePairs: pairs.length,
      links: linkA.length,
      reviews: reviews.length,
      clusters: roots.size,
      seconds: Math.round((runtime.performance.now() - started) / 10) / 100,
    },
  };
}

/** Yields to the event loop so progress can render and aborts can arrive. */
function pause(): Promise<void> {
  return new Promise((resolve) => runtime.setTimeout(resolve, 0));
}
