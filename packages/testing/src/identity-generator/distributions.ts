// ---------------------------------------------------------------------------------------------------------------
// Random helpers

export function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    sum += weights[i]!;
    out[i] = sum;
  }
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

export function pickIndex(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (u < cdf[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Truncated geometric distribution on 0..max with the given mean: the cumulative probabilities. */
export function duplicateCdf(mean: number, max: number): Float64Array {
  if (max === 0 || mean <= 0) return new Float64Array([1]);
  const target = Math.min(mean, max * 0.999);
  const meanOf = (q: number): number => {
    let w = 1;
    let sum = 0;
    let weighted = 0;
    for (let k = 0; k <= max; k++) {
      sum += w;
      weighted += k * w;
      w *= q;
    }
    return weighted / sum;
  };
  let lo = 0;
  let hi = 1;
  while (meanOf(hi) < target) hi *= 2;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (meanOf(mid) < target) lo = mid;
    else hi = mid;
  }
  const q = (lo + hi) / 2;
  const weights: number[] = [];
  let w = 1;
  for (let k = 0; k <= max; k++) {
    weights.push(w);
    w *= q;
  }
  return cumulative(weights);
}
