// Latency samples with weights (one send's latency counts once per record it carried) and the
// summary figures perf tools print: avg, p50, p95, p99, max.
export class LatencyStats {
  private values = new Float64Array(1024);
  private weights = new Float64Array(1024);
  private n = 0;
  count = 0;
  sum = 0;
  max = 0;

  add(latencyMs: number, weight = 1): void {
    if (this.n === this.values.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.values = grow(this.values);
      this.weights = grow(this.weights);
    }
    this.values[this.n] = latencyMs;
    this.weights[this.n] = weight;
    this.n++;
    this.count += weight;
    this.sum += latencyMs * weight;
    if (latencyMs > this.max) this.max = latencyMs;
  }

  get avg(): number {
    return this.count > 0 ? this.sum / this.count : 0;
  }

  /** Weighted percentiles, e.g. percentiles([50, 95, 99]). */
  percentiles(ps: number[]): number[] {
    if (this.count === 0) return ps.map(() => 0);
    const order = Array.from({ length: this.n }, (_, i) => i).sort((a, b) => this.values[a]! - this.values[b]!);
    return ps.map((p) => {
      const target = (p / 100) * this.count;
      let acc = 0;
      for (const i of order) {
        acc += this.weights[i]!;
        if (acc >= target) return this.values[i]!;
      }
      return this.values[order[order.length - 1]!]!;
    });
  }
}

/** Counts over a time window, for the "every few seconds" progress lines. */
export class Window {
  records = 0;
  bytes = 0;
  latency = new LatencyStats();
  started: number;

  constructor(now: number) {
    this.started = now;
  }
}
