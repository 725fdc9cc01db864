// The request latency histogram of our own (src/http/series-histogram.ts) against prom-client's Histogram:
// the same observations give the same exposition text, line for line, in a prom-client Registry.
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { SeriesHistogram } from '../../src/http/series-histogram.js';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const HELP = 'Time from a request being dispatched to its response being ready, per listener and API';
// On bounds, between them, below the first and above the last.
const OBSERVED: Array<[listener: string, api: string, seconds: number]> = [
  ['native', 'Produce', 0.0001],
  ['native', 'Produce', 0.0005],
  ['native', 'Produce', 0.0007],
  ['native', 'Fetch', 0.3],
  ['kafka', 'Metadata', 12],
  ['native', 'Produce', 2.5],
  ['kafka', 'Metadata', 0.001],
  ['http', 'GET /metrics', 0.004],
];

async function ours(observations = OBSERVED) {
  const registry = new Registry();
  const histogram = new SeriesHistogram({
    name: 'sluice_request_duration_seconds',
    help: HELP,
    buckets: BUCKETS,
    registers: [registry],
  });
  const series = new Map<string, ReturnType<typeof histogram.series>>();
  for (const [listener, api, seconds] of observations) {
    const key = `${listener} ${api}`;
    if (!series.has(key)) series.set(key, histogram.series(Object.freeze({ listener, api })));
    histogram.observe(series.get(key)!, seconds);
  }
  return { registry, histogram };
}

async function promClients(observations = OBSERVED) {
  const registry = new Registry();
  const histogram = new Histogram({
    name: 'sluice_request_duration_seconds',
    help: HELP,
    labelNames: ['listener', 'api'],
    buckets: BUCKETS,
    registers: [registry],
  });
  for (const [listener, api, seconds] of observations) histogram.observe({ listener, api }, seconds);
  return registry;
}

describe('SeriesHistogram', () => {
  it("exposes what prom-client's Histogram exposes for the same observations", async () => {
    const { registry } = await ours();
    const text = await registry.metrics();
    expect(text).toBe(await (await promClients()).metrics());
    expect(text).toContain('sluice_request_duration_seconds_bucket{le="0.001",listener="native",api="Produce"} 3');
    expect(text).toContain('sluice_request_duration_seconds_count{listener="kafka",api="Metadata"} 2');
    expect(text).toContain('sluice_request_duration_seconds_bucket{le="+Inf",listener="kafka",api="Metadata"} 2');
  });

  it('and the same JSON', async () => {
    const { registry } = await ours();
    expect(await registry.getMetricsAsJSON()).toEqual(await (await promClients()).getMetricsAsJSON());
  });

  it('reset() zeroes every series, which keeps its lines', async () => {
    const { registry } = await ours();
    registry.resetMetrics();
    const text = await registry.metrics();
    expect(text).toContain('sluice_request_duration_seconds_count{listener="native",api="Produce"} 0');
    expect(text).toContain('sluice_request_duration_seconds_sum{listener="native",api="Fetch"} 0');
  });
});
