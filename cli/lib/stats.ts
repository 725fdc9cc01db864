// Latency figures the perf tools print (avg, max, p50, p95, p99), weighted (one send's latency counts once per
// record it carried), in memory that does not grow with the records measured: `perf consume` adds one sample per
// record, and a run over a large topic kept every sample (16 bytes a record) and sorted them all at the end.
//
// Layout: a log-linear histogram of microseconds, like HdrHistogram at two significant decimal digits. Below 128 µs
// one bucket per µs; above, each power of two [2^e, 2^(e+1)) is cut into 128 equal buckets, so a bucket is at most
// 1/128 of its lower bound wide and a percentile, reported as its bucket's middle, is within 0.4 % of the exact
// one. avg, max and min are exact; a percentile is clamped to [min, max].

const SUB_BUCKET_BITS = 7;
const SUB_BUCKETS = 1 << SUB_BUCKET_BITS; // 128
/** Powers of two covered: up to 2^45 µs (about a year); larger values count in the last bucket. */
const MAX_EXPONENT = 45;
const BUCKETS = SUB_BUCKETS + (MAX_EXPONENT - SUB_BUCKET_BITS + 1) * SUB_BUCKETS;

function bucketOf(micros: number): number {
  if (micros < SUB_BUCKETS) return micros;
  let exponent = Math.floor(Math.log2(micros));
  if (2 ** exponent > micros) exponent--; // log2 rounded up just below a power of two
  exponent = Math.min(exponent, MAX_EXPONENT);
  const shift = exponent - SUB_BUCKET_BITS;
  const sub = Math.min(Math.floor(micros / 2 ** shift) - SUB_BUCKETS, SUB_BUCKETS - 1);
  return SUB_BUCKETS + shift * SUB_BUCKETS + sub;
}

/** The middle of a bucket, µs. */
function middleOf(bucket: number): number {
  if (bucket < SUB_BUCKETS) return bucket;
  const shift = Math.floor(bucket / SUB_BUCKETS) - 1;
  const sub = bucket % SUB_BUCKETS;
  const width = 2 ** shift;
  return (SUB_BUCKETS + sub) * width + (width - 1) / 2;
}

export class LatencyStats {
  /** Weight per bucket; allocated on the first sample (a progress window with no records costs nothing). */
  private weights: Float64Array | null = null;
  count = 0;
  sum = 0;
  max = 0;
  private min = Number.POSITIVE_INFINITY;

  add(latencyMs: number, weight = 1): void {
    const weights = (this.weights ??= new Float64Array(BUCKETS));
    weights[bucketOf(Math.max(0, Math.round(latencyMs * 1000)))]! += weight;
    this.count += weight;
    this.sum += latencyMs * weight;
    if (latencyMs > this.max) this.max = latencyMs;
    if (latencyMs < this.min) this.min = latencyMs;
  }

  get avg(): number {
    return this.count > 0 ? this.sum / this.count : 0;
  }

  /** Weighted percentiles in ms, e.g. percentiles([50, 95, 99]); within 0.4 % of the exact ones (see above). */
  percentiles(ps: number[]): number[] {
    const weights = this.weights;
    if (this.count === 0 || weights === null) return ps.map(() => 0);
    return ps.map((p) => {
      if (p >= 100) return this.max;
      const target = (p / 100) * this.count;
      let acc = 0;
      for (let bucket = 0; bucket < BUCKETS; bucket++) {
        acc += weights[bucket]!;
        if (acc >= target && weights[bucket]! > 0)
          return Math.min(this.max, Math.max(this.min, middleOf(bucket) / 1000));
      }
      return this.max;
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
