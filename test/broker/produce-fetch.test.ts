// Produce → fetch round trips through a live in-process broker, with raw protocol frames.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiKey, ErrorCode, FetchApi, ListOffsetsApi, ProduceApi } from '../../src/protocol/index.js';
import { buildRecordBatch, CompressionCodec } from '../../src/records/index.js';
import {
  batchOf,
  createTopic,
  fetchPartition,
  produce,
  readAll,
  recordsOf,
  startBroker,
  values,
  type TestBroker,
} from '../helpers/broker.js';
import { rawBatch } from '../helpers/raw-batch.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import type { WireClient } from '../helpers/wire-client.js';

let t: TestBroker;
let client: WireClient;

beforeEach(async () => {
  t = await startBroker();
  client = await t.client();
});
afterEach(async () => t.stop());
afterAll(removeTempDirs);

describe('produce and fetch', () => {
  it('round-trips records across partitions with dense offsets', async () => {
    expect((await createTopic(client, 'orders', 3)).errorCode).toBe(ErrorCode.NONE);
    for (let p = 0; p < 3; p++) {
      const first = await produce(client, 'orders', p, batchOf([`p${p}-a`, `p${p}-b`]));
      expect(first).toMatchObject({ errorCode: 0, baseOffset: 0 });
      const second = await produce(client, 'orders', p, batchOf([`p${p}-c`]));
      expect(second).toMatchObject({ errorCode: 0, baseOffset: 2 });
    }
    for (let p = 0; p < 3; p++) {
      const records = await readAll(client, 'orders', p);
      expect(values(records)).toEqual([`p${p}-a`, `p${p}-b`, `p${p}-c`]);
      expect(records.map((r) => r.offset)).toEqual([0, 1, 2]);
    }
  });

  it('appends to several partitions in one request and answers each', async () => {
    await createTopic(client, 'multi', 2);
    const res = await client.request(ProduceApi, {
      acks: 1,
      timeoutMs: 1000,
      topics: [
        {
          name: 'multi',
          partitions: [
            { partition: 0, records: batchOf(['x']) },
            { partition: 1, records: Buffer.concat([batchOf(['y1']), batchOf(['y2', 'y3'])]) },
          ],
        },
      ],
    });
    expect(res.topics[0]!.partitions.map((p) => [p.partition, p.errorCode, p.baseOffset])).toEqual([
      [0, 0, 0],
      [1, 0, 0],
    ]);
    expect(values(await readAll(client, 'multi', 1))).toEqual(['y1', 'y2', 'y3']);
  });

  it('answers a request mixing a missing partition, an existing topic and a new one, in request order', async () => {
    await createTopic(client, 'known', 1);
    const res = await client.request(ProduceApi, {
      acks: 1,
      timeoutMs: 1000,
      topics: [
        { name: 'known', partitions: [{ partition: 5, records: batchOf(['lost']) }] },
        { name: 'new-one', partitions: [{ partition: 0, records: batchOf(['n']) }] },
        { name: 'known', partitions: [{ partition: 0, records: batchOf(['k']) }] },
      ],
    });
    expect(res.topics.map((t) => [t.name, t.partitions.map((p) => [p.partition, p.errorCode, p.baseOffset])])).toEqual([
      ['known', [[5, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1]]],
      ['new-one', [[0, 0, 0]]],
      ['known', [[0, 0, 0]]],
    ]);
    expect(values(await readAll(client, 'new-one', 0))).toEqual(['n']);
  });

  it('fetch answers high watermark and log start, and an empty result at the log end', async () => {
    await createTopic(client, 'hw');
    await produce(client, 'hw', 0, batchOf(['a', 'b', 'c']));
    const res = await fetchPartition(client, 'hw', 0, 3);
    expect(res).toMatchObject({ errorCode: 0, highWatermark: 3, logStartOffset: 0, records: [] });
    const mid = await fetchPartition(client, 'hw', 0, 1);
    // Whole batches: the batch holding offset 1 starts at 0.
    expect((await recordsOf(mid)).map((r) => r.offset)).toEqual([0, 1, 2]);
  });

  it('acks=0 gets no response frame but the records are stored', async () => {
    await createTopic(client, 'fire');
    const body = ProduceApi.encodeRequest({
      acks: 0,
      timeoutMs: 1000,
      topics: [{ name: 'fire', partitions: [{ partition: 0, records: batchOf(['f1']) }] }],
    });
    const silent = client.sendOneWay(ApiKey.Produce, body.body, body.tail);
    // A later request on the same connection is answered; the acks=0 one never is.
    const after = await produce(client, 'fire', 0, batchOf(['f2']), 1);
    expect(after.baseOffset).toBe(1);
    expect(client.arrivals).not.toContain(silent);
    expect(values(await readAll(client, 'fire', 0))).toEqual(['f1', 'f2']);
  });

  it('acks=1 and acks=-1 both answer with the base offset', async () => {
    await createTopic(client, 'acks', 1, { flush: 'always' });
    expect((await produce(client, 'acks', 0, batchOf(['one']), 1)).baseOffset).toBe(0);
    expect((await produce(client, 'acks', 0, batchOf(['two']), -1)).baseOffset).toBe(1);
  });

  it('auto-creates a topic on first produce with the default partition count', async () => {
    const res = await produce(client, 'fresh', 0, batchOf(['hello']));
    expect(res.errorCode).toBe(0);
    expect(values(await readAll(client, 'fresh', 0))).toEqual(['hello']);
  });

  it('pipelined produces racing the auto-creation of their topic all succeed, in order', async () => {
    const pending = [];
    for (let i = 0; i < 30; i++) {
      const { body, tail } = ProduceApi.encodeRequest({
        acks: 1,
        timeoutMs: 1000,
        topics: [{ name: 'raced', partitions: [{ partition: 0, records: batchOf([`r${i}`]) }] }],
      });
      pending.push(
        client
          .send(ApiKey.Produce, 0, body, tail)
          .then((raw) => ProduceApi.decodeResponse(raw.body, raw.tail, 0).topics[0]!.partitions[0]!),
      );
    }
    const results = await Promise.all(pending);
    expect(results.map((r) => [r.errorCode, r.baseOffset])).toEqual(results.map((_, i) => [0, i]));
    expect(values(await readAll(client, 'raced', 0))).toEqual(results.map((_, i) => `r${i}`));
  });

  it('pipelined produces are stored in the order sent, however long each takes to check', async () => {
    await createTopic(client, 'mixed');
    const sendProduce = (records: Buffer) => {
      const { body, tail } = ProduceApi.encodeRequest({
        acks: 1,
        timeoutMs: 1000,
        topics: [{ name: 'mixed', partitions: [{ partition: 0, records }] }],
      });
      return client
        .send(ApiKey.Produce, 0, body, tail)
        .then((raw) => ProduceApi.decodeResponse(raw.body, raw.tail, 0).topics[0]!.partitions[0]!);
    };
    const gzipped = (values: string[]) =>
      buildRecordBatch(
        values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: Date.now() })),
        { compression: CompressionCodec.Gzip },
      );
    const first = await gzipped(['g1', 'g2']); // decompressed off the event loop to be checked
    const corrupt = rawBatch({ attributes: 1, section: Buffer.from('not gzip'), recordCount: 1, lastOffsetDelta: 0 });
    const results = await Promise.all([
      sendProduce(first),
      sendProduce(corrupt), // refused after its check: it must not let the next one overtake the first
      sendProduce(batchOf(['plain'])), // checked at once
      sendProduce(await gzipped(['g3'])),
      sendProduce(batchOf(['last'])),
    ]);
    expect(results.map((r) => r.errorCode)).toEqual([0, ErrorCode.INVALID_RECORD, 0, 0, 0]);
    expect(results.map((r) => r.baseOffset)).toEqual([0, -1, 2, 3, 4]);
    expect(values(await readAll(client, 'mixed', 0))).toEqual(['g1', 'g2', 'plain', 'g3', 'last']);
  });

  it('does not auto-create on fetch', async () => {
    const res = await fetchPartition(client, 'nope', 0, 0);
    expect(res.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const offsets = await client.request(ListOffsetsApi, {
      isolationLevel: 0,
      topics: [{ name: 'nope', partitions: [{ partition: 0, timestamp: -1 }] }],
    });
    expect(offsets.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('respects partitionMaxBytes and maxBytes but always returns the first batch whole', async () => {
    await createTopic(client, 'limits', 2);
    const big = 'x'.repeat(2000);
    for (let i = 0; i < 5; i++) await produce(client, 'limits', 0, batchOf([big]));
    await produce(client, 'limits', 1, batchOf([big]));
    const tiny = await fetchPartition(client, 'limits', 0, 0, { partitionMaxBytes: 10 });
    expect((await recordsOf(tiny)).length).toBe(1);
    const some = await fetchPartition(client, 'limits', 0, 0, { partitionMaxBytes: 4500 });
    expect((await recordsOf(some)).length).toBe(2);
    const res = await client.request(FetchApi, {
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 100,
      isolationLevel: 0,
      topics: [
        {
          name: 'limits',
          partitions: [
            { partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 },
            { partition: 1, fetchOffset: 0, partitionMaxBytes: 1 << 20 },
          ],
        },
      ],
    });
    const [p0, p1] = res.topics[0]!.partitions;
    expect((await recordsOf(p0!)).length).toBe(1);
    expect(p1!.records).toEqual([]);
    expect(p1!.highWatermark).toBe(1);
  });
});
