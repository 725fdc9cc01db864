// FetchPush on the wire: a stream pushes what is appended, frame by frame, each from where the last ended,
// never more than the credit granted (plus one batch); FetchPushCredit tops it up or ends it; the stream
// ends on its own after maxIdleMs, with a partition error, and when the broker stops. A plain Fetch beside
// it on the same broker is unchanged.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { PushWait } from '../../src/broker/fetch/push-wait.js';
import {
  ApiKey,
  ErrorCode,
  FetchPushApi,
  FetchPushCreditApi,
  type FetchPushRequest,
  type FetchPushResponse,
} from '../../src/protocol/index.js';
import { decodeRecordBatches } from '../../src/records/index.js';
import {
  batchOf,
  createTopic,
  fetchPartition,
  produce,
  recordsOf,
  startBroker,
  type TestBroker,
} from '../helpers/broker.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import type { RawResponse, WireClient } from '../helpers/wire-client.js';
import { countingFs } from '../helpers/counting-fs.js';

afterAll(removeTempDirs);
let broker: TestBroker | undefined;
afterEach(async () => {
  await broker?.stop();
  broker = undefined;
});

/** An open stream: every frame it got so far (decoded), and its final frame once it ended. */
interface Stream {
  id: number;
  frames: FetchPushResponse[];
  final: Promise<FetchPushResponse>;
}

function open(
  client: WireClient,
  request: Partial<FetchPushRequest> & { topic: string; fetchOffset?: number },
): Stream {
  const { topic, fetchOffset = 0, ...rest } = request;
  const body: FetchPushRequest = {
    maxIdleMs: 10_000,
    maxBytes: 1024 * 1024,
    creditBytes: 1024 * 1024,
    isolationLevel: 0,
    topics: [{ name: topic, partitions: [{ partition: 0, fetchOffset, partitionMaxBytes: 1024 * 1024 }] }],
    ...rest,
  };
  const id = client.newCorrelationId();
  const frames: FetchPushResponse[] = [];
  let ended!: (frame: FetchPushResponse) => void;
  const final = new Promise<FetchPushResponse>((resolve) => (ended = resolve));
  const decode = (raw: RawResponse) => FetchPushApi.decodeResponse(raw.body, raw.tail, 0);
  client.onFrame = (raw) => {
    if (raw.correlationId !== id) return;
    const frame = decode(raw);
    frames.push(frame);
    if (frame.final) ended(frame);
  };
  const encoded = FetchPushApi.encodeRequest(body);
  // Its first frame resolves this; the rest arrive through onFrame. A closed connection rejects it.
  client.send(ApiKey.FetchPush, 0, encoded.body, encoded.tail, id).catch(() => {});
  return { id, frames, final };
}

function grant(client: WireClient, streamId: number, creditBytes: number, end = false): void {
  client.sendOneWay(ApiKey.FetchPushCredit, FetchPushCreditApi.encodeRequest({ streamId, creditBytes, end }).body);
}

/** Values of every record the stream's frames carried, in order. */
async function valuesOf(frames: FetchPushResponse[]): Promise<string[]> {
  const out: string[] = [];
  for (const f of frames)
    for (const t of f.topics)
      for (const p of t.partitions) {
        const batches = await decodeRecordBatches(Buffer.concat(p.records));
        for (const b of batches) for (const r of b.records) out.push(r.value!.toString());
      }
  return out;
}

function recordBytes(frame: FetchPushResponse): number {
  let n = 0;
  for (const t of frame.topics) for (const p of t.partitions) for (const c of p.records) n += c.length;
  return n;
}

/** The whole log of topic `t`, partition 0, as one plain Fetch returns it. */
async function recordsBytesOf(client: WireClient): Promise<Buffer> {
  const fetched = await fetchPartition(client, 't', 0, 0, { maxBytes: 64 * 1024 * 1024 });
  return Buffer.concat(fetched.records);
}

/** The values fortyFromFiles() writes. */
const FORTY = Array.from({ length: 40 }, (_, i) => `${i}`.padEnd(20_000, 'x'));

/**
 * A broker whose reads of topic `t` come from its segment files (no tail cache), counted: 40 records of 20 KB,
 * one per batch. `total`: the log's bytes; `consumer`: a connection that has read nothing yet.
 */
async function fortyFromFiles(): Promise<{
  files: ReturnType<typeof countingFs>;
  total: number;
  consumer: WireClient;
}> {
  const files = countingFs();
  const started = await startBroker({ fs: files.fs, tailCacheTotalBytes: 0 });
  broker = started;
  const producer = await started.client();
  await createTopic(producer, 't');
  for (const value of FORTY) await produce(producer, 't', 0, batchOf([value]));
  return { files, total: (await recordsBytesOf(producer)).length, consumer: await started.client() };
}

describe('FetchPush', () => {
  it('pushes each append as a frame of its own, in order, without a request per frame', async () => {
    broker = await startBroker();
    const producer = await broker.client();
    await createTopic(producer, 't');
    const consumer = await broker.client();
    const stream = open(consumer, { topic: 't' });
    for (let i = 0; i < 5; i++) {
      await produce(producer, 't', 0, batchOf([`v${i}`]));
      await waitFor(() => stream.frames.length === i + 1);
    }
    expect(stream.frames.every((f) => !f.final)).toBe(true);
    expect(await valuesOf(stream.frames)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
    // Ended on request: the final frame follows, and nothing is pushed after it.
    grant(consumer, stream.id, 0, true);
    const final = await stream.final;
    expect(final.topics).toEqual([]);
    await produce(producer, 't', 0, batchOf(['late']));
    const fetched = await fetchPartition(consumer, 't', 0, 5); // the connection goes on serving requests
    expect((await recordsOf(fetched)).map((r) => r.value!.toString())).toEqual(['late']);
    expect(stream.frames).toHaveLength(6);
  });

  it('waits once per append: the frame it pushed being written does not wake it', async () => {
    const arms = vi.spyOn(PushWait.prototype, 'arm');
    broker = await startBroker();
    const producer = await broker.client();
    await createTopic(producer, 't');
    const consumer = await broker.client();
    const stream = open(consumer, { topic: 't' });
    for (let i = 0; i < 5; i++) {
      await produce(producer, 't', 0, batchOf([`v${i}`]));
      await waitFor(() => stream.frames.length === i + 1);
    }
    grant(consumer, stream.id, 0, true);
    await stream.final;
    // One wait before the first append and one after each frame; a wake by each written frame made 11.
    expect(arms).toHaveBeenCalledTimes(6);
    arms.mockRestore();
  });

  it('with no room in the memory budget for its next read it waits for room and pushes once there is; ended while waiting, it ends at once', async () => {
    const MiB = 1024 * 1024;
    // A budget of 1 MiB + 64 KiB: a client holding a 1 MiB frame leaves 64 KiB, less than a stream's first read.
    broker = await startBroker({ maxFrameBytes: MiB, maxInFlightBytes: MiB + 64 * 1024 });
    const producer = await broker.client();
    await createTopic(producer, 't');
    const batch = batchOf(['x'.repeat(20_000)]);
    for (let i = 0; i < 10; i++) expect((await produce(producer, 't', 0, batch)).errorCode).toBe(0);
    const fetchedBytes = async () => {
      const fetched = await fetchPartition(producer, 't', 0, 0, { maxBytes: 10 * MiB });
      return fetched.records.reduce((n, r) => n + r.length, 0);
    };
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(MiB);
    const holdMiB = async () => {
      const holder = await broker!.client();
      holder.write([prefix, Buffer.alloc(1000)]);
      await waitFor(async () => (await fetchedBytes()) < 64 * 1024);
      return holder;
    };
    const pushedBytes = (s: Stream) => s.frames.reduce((n, f) => n + recordBytes(f), 0);

    const holder = await holdMiB();
    const stream = open(await broker.client(), { topic: 't', maxBytes: 256 * 1024 });
    // A fetch on another connection, sent after the stream opened, is answered while the stream waits.
    await fetchedBytes();
    expect(stream.frames).toEqual([]);
    holder.destroy();
    await waitFor(() => pushedBytes(stream) === 10 * batch.length);
    expect(stream.frames.some((f) => recordBytes(f) > 64 * 1024)).toBe(true);

    // Ended while it waits for room: its final frame comes at once, not after its 60 s idle time.
    const holderAgain = await holdMiB();
    const consumer = await broker.client();
    const ending = open(consumer, { topic: 't', maxBytes: 256 * 1024, maxIdleMs: 60_000 });
    await fetchedBytes();
    expect(ending.frames).toEqual([]);
    grant(consumer, ending.id, 0, true);
    const final = await ending.final;
    expect(ending.frames).toEqual([final]);
    expect(recordBytes(final)).toBe(0);
    holderAgain.destroy();
  });

  it('a memory budget smaller than its first read may take does not hold it: an empty budget is room enough', async () => {
    broker = await startBroker({ maxFrameBytes: 128 * 1024, maxInFlightBytes: 256 * 1024 });
    const producer = await broker.client();
    await createTopic(producer, 't');
    await produce(producer, 't', 0, batchOf(['a', 'b']));
    const stream = open(await broker.client(), { topic: 't', maxBytes: 1024 * 1024, maxIdleMs: 60_000 });
    await waitFor(() => stream.frames.length === 1);
    expect(await valuesOf(stream.frames)).toEqual(['a', 'b']);
  });

  it('starts from the requested offset and pushes what is already there at once', async () => {
    broker = await startBroker();
    const producer = await broker.client();
    await createTopic(producer, 't');
    await produce(producer, 't', 0, batchOf(['a', 'b']));
    await produce(producer, 't', 0, batchOf(['c']));
    const stream = open(await broker.client(), { topic: 't', fetchOffset: 2 });
    await waitFor(() => stream.frames.length === 1);
    expect(await valuesOf(stream.frames)).toEqual(['c']);
  });

  it('never pushes more than the credit plus one batch, and goes on when credit is granted', async () => {
    broker = await startBroker();
    const producer = await broker.client();
    await createTopic(producer, 't');
    const oneBatch = batchOf(['x'.repeat(1000)]).length;
    const consumer = await broker.client();
    const stream = open(consumer, { topic: 't', creditBytes: 3 * oneBatch });
    for (let i = 0; i < 10; i++) await produce(producer, 't', 0, batchOf([`${i}`.padEnd(1000, 'x')]));
    await waitFor(() => stream.frames.length > 0);
    // Whatever is pushed comes right after the appends; give the broker every chance to overshoot.
    await fetchPartition(producer, 't', 0, 0);
    const pushed = () => stream.frames.reduce((n, f) => n + recordBytes(f), 0);
    expect(pushed()).toBeLessThanOrEqual(3 * oneBatch + oneBatch);
    expect(pushed()).toBeGreaterThanOrEqual(3 * oneBatch);
    grant(consumer, stream.id, 100 * oneBatch);
    await waitFor(() => pushed() === 10 * oneBatch);
    const values = await valuesOf(stream.frames);
    expect(values.map((v) => v.replace(/x+$/, ''))).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it('reads each byte of the log once while credit-limited frames alternate with full ones', async () => {
    const { files, total, consumer } = await fortyFromFiles();
    const readBefore = files.logBytesRead();
    // Frames of two batches; every third frame is cut short by the credit left (then the next frame's
    // read-ahead, made for that credit, is shorter than the frame the grant allows).
    let granted = 120_000;
    const stream = open(consumer, { topic: 't', maxBytes: 50_000, creditBytes: granted });
    const pushed = () => stream.frames.reduce((n, f) => n + recordBytes(f), 0);
    while (pushed() < total) {
      await waitFor(() => pushed() >= granted || pushed() === total);
      if (pushed() < total) grant(consumer, stream.id, 120_000);
      granted += 120_000;
    }
    expect(stream.frames.map(recordBytes).some((n) => n < 40_000)).toBe(true);
    expect(await valuesOf(stream.frames)).toEqual(FORTY);
    expect(files.logBytesRead() - readBefore).toBe(total);
  });

  it('reads each byte of the log once when a frame went past the credit and the grant tops up a frame less that', async () => {
    const { files, total, consumer } = await fortyFromFiles();
    const batch = total / FORTY.length;
    const readBefore = files.logBytesRead();
    // Frames of up to 2.9 batches. Two batches leave a twentieth of one; the next frame's first batch is
    // whole and goes 0.95 of a batch past the credit. The next frame is read ahead then, before any grant;
    // the client grants a frame's worth (as the SDK tops up once a frame's worth is free), which leaves
    // 1.95 batches: a read-ahead of a whole frame (two batches) would be dropped and read again.
    const maxBytes = Math.floor(2.9 * batch);
    let granted = Math.floor(2.05 * batch);
    const stream = open(consumer, { topic: 't', maxBytes, creditBytes: granted });
    const pushed = () => stream.frames.reduce((n, f) => n + recordBytes(f), 0);
    while (pushed() < total) {
      await waitFor(() => pushed() >= granted || pushed() === total);
      if (pushed() < total) grant(consumer, stream.id, maxBytes);
      granted += maxBytes;
    }
    expect(await valuesOf(stream.frames)).toEqual(FORTY);
    // At most once (the last batch, alone in its frame, may come from the partition's memory).
    expect(files.logBytesRead() - readBefore).toBeLessThanOrEqual(total);
  });

  it('replaying from the files while its reads lag, reads the next two frames at once, each byte once', async () => {
    const { files, total, consumer } = await fortyFromFiles();
    const readBefore = files.logBytesRead();
    files.mostReadsAtOnce(); // from here on
    // Its first read-ahead is taken while still reading (the next frame is read at once): from then on the
    // stream reads two frames ahead, the second from where the index says the first ends.
    const stream = open(consumer, { topic: 't', maxBytes: 50_000, creditBytes: 4 * 1024 * 1024 });
    await waitFor(() => stream.frames.reduce((n, f) => n + recordBytes(f), 0) === total);
    expect(await valuesOf(stream.frames)).toEqual(FORTY);
    expect(files.logBytesRead() - readBefore).toBe(total);
    expect(files.mostReadsAtOnce()).toBeGreaterThanOrEqual(2);
  });

  it('ends after maxIdleMs with nothing pushed, with the partition watermarks', async () => {
    broker = await startBroker();
    const producer = await broker.client();
    await createTopic(producer, 't');
    await produce(producer, 't', 0, batchOf(['a']));
    const stream = open(await broker.client(), { topic: 't', fetchOffset: 1, maxIdleMs: 100 });
    const final = await stream.final;
    expect(stream.frames).toHaveLength(1);
    expect(final.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, highWatermark: 1, records: [] });
  });

  it('ends with the error of a partition that does not exist', async () => {
    broker = await startBroker({ autoCreateTopics: false });
    const stream = open(await broker.client(), { topic: 'missing' });
    const final = await stream.final;
    expect(final.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('ends with a final frame when the broker stops', async () => {
    broker = await startBroker();
    const producer = await broker.client();
    await createTopic(producer, 't');
    const stream = open(await broker.client(), { topic: 't' });
    await produce(producer, 't', 0, batchOf(['a']));
    await waitFor(() => stream.frames.length === 1);
    const stopping = broker.broker.stop();
    const final = await stream.final;
    expect(final.final).toBe(true);
    await stopping;
  });

  it('a plain Fetch on another connection is answered as before while a stream is open', async () => {
    broker = await startBroker();
    const producer = await broker.client();
    await createTopic(producer, 't');
    const stream = open(await broker.client(), { topic: 't' });
    const other = await broker.client();
    const parked = fetchPartition(other, 't', 0, 0, { maxWaitMs: 5000 });
    await produce(producer, 't', 0, batchOf(['a', 'b']));
    const fetched = await parked;
    expect((await recordsOf(fetched)).map((r) => r.value!.toString())).toEqual(['a', 'b']);
    await waitFor(() => stream.frames.length === 1);
    expect(await valuesOf(stream.frames)).toEqual(['a', 'b']);
  });

  it('a closed connection drops its stream', async () => {
    broker = await startBroker();
    const producer = await broker.client();
    await createTopic(producer, 't');
    const consumer = await broker.client();
    open(consumer, { topic: 't' });
    const sessions = (broker.broker as unknown as { fetchSessions: { streams: number } }).fetchSessions;
    await waitFor(() => sessions.streams === 1);
    consumer.destroy();
    await waitFor(() => sessions.streams === 0);
    await produce(producer, 't', 0, batchOf(['a'])); // nothing is written to the closed connection
  });
});
