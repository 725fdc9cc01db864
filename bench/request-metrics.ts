// The cost of observing one request in the /metrics latency histogram: prom-client's Histogram (labels
// validated and hashed per observation) against src/http/series-histogram.ts (a series kept per listener and
// API), in one process, 2 M observations over 8 label sets per round, ns per observation.
//   node --import tsx bench/request-metrics.ts [--rounds 5]
import { Histogram, Registry } from 'prom-client';
import { SeriesHistogram } from '../src/http/series-histogram.js';
import { numberOptions } from './lib/args.js';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const APIS = ['Produce', 'Fetch', 'FetchPush', 'Metadata', 'Heartbeat', 'OffsetCommit', 'JoinGroup', 'ListOffsets'];
const LABELS = APIS.map((api) => Object.freeze({ listener: 'native', api }));
// Durations across the buckets (0 to 6.7 ms).
const SECONDS = Array.from({ length: 1024 }, (_, i) => (i % 97) * 0.00007);
const OBSERVATIONS = 2_000_000;

function promClient(): number {
  const histogram = new Histogram({
    name: 'bench_seconds',
    help: 'bench',
    labelNames: ['listener', 'api'],
    buckets: BUCKETS,
    registers: [new Registry()],
  });
  const started = performance.now();
  for (let i = 0; i < OBSERVATIONS; i++) histogram.observe(LABELS[i & 7]!, SECONDS[i & 1023]!);
  return ((performance.now() - started) * 1e6) / OBSERVATIONS;
}

function seriesHistogram(): number {
  const histogram = new SeriesHistogram({
    name: 'bench_seconds',
    help: 'bench',
    buckets: BUCKETS,
    registers: [new Registry()],
  });
  const series = LABELS.map((labels) => histogram.series(labels));
  const started = performance.now();
  for (let i = 0; i < OBSERVATIONS; i++) histogram.observe(series[i & 7]!, SECONDS[i & 1023]!);
  return ((performance.now() - started) * 1e6) / OBSERVATIONS;
}

const rounds = numberOptions(process.argv.slice(2))('rounds', 5);
for (let round = 1; round <= rounds; round++) {
  process.stdout.write(
    `round ${round}: prom-client Histogram ${promClient().toFixed(1)} ns, SeriesHistogram ${seriesHistogram().toFixed(1)} ns per observation\n`,
  );
}
