// /metrics in Prometheus text format, fed by the broker's diagnostics channels: what an operator's
// dashboard reads after some produce, consume and group traffic.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { collect, sdkClient } from '../client/helpers.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { call, startHttpBroker, type HttpBroker } from './helpers.js';

let b: HttpBroker | undefined;
afterEach(async () => b?.stop());
afterAll(removeTempDirs);

/** The value of one series in a Prometheus text exposition, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  it('counts requests, bytes and records per topic, errors, lag, connections, storage and fsyncs', async () => {
    b = await startHttpBroker({ flush: 'always' });
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'm', partitions_count: 2 });
    const entries = Array.from({ length: 10 }, (_, i) => ({ partition_id: i % 2, value: { data: i } }));
    await call(b, 'POST', `${b.cluster}/topics/m/records:batch`, { entries });
    await call(b, 'POST', `${b.cluster}/topics`, {
      topic_name: 'small',
      partitions_count: 1,
      configs: [{ name: 'max.message.bytes', value: '1024' }],
    });
    const refused = await call(b, 'POST', `${b.cluster}/topics/small/records`, {
      value: { type: 'STRING', data: 'x'.repeat(2000) },
    });
    expect(refused.status).toBe(413);

    const sluice = sdkClient(b.broker.port);
    const consumer = sluice.consumer({ groupId: 'g1' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'm', fromBeginning: true });
    await collect(consumer, 10);
    const live = (await call(b, 'GET', '/metrics')).body as string;
    expect(sample(live, 'sluice_connections{listener="native"}')).toBeGreaterThanOrEqual(1);
    await consumer.disconnect();
    const producer = sluice.producer();
    await producer.connect();
    await producer.send({ topic: 'm', messages: [{ value: 'late' }, { value: 'later' }] });
    await producer.disconnect();

    const response = await call(b, 'GET', '/metrics');
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = response.body as string;
    expect(sample(text, 'sluice_topic_records_in_total{topic="m"}')).toBe(12);
    expect(sample(text, 'sluice_topic_bytes_in_total{topic="m"}')).toBeGreaterThan(100);
    expect(sample(text, 'sluice_topic_records_out_total{topic="m"}')).toBeGreaterThanOrEqual(10);
    expect(sample(text, 'sluice_produce_errors_total{error="MESSAGE_TOO_LARGE"}')).toBe(1);
    expect(sample(text, 'sluice_requests_total{listener="native",api="Produce"}')).toBe(1);
    expect(sample(text, 'sluice_request_duration_seconds_count{listener="native",api="Fetch"}')).toBeGreaterThan(0);
    expect(
      sample(
        text,
        'sluice_requests_total{listener="http",api="POST /v3/clusters/:cluster_id/topics/:topic_name/records::batch"}',
      ),
    ).toBe(1);
    const lag = [0, 1].map(
      (p) => sample(text, `sluice_consumer_group_lag{group="g1",topic="m",partition="${p}"}`) ?? 0,
    );
    expect(lag[0]! + lag[1]!).toBe(2);
    expect(sample(text, 'sluice_group_rebalances_total{group="g1"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'sluice_partitions')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'sluice_segments')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'sluice_log_size_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'sluice_disk_free_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'sluice_tail_cache_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'sluice_tail_cache_pinned_bytes')).toBe(0);
    expect(sample(text, 'sluice_fsync_duration_seconds_count')).toBeGreaterThan(0);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);

    const summary = await call(b, 'GET', '/v3/metrics/summary');
    expect(summary.body.totals.records_in).toBe(12);
  });

  it('keeps per-topic series for the first metricsTopicLimit topics and counts the rest as _other', async () => {
    b = await startHttpBroker({}, { metricsTopicLimit: 1 });
    await call(b, 'POST', `${b.cluster}/topics/first/records`, { value: { data: 1 } });
    await call(b, 'POST', `${b.cluster}/topics/second/records`, { value: { data: 2 } });
    await call(b, 'POST', `${b.cluster}/topics/third/records`, { value: { data: 3 } });
    const text = (await call(b, 'GET', '/metrics')).body as string;
    expect(sample(text, 'sluice_topic_records_in_total{topic="first"}')).toBe(1);
    expect(sample(text, 'sluice_topic_records_in_total{topic="_other"}')).toBe(2);
    expect(text).not.toMatch(/topic="second"/);
  });

  it('keeps per-group series for the first metricsGroupLimit groups and counts later rebalances as _other', async () => {
    b = await startHttpBroker({}, { metricsGroupLimit: 1 });
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'g', partitions_count: 1 });
    await call(b, 'POST', `${b.cluster}/topics/g/records`, { value: { data: 1 } });
    const sluice = sdkClient(b.broker.port);
    for (const groupId of ['first-group', 'second-group', 'third-group']) {
      const consumer = sluice.consumer({ groupId });
      await consumer.connect();
      await consumer.subscribe({ topic: 'g', fromBeginning: true });
      await collect(consumer, 1);
      await consumer.disconnect();
    }
    const text = (await call(b, 'GET', '/metrics')).body as string;
    expect(sample(text, 'sluice_group_rebalances_total{group="first-group"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'sluice_group_rebalances_total{group="_other"}')).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/sluice_consumer_group_lag\{group="first-group"/);
    expect(text).not.toMatch(/group="second-group"|group="third-group"/);
  });

  it('serves no /metrics when metrics are off', async () => {
    b = await startHttpBroker({}, { metrics: false });
    expect((await call(b, 'GET', '/metrics')).status).toBe(404);
  });
});
