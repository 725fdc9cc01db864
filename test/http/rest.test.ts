// The REST API as a user of Confluent REST Proxy v3 would drive it with curl: topics, configs, produce,
// read, consumer groups, errors and limits, health and the OpenAPI document.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { partitionForKey } from '../../src/records/index.js';
import { collect, sdkClient } from '../client/helpers.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { call, startHttpBroker, type HttpBroker } from './helpers.js';

let b: HttpBroker;

beforeEach(async () => {
  b = await startHttpBroker({}, { maxRecordsPerRequest: 200 });
});
afterEach(async () => b.stop());
afterAll(removeTempDirs);

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('REST API: topics', () => {
  it('creates, lists, describes, alters configs of and deletes a topic', async () => {
    const created = await call(b, 'POST', `${b.cluster}/topics`, {
      topic_name: 'orders',
      partitions_count: 3,
      configs: [{ name: 'retention.ms', value: '60000' }],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'KafkaTopic', topic_name: 'orders', partitions_count: 3 });

    const list = await call(b, 'GET', `${b.cluster}/topics`);
    expect(list.body.data.map((t: { topic_name: string }) => t.topic_name)).toContain('orders');

    const partitions = await call(b, 'GET', `${b.cluster}/topics/orders/partitions`);
    expect(partitions.body.data).toHaveLength(3);
    expect(partitions.body.data[0]).toMatchObject({ partition_id: 0, log_start_offset: 0, high_watermark: 0 });

    const configs = await call(b, 'GET', `${b.cluster}/topics/orders/configs`);
    const retention = configs.body.data.find((c: { name: string }) => c.name === 'retention.ms');
    expect(retention).toMatchObject({ value: '60000', source: 'topic' });

    const altered = await call(b, 'POST', `${b.cluster}/topics/orders/configs:alter`, {
      data: [
        { name: 'retention.ms', operation: 'DELETE' },
        { name: 'segment.bytes', value: '1048576' },
      ],
    });
    expect(altered.status).toBe(204);
    const one = await call(b, 'GET', `${b.cluster}/topics/orders/configs/segment.bytes`);
    expect(one.body).toMatchObject({ value: '1048576', source: 'topic' });
    const reverted = await call(b, 'GET', `${b.cluster}/topics/orders/configs/retention.ms`);
    expect(reverted.body.source).not.toBe('topic');

    expect((await call(b, 'DELETE', `${b.cluster}/topics/orders`)).status).toBe(204);
    const gone = await call(b, 'GET', `${b.cluster}/topics/orders`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ error_code: 404, message: expect.stringContaining('does not exist') });
  });

  it('answers bad input with { error_code, message } and the right status', async () => {
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'dup', partitions_count: 1 });
    const duplicate = await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'dup', partitions_count: 1 });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error_code).toBe(409);

    const badName = await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'bad name!', partitions_count: 1 });
    expect(badName.status).toBe(400);

    const badBody = await call(b, 'POST', `${b.cluster}/topics`, { partitions_count: 'three' });
    expect(badBody.status).toBe(400);
    expect(badBody.body.message).toMatch(/topic_name/);

    const notJson = await call(b, 'POST', `${b.cluster}/topics`, '{"topic_name":');
    expect(notJson.status).toBe(400);

    const badConfig = await call(b, 'POST', `${b.cluster}/topics/dup/configs:alter`, {
      data: [{ name: 'no.such.config', value: '1' }],
    });
    expect(badConfig.status).toBe(400);

    const otherCluster = await call(b, 'GET', '/v3/clusters/not-this-one/topics');
    expect(otherCluster.status).toBe(404);
    const noRoute = await call(b, 'GET', '/v3/nothing');
    expect(noRoute).toMatchObject({ status: 404, body: { error_code: 404 } });
  });

  it('serves a topic whose name is as long as names go (249 characters) on every route that names it', async () => {
    const long = `t${'o'.repeat(240)}-longest`;
    expect(long).toHaveLength(249);
    expect((await call(b, 'POST', `${b.cluster}/topics`, { topic_name: long, partitions_count: 1 })).status).toBe(201);
    expect((await call(b, 'GET', `${b.cluster}/topics/${long}`)).body.topic_name).toBe(long);
    const produced = await call(b, 'POST', `${b.cluster}/topics/${long}/records`, { value: { data: 'far' } });
    expect(produced.body).toMatchObject({ error_code: 200, offset: 0 });
    const read = await call(b, 'GET', `${b.cluster}/topics/${long}/partitions/0/records`);
    expect(read.body.data[0].value).toMatchObject({ type: 'JSON', data: 'far' });
    expect((await call(b, 'GET', `${b.cluster}/topics/${long}/configs/retention.ms`)).status).toBe(200);
    expect((await call(b, 'DELETE', `${b.cluster}/topics/${long}`)).status).toBe(204);
    // One character more is no topic name: refused by the schema (400), not by the router.
    const tooLong = await call(b, 'GET', `${b.cluster}/topics/${long}x`);
    expect(tooLong.body).toEqual({
      error_code: 400,
      message: 'invalid request: params/topic_name must NOT have more than 249 characters',
    });
  });

  it('refuses a list config naming an entry twice, when creating a topic and when altering one', async () => {
    const twice = [{ name: 'cleanup.policy', value: 'compact,compact' }];
    const created = await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'kept', configs: twice });
    expect(created.status).toBe(400);
    expect(created.body.message).toBe(
      'INVALID_CONFIG: cleanup.policy lists "compact" more than once, got "compact,compact"',
    );
    expect((await call(b, 'GET', `${b.cluster}/topics/kept`)).status).toBe(404);

    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'kept', partitions_count: 1 });
    const altered = await call(b, 'POST', `${b.cluster}/topics/kept/configs:alter`, { data: twice });
    expect(altered.status).toBe(400);
    expect(altered.body.message).toMatch(/cleanup.policy lists "compact" more than once/);
    const policy = await call(b, 'GET', `${b.cluster}/topics/kept/configs/cleanup.policy`);
    expect(policy.body).toMatchObject({ value: 'delete', source: 'default' });
  });

  it('refuses a string where a body needs a number or a boolean, naming the field, and creates nothing', async () => {
    const quoted = await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'typed', partitions_count: '3' });
    expect(quoted.status).toBe(400);
    expect(quoted.body).toEqual({ error_code: 400, message: 'invalid request: body/partitions_count must be integer' });
    const validateOnly = await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'typed', validate_only: 'true' });
    expect(validateOnly.body.message).toBe('invalid request: body/validate_only must be boolean');
    expect((await call(b, 'GET', `${b.cluster}/topics/typed`)).status).toBe(404);

    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'typed', partitions_count: 2 });
    const record = await call(b, 'POST', `${b.cluster}/topics/typed/records`, {
      partition_id: '1',
      value: { data: 1 },
    });
    expect(record.body).toEqual({ error_code: 400, message: 'invalid request: body/partition_id must be integer' });
    // "" is not null either: a key must be a typed value or null.
    const emptyKey = await call(b, 'POST', `${b.cluster}/topics/typed/records`, { key: '', value: { data: 1 } });
    expect(emptyKey.body.message).toBe('invalid request: body/key must be object,null');
    // Query strings are text: their numbers are still read from it.
    const read = await call(b, 'GET', `${b.cluster}/topics/typed/partitions/1/records?offset=0&max_count=10`);
    expect(read.status).toBe(200);
    expect(read.body.data).toEqual([]);
  });

  it('takes content-type: application/json with an empty body as no body (clients send it on every request)', async () => {
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'gone', partitions_count: 1 });
    const json = { 'content-type': 'application/json' };
    const deleted = await fetch(`${b.url}${b.cluster}/topics/gone`, { method: 'DELETE', headers: json });
    expect(deleted.status).toBe(204);
    expect((await call(b, 'GET', `${b.cluster}/topics/gone`)).status).toBe(404);

    // Where a body is required, the refusal names the body, not the header.
    const empty = await fetch(`${b.url}${b.cluster}/topics`, { method: 'POST', headers: json, body: '' });
    expect(empty.status).toBe(400);
    const { message } = (await empty.json()) as { message: string };
    expect(message).toMatch(/body/);
    expect(message).not.toMatch(/content-type/);
  });
});

describe('REST API: records', () => {
  it('produces a batch with JSON, text and base64 values, keys and headers, and reads it back', async () => {
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'events', partitions_count: 4 });
    const produced = await call(b, 'POST', `${b.cluster}/topics/events/records:batch`, {
      entries: [
        { id: 'a', partition_id: 2, value: { type: 'JSON', data: { n: 1 } } },
        { id: 'b', partition_id: 2, key: { type: 'STRING', data: 'k' }, value: { type: 'STRING', data: 'hello' } },
        {
          id: 'c',
          partition_id: 2,
          value: { type: 'BINARY', data: Buffer.from([0, 255, 1]).toString('base64') },
          headers: [{ name: 'trace', value: b64('t-1') }],
        },
        { id: 'd', key: { type: 'STRING', data: 'user-42' }, value: { data: [1, 2] } },
      ],
    });
    expect(produced.status).toBe(200);
    expect(produced.body.failures).toEqual([]);
    expect(produced.body.successes.slice(0, 3).map((s: { offset: number }) => s.offset)).toEqual([0, 1, 2]);
    // Keyed records land where Kafka's default partitioner puts them.
    expect(produced.body.successes[3].partition_id).toBe(partitionForKey(Buffer.from('user-42'), 4));

    const read = await call(b, 'GET', `${b.cluster}/topics/events/partitions/2/records?offset=0&max_count=10`);
    expect(read.status).toBe(200);
    expect(read.body.high_watermark).toBe(3);
    expect(read.body.next_offset).toBe(3);
    const [first, second, third] = read.body.data;
    expect(first.value).toEqual({ type: 'JSON', data: { n: 1 }, size: 7 });
    expect(second.key).toMatchObject({ type: 'STRING', data: 'k' });
    expect(second.value).toMatchObject({ type: 'STRING', data: 'hello' });
    expect(third.value).toMatchObject({ type: 'BINARY', data: Buffer.from([0, 255, 1]).toString('base64') });
    expect(third.headers).toEqual([{ name: 'trace', value: b64('t-1') }]);

    const page = await call(
      b,
      'GET',
      `${b.cluster}/topics/events/partitions/2/records?offset=1&max_count=1&format=BINARY`,
    );
    expect(page.body.data).toHaveLength(1);
    expect(page.body.data[0]).toMatchObject({ offset: 1, value: { type: 'BINARY', data: b64('hello') } });
    expect(page.body.next_offset).toBe(2);
  });

  it('produces one record per request as REST Proxy v3 does, readable by the SDK', async () => {
    const one = await call(b, 'POST', `${b.cluster}/topics/auto/records`, {
      key: { type: 'STRING', data: 'id-1' },
      value: { type: 'JSON', data: { total: 12.5 } },
    });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ error_code: 200, topic_name: 'auto', offset: 0, value: { type: 'JSON' } });

    const sluice = sdkClient(b.broker.port);
    const consumer = sluice.consumer({ groupId: 'rest-reader' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'auto', fromBeginning: true });
    const [got] = await collect(consumer, 1);
    await consumer.disconnect();
    expect(got!.message.key!.toString()).toBe('id-1');
    expect(JSON.parse(got!.message.value!.toString())).toEqual({ total: 12.5 });
  });

  it('reads by timestamp and refuses reads before the log start or without limits', async () => {
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'timed', partitions_count: 1 });
    await call(b, 'POST', `${b.cluster}/topics/timed/records:batch`, {
      entries: [
        { value: { data: 1 }, timestamp: 1_000 },
        { value: { data: 2 }, timestamp: 2_000 },
        { value: { data: 3 }, timestamp: '1970-01-01T00:00:03.000Z' },
      ],
    });
    const fromTwo = await call(b, 'GET', `${b.cluster}/topics/timed/partitions/0/records?timestamp=1500`);
    expect(fromTwo.body.data.map((r: { value: { data: number } }) => r.value.data)).toEqual([2, 3]);
    const fromIso = await call(
      b,
      'GET',
      `${b.cluster}/topics/timed/partitions/0/records?timestamp=1970-01-01T00:00:02.500Z`,
    );
    expect(fromIso.body.data.map((r: { offset: number }) => r.offset)).toEqual([2]);
    const pastEnd = await call(b, 'GET', `${b.cluster}/topics/timed/partitions/0/records?offset=99`);
    expect(pastEnd.body.data).toEqual([]);
    const tooMany = await call(b, 'GET', `${b.cluster}/topics/timed/partitions/0/records?max_count=100000`);
    expect(tooMany.status).toBe(400);
    const noPartition = await call(b, 'GET', `${b.cluster}/topics/timed/partitions/5/records`);
    expect(noPartition.status).toBe(404);
    // Offsets a JSON number cannot hold exactly are refused, not rounded to a neighbour.
    for (const offset of ['9007199254740993', '99999999999999999999']) {
      const unsafe = await call(b, 'GET', `${b.cluster}/topics/timed/partitions/0/records?offset=${offset}`);
      expect(unsafe.status, offset).toBe(400);
    }
  });

  it('answers the append time as the timestamp of a record produced to a LogAppendTime topic', async () => {
    await call(b, 'POST', `${b.cluster}/topics`, {
      topic_name: 'stamped',
      partitions_count: 1,
      configs: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }],
    });
    const before = Date.now();
    const produced = await call(b, 'POST', `${b.cluster}/topics/stamped/records`, {
      value: { data: 1 },
      timestamp: 1_000,
    });
    expect(produced.status).toBe(200);
    const stamped = Date.parse(produced.body.timestamp);
    expect(stamped).toBeGreaterThanOrEqual(before);
    const read = await call(b, 'GET', `${b.cluster}/topics/stamped/partitions/0/records`);
    expect(read.body.data.map((r: { timestamp: string }) => r.timestamp)).toEqual([produced.body.timestamp]);
  });

  it('refuses a batch whose entries share an id (each id names one answer), storing none of it', async () => {
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'ids', partitions_count: 1 });
    const batch = (entries: object[]) => call(b, 'POST', `${b.cluster}/topics/ids/records:batch`, { entries });
    const twice = await batch([
      { id: 'a', value: { data: 1 } },
      { id: 'b', value: { data: 2 } },
      { id: 'a', value: { data: 3 } },
    ]);
    expect(twice.status).toBe(400);
    expect(twice.body.message).toBe(
      'invalid request: body/entries/2/id "a" is also the id of body/entries/0: the ids of a batch must be distinct, each names its record\'s answer',
    );
    // An entry without an id is answered by its index, which an explicit id may not take.
    const defaulted = await batch([{ id: '1', value: { data: 1 } }, { value: { data: 2 } }]);
    expect(defaulted.status).toBe(400);
    expect(defaulted.body.message).toMatch(
      /body\/entries\/1\/id "1" \(its index: it has no id\) is also the id of body\/entries\/0/,
    );
    const empty = await batch([{ id: '', value: { data: 1 } }]);
    expect(empty.body.message).toBe('invalid request: body/entries/0/id must NOT have fewer than 1 characters');
    expect((await call(b, 'GET', `${b.cluster}/topics/ids/partitions/0`)).body.high_watermark).toBe(0);

    const distinct = await batch([{ id: 'x', value: { data: 1 } }, { value: { data: 2 } }]);
    expect(distinct.status).toBe(200);
    expect(distinct.body.successes.map((s: { id: string }) => s.id)).toEqual(['x', '1']);
  });

  it('limits records per request and body size, and rejects malformed values without storing anything', async () => {
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'limits', partitions_count: 1 });
    const entries = Array.from({ length: 201 }, () => ({ value: { data: 'x' } }));
    const tooMany = await call(b, 'POST', `${b.cluster}/topics/limits/records:batch`, { entries });
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.message).toMatch(/at most 200/);

    const huge = await call(b, 'POST', `${b.cluster}/topics/limits/records`, {
      value: { type: 'STRING', data: 'x'.repeat(9 * 1024 * 1024) },
    });
    expect(huge.status).toBe(413);

    const badBase64 = await call(b, 'POST', `${b.cluster}/topics/limits/records:batch`, {
      entries: [{ value: { data: 'ok' } }, { value: { type: 'BINARY', data: '***' } }],
    });
    expect(badBase64.status).toBe(400);
    expect(badBase64.body.message).toMatch(/base64/);

    const deep = `{"value":{"data":${'['.repeat(5000)}${']'.repeat(5000)}}}`;
    const tooDeep = await call(b, 'POST', `${b.cluster}/topics/limits/records`, deep);
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.body.message).toMatch(/nests too deeply/);

    const unknownPartition = await call(b, 'POST', `${b.cluster}/topics/limits/records`, {
      partition_id: 3,
      value: { data: 1 },
    });
    expect(unknownPartition.status).toBe(404);

    const partition = await call(b, 'GET', `${b.cluster}/topics/limits/partitions/0`);
    expect(partition.body.high_watermark).toBe(0);
  });
});

describe('REST API: consumer groups', () => {
  it('shows a group with members, assignment and lag, resets offsets once it is empty, and deletes it', async () => {
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'work', partitions_count: 2 });
    const entries = Array.from({ length: 10 }, (_, i) => ({ partition_id: i % 2, value: { data: i } }));
    await call(b, 'POST', `${b.cluster}/topics/work/records:batch`, { entries });

    const sluice = sdkClient(b.broker.port);
    const consumer = sluice.consumer({ groupId: 'workers' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'work', fromBeginning: true });
    await collect(consumer, 10);

    const group = await call(b, 'GET', `${b.cluster}/consumer-groups/workers`);
    expect(group.body).toMatchObject({ consumer_group_id: 'workers', state: 'Stable', members_count: 1 });
    const members = await call(b, 'GET', `${b.cluster}/consumer-groups/workers/consumers`);
    expect(members.body.data[0].assignments).toEqual([
      { topic_name: 'work', partition_id: 0 },
      { topic_name: 'work', partition_id: 1 },
    ]);
    const busyReset = await call(b, 'POST', `${b.cluster}/consumer-groups/workers/offsets:reset`, {
      topic_name: 'work',
      to: 'earliest',
    });
    expect(busyReset.status).toBe(409);
    await consumer.disconnect();

    const lags = await call(b, 'GET', `${b.cluster}/consumer-groups/workers/lags`);
    expect(lags.body.data.map((l: { lag: number }) => l.lag)).toEqual([0, 0]);

    const reset = await call(b, 'POST', `${b.cluster}/consumer-groups/workers/offsets:reset`, {
      topic_name: 'work',
      to: 'offset',
      offset: 2,
      partition_ids: [0],
    });
    expect(reset.status).toBe(200);
    expect(reset.body.data).toEqual([{ topic_name: 'work', partition_id: 0, offset: 2 }]);
    const after = await call(b, 'GET', `${b.cluster}/consumer-groups/workers/lags`);
    expect(after.body.data.map((l: { partition_id: number; lag: number }) => [l.partition_id, l.lag])).toEqual([
      [0, 3],
      [1, 0],
    ]);

    const list = await call(b, 'GET', `${b.cluster}/consumer-groups`);
    expect(list.body.data.map((g: { consumer_group_id: string }) => g.consumer_group_id)).toEqual(['workers']);
    expect((await call(b, 'DELETE', `${b.cluster}/consumer-groups/workers`)).status).toBe(204);
    expect((await call(b, 'GET', `${b.cluster}/consumer-groups/workers`)).status).toBe(404);
  });
});

describe('HTTP door: health, cluster, docs', () => {
  it('answers /healthz, /readyz, cluster and broker info, the metrics summary and the OpenAPI document', async () => {
    expect((await call(b, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect(await call(b, 'GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
    const clusters = await call(b, 'GET', '/v3/clusters');
    expect(clusters.body.data[0].cluster_id).toBe(b.broker.core.clusterId);
    const brokers = await call(b, 'GET', `${b.cluster}/brokers`);
    expect(brokers.body.data[0]).toMatchObject({ broker_id: 0, port: b.broker.port });
    const summary = await call(b, 'GET', '/v3/metrics/summary');
    expect(summary.body).toMatchObject({ topics: 0, disk_free_bytes: expect.any(Number) });

    const openapi = await call(b, 'GET', '/openapi.json');
    expect(openapi.body.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.body.paths)).toContain('/v3/clusters/{cluster_id}/topics/{topic_name}/records:batch');
    const docs = await fetch(`${b.url}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[a-z]+\.[a-z]+\/[^"']*\.js/);
  });
});
