import type { ComparisonParameters, ModelParameters, Thresholds } from './api';
import type { EngineConfig } from './config';
import type { Prepared } from './prepare';
import type { FieldContribution, MatchBand, PairScore } from './types';

const LOG2 = Math.log(2);
const MIN_PROBABILITY = 1e-9;

/** Parameters of a configuration with nothing estimated yet. */
export function defaultParameters(config: EngineConfig): ModelParameters {
  const comparisons: Record<string, ComparisonParameters> = {};
  for (const c of config.comparisons) comparisons[c.name] = { m: [...c.defaults.m], u: [...c.defaults.u] };
  return { entity: config.entity, lambda: config.defaultLambda, comparisons };
}

/** A scoring model: a configuration with parameters, compiled into weight tables. */
export class Model {
  /** log2(m / u) per comparison and level. */
  readonly weights: Float64Array[];
  /** log2(m0) per comparison, for term-frequency adjusted exact agreement. */
  readonly logM0: Float64Array;
  readonly prior: number;
  readonly tf: (Map<string, number> | undefined)[];
  readonly tfFloor: Float64Array;
  private readonly ruleChecks: { name: string; checks: [number, Set<number>][] }[];
  private readonly guardChecks: { name: string; index: number; levels: Set<number> }[];
  /** Per comparison: false for name comparisons (see `EngineConfig.names`). */
  private readonly beyondName: boolean[];
  private readonly lastLevel: number[];
  private readonly capChecks: { name: string; when: [number, Set<number>][]; unless: [number, Set<number>][] }[];

  constructor(
    readonly config: EngineConfig,
    readonly parameters: ModelParameters,
    readonly thresholds: Thresholds,
  ) {
    const n = config.comparisons.length;
    this.weights = [];
    this.logM0 = new Float64Array(n);
    this.tf = [];
    this.tfFloor = new Float64Array(n);
    const lambda = Math.min(Math.max(parameters.lambda, MIN_PROBABILITY), 1 - MIN_PROBABILITY);
    this.prior = Math.log(lambda / (1 - lambda)) / LOG2;
    config.comparisons.forEach((c, k) => {
      const p = parameters.comparisons[c.name] ?? { m: [...c.defaults.m], u: [...c.defaults.u] };
      const w = new Float64Array(c.levels.length);
      for (let l = 0; l < c.levels.length; l++) {
        const m = Math.max(p.m[l] ?? MIN_PROBABILITY, MIN_PROBABILITY);
        const u = Math.max(p.u[l] ?? MIN_PROBABILITY, MIN_PROBABILITY);
        w[l] = Math.log(m / u) / LOG2;
      }
      this.weights.push(w);
      this.logM0[k] = Math.log(Math.max(p.m[0] ?? MIN_PROBABILITY, MIN_PROBABILITY)) / LOG2;
      const tf = parameters.termFrequencies?.[c.name];
      if (c.tf && tf) {
        this.tf.push(new Map(Object.entries(tf.values)));
        this.tfFloor[k] = tf.floor;
      } else {
        this.tf.push(undefined);
      }
    });
    const indexOf = new Map(config.comparisons.map((c, k) => [c.name, k]));
    const checks = (owner: string, spec: Readonly<Record<string, readonly number[]>>) =>
      Object.entries(spec).map(([name, levels]) => {
        const k = indexOf.get(name);
        if (k === undefined) throw new Error(`"${owner}" names an unknown comparison "${name}".`);
        return [k, new Set(levels)] as [number, Set<number>];
      });
    this.beyondName = config.comparisons.map((c) => !config.names.includes(c.name));
    this.lastLevel = config.comparisons.map((c) => c.levels.length - 1);
    this.ruleChecks = config.rules.map((rule) => ({ name: rule.name, checks: checks(rule.name, rule.require) }));
    this.capChecks = config.caps.map((cap) => ({
      name: cap.name,
      when: checks(cap.name, cap.when),
      unless: checks(cap.name, cap.unless),
    }));
    this.guardChecks = config.guards.map((guard) => {
      const k = indexOf.get(guard.comparison);
      if (k === undefined) throw new Error(`Guard "${guard.name}" names an unknown comparison "${guard.comparison}".`);
      return { name: guard.name, index: k, levels: new Set(guard.levels) };
    });
  }

  /** Level vector of a pair (-1 = missing). */
  levels(a: Prepared, b: Prepared, out: Int8Array): Int8Array {
    const cs = this.config.comparisons;
    for (let k = 0; k < cs.length; k++) out[k] = cs[k]!.level(a, b);
    return out;
  }

  /** Weight of one comparison at one level for this pair, with the term-frequency adjustment on level 0. */
  weightOf(k: number, level: number, a: Prepared): number {
    if (level < 0) return 0;
    if (level === 0) {
      const tf = this.tf[k];
      if (tf) {
        const value = this.config.comparisons[k]!.tf!(a);
        if (value !== null) {
          const freq = tf.get(value) ?? this.tfFloor[k]!;
          // Bayes factor of agreeing on this value: m / f(value) (Splink's u-adjustment).
          return Math.max(this.logM0[k]! - Math.log(freq) / LOG2, this.weights[k]![1] ?? 0);
        }
      }
    }
    return this.weights[k]![level]!;
  }

  /** Total weight of a level vector. */
  totalWeight(levels: Int8Array, a: Prepared): number {
    let w = this.prior;
    for (let k = 0; k < levels.length; k++) w += this.weightOf(k, levels[k]!, a);
    return w;
  }

  /** Rule that links the pair regardless of the score, if any. */
  ruleFor(levels: Int8Array): string | undefined {
    for (const rule of this.ruleChecks) {
      if (rule.checks.every(([k, accepted]) => accepted.has(levels[k]!))) return rule.name;
    }
    return undefined;
  }

  /** Guard that keeps the pair apart, if any. */
  guardFor(levels: Int8Array): string | undefined {
    for (const guard of this.guardChecks) if (guard.levels.has(levels[guard.index]!)) return guard.name;
    return undefined;
  }

  /** Decision band of a pair from its levels and weight. */
  band(levels_: Int8Array, weight: number): { band: MatchBand; rule?: string; guard?: string } {
    const guard = this.guardFor(levels_);
    if (guard !== undefined) return { band: 'apart', guard };
    const rule = this.ruleFor(levels_);
    if (rule !== undefined) return { band: 'link', rule };
    const p = probabilityOf(weight);
    if (p >= this.thresholds.link) {
      for (const cap of this.capChecks) {
        if (!cap.when.every(([k, levels]) => levels.has(levels_[k]!))) continue;
        if (cap.unless.some(([k, levels]) => levels.has(levels_[k]!))) continue;
        return { band: 'review', guard: cap.name };
      }
      return { band: 'link' };
    }
    if (p < this.thresholds.review) return { band: 'apart' };
    for (let k = 0; k < levels_.length; k++) {
      const l = levels_[k]!;
      if (this.beyondName[k] && l >= 0 && l < this.lastLevel[k]!) return { band: 'review' };
    }
    return { band: 'apart' };
  }

  /** The full, explained score of a pair. */
  explain(a: Prepared, b: Prepared, levels: Int8Array): PairScore {
    const [x, y] = a.id <= b.id ? [a, b] : [b, a];
    const contributions: FieldContribution[] = this.config.comparisons.map((c, k) => {
      const level = levels[k]!;
      return {
        comparison: c.name,
        level: level < 0 ? 'missing' : c.levels[level]!,
        weight: round(this.weightOf(k, level, a)),
        values: [c.show(x), c.show(y)] as const,
      };
    });
    const weight = this.totalWeight(levels, a);
    const decision = this.band(levels, weight);
    const score: PairScore = {
      a: x.id,
      b: y.id,
      weight: round(weight),
      probability:
        decision.rule !== undefined ? Math.max(probabilityOf(weight), this.thresholds.link) : probabilityOf(weight),
      band: decision.band,
      contributions,
    };
    if (decision.rule !== undefined) score.rule = decision.rule;
    if (decision.guard !== undefined) score.guard = decision.guard;
    return score;
  }
}

/** Match probability of a weight (log2 odds). */
export function probabilityOf(weight: number): number {
  return 1 / (1 + 2 ** -weight);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
