// Small statistics helpers shared by the load generators and the orchestrator.

/** The median of finite numbers; NaN when there are none (a failed row stays visibly failed). */
export function median(values) {
  const xs = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (xs.length === 0) return Number.NaN;
  const mid = xs.length >> 1;
  return xs.length % 2 === 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

/**
 * Percentiles of latency samples (ms), nearest-rank on the sorted samples.
 * `samples` is a Float64Array that may be longer than `n`.
 */
export function percentiles(samples, n) {
  if (n === 0) return { n: 0, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN };
  const xs = samples.slice(0, n).sort();
  const at = (q) => xs[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += xs[i];
  return { n, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: xs[n - 1], mean: sum / n };
}

/** A growable Float64Array of latency samples, so that recording allocates nothing per call. */
export class Samples {
  constructor(capacity = 1 << 16) {
    this.buf = new Float64Array(capacity);
    this.n = 0;
  }
  push(x) {
    if (this.n === this.buf.length) {
      const bigger = new Float64Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.n++] = x;
  }
  reset() {
    this.n = 0;
  }
  summary() {
    return percentiles(this.buf, this.n);
  }
}
