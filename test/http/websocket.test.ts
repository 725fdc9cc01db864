// The WebSocket gateway at /ws: subscriptions with and without a group, commits, produce, errors, and
// backpressure (a client that stops reading is cut off with close code 4008, having been sent a bounded
// amount); then the browser client /ws/client.js in real chromium against the SDK, both ways.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { WebSocket } from 'ws';
import { collect, sdkClient } from '../client/helpers.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { openBrowser } from '../helpers/browser.js';
import { call, startHttpBroker, type HttpBroker } from './helpers.js';

let b: HttpBroker | undefined;
afterEach(async () => b?.stop());
afterAll(removeTempDirs);

/** A client→server text frame (masked, as the protocol requires). */
function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = Buffer.from([1, 2, 3, 4]);
  const length =
    payload.length < 126
      ? Buffer.from([0x80 | payload.length])
      : Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x81]), length, mask, masked]);
}

/** Where a server close frame with `code` starts in `stream` (unmasked, short payload), or -1. */
function indexOfClose(stream: Buffer, code: number): number {
  for (let i = stream.indexOf(0x88); i >= 0; i = stream.indexOf(0x88, i + 1)) {
    if (i + 3 < stream.length && stream.readUInt16BE(i + 2) === code) return i;
  }
  return -1;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function scrape(broker: HttpBroker): Promise<string> {
  return (await call(broker, 'GET', '/metrics')).body as string;
}

/** A sample of the scrape: `name` with exactly `labels` (e.g. 'reader="own"'), or without labels. */
function metric(text: string, name: string, labels?: string): number {
  const prefix = labels ? `${name}{${labels}} ` : `${name} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  if (!line) throw new Error(`no ${prefix.trim()} in the scrape`);
  return Number(line.slice(prefix.length));
}

/** A raw WebSocket client that subscribes, then stops reading (ws's own client would resume its socket). */
async function rawSubscriber(port: number, topic: string, from: string) {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await until(() => Buffer.concat(chunks).includes('\r\n\r\n'));
  socket.write(maskedTextFrame(JSON.stringify({ op: 'subscribe', topics: [topic], from })));
  await until(() => Buffer.concat(chunks).includes('"subscribed"'));
  socket.pause();
  return { socket, chunks };
}

interface Client {
  ws: WebSocket;
  messages: Array<Record<string, any>>;
  send(message: object): void;
  next(predicate: (m: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
}

async function open(url: string): Promise<Client> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`);
  const messages: Array<Record<string, any>> = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    messages.push(JSON.parse(data.toString()));
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return {
    ws,
    messages,
    send: (message) => ws.send(JSON.stringify(message)),
    async next(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no such message; got ${JSON.stringify(messages.slice(-3))}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
  };
}

describe('WebSocket gateway', () => {
  it('pushes records to a subscriber without a group, produces, and answers bad messages with errors', async () => {
    b = await startHttpBroker();
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'feed', partitions_count: 2 });
    const client = await open(b.url);
    client.send({ op: 'subscribe', id: 1, topics: ['feed'], from: 'earliest' });
    await client.next((m) => m.type === 'subscribed' && m.id === 1);

    client.send({
      op: 'produce',
      id: 2,
      topic: 'feed',
      records: [
        { partition_id: 1, key: { type: 'STRING', data: 'k' }, value: { type: 'JSON', data: { n: 1 } } },
        { partition_id: 0, value: { type: 'STRING', data: 'plain' } },
      ],
    });
    const produced = await client.next((m) => m.type === 'produced');
    expect(produced.results).toEqual([
      { partition: 1, offset: 0 },
      { partition: 0, offset: 0 },
    ]);
    const json = await client.next((m) => m.type === 'record' && m.partition === 1);
    expect(json).toMatchObject({
      topic: 'feed',
      offset: 0,
      key: { type: 'STRING', data: 'k' },
      value: { data: { n: 1 } },
    });
    await client.next((m) => m.type === 'record' && m.value?.data === 'plain');

    client.ws.send('not json');
    expect((await client.next((m) => m.type === 'error' && m.id === null)).error_code).toBe(400);
    client.send({ op: 'subscribe', id: 3, topics: ['missing'] });
    expect(await client.next((m) => m.id === 3)).toMatchObject({ type: 'error', error_code: 404 });
    client.send({ op: 'commit', id: 4, topic: 'feed', partition: 0, offset: 1 });
    expect(await client.next((m) => m.id === 4)).toMatchObject({ type: 'error', error_code: 409 });
    client.ws.close();
  });

  it('refuses a malformed produce as the REST produce refuses it, and stores nothing of it', async () => {
    b = await startHttpBroker();
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'strict', partitions_count: 1 });
    const client = await open(b.url);
    const produce = async (id: string, records: unknown) => {
      client.send({ op: 'produce', id, topic: 'strict', records });
      return client.next((m) => m.id === id);
    };
    expect(await produce('scalars', [null, 5, 'x'])).toMatchObject({
      type: 'error',
      error_code: 400,
      message: expect.stringContaining('records/0 must be object'),
    });
    // The same record through REST: the same refusal, in the same words.
    const bad = { key: 'rawstring', value: 12 };
    const rest = await call(b, 'POST', `${b.cluster}/topics/strict/records:batch`, { entries: [bad] });
    expect(rest.body).toEqual({ error_code: 400, message: 'invalid request: body/entries/0/key must be object,null' });
    expect(await produce('raw', [bad])).toEqual({
      type: 'error',
      id: 'raw',
      error_code: 400,
      message: 'invalid request: message/records/0/key must be object,null',
    });
    expect(await produce('headers', [{ value: { data: 1 }, headers: [null] }])).toMatchObject({
      type: 'error',
      error_code: 400,
      message: 'invalid request: message/records/0/headers/0 must be object',
    });
    // One bad record refuses the whole message.
    expect(await produce('mixed', [{ value: { data: 'ok' } }, { value: { type: 'BINARY', data: '!' } }])).toMatchObject(
      { type: 'error', error_code: 400 },
    );
    expect(await produce('none', [])).toMatchObject({ type: 'error', error_code: 400 });
    const stored = await call(b, 'GET', `${b.cluster}/topics/strict/partitions/0/records`);
    expect(stored.body.data).toEqual([]);
    expect(await produce('good', [{ value: { data: 'ok' } }])).toMatchObject({
      type: 'produced',
      results: [{ partition: 0, offset: 0 }],
    });
    client.ws.close();
  });

  it('refuses a per-record id on produce: answers come in order, an id would name nothing', async () => {
    b = await startHttpBroker();
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'plain', partitions_count: 1 });
    const client = await open(b.url);
    client.send({ op: 'produce', id: 'ids', topic: 'plain', records: [{ id: 'r-1', value: { data: 1 } }] });
    expect(await client.next((m) => m.id === 'ids')).toEqual({
      type: 'error',
      id: 'ids',
      error_code: 400,
      message: 'invalid request: message/records/0 must NOT have property "id"',
    });
    expect((await call(b, 'GET', `${b.cluster}/topics/plain/partitions/0`)).body.high_watermark).toBe(0);
    // A REST body names the property it does not take in the same words.
    const rest = await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'typo', partition_count: 2 });
    expect(rest.body).toEqual({
      error_code: 400,
      message: 'invalid request: body must NOT have property "partition_count"',
    });
    client.ws.close();
  });

  it('checks subscribe, settle and commit messages with schemas, naming the field, and starts nothing', async () => {
    b = await startHttpBroker();
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'checked', partitions_count: 1 });
    const client = await open(b.url);
    let n = 0;
    const ask = async (message: object) => {
      const id = ++n;
      client.send({ ...message, id });
      return client.next((m) => m.id === id);
    };
    const refusal = (message: string) => ({ type: 'error', error_code: 400, message: `invalid request: ${message}` });
    const subscribe = (extra: object) => ask({ op: 'subscribe', topics: ['checked'], ...extra });
    // A misspelt setting is refused, not ignored (a typo of shareGroup would read every record as a plain subscriber).
    expect(await subscribe({ sharegroup: 'workers' })).toMatchObject(
      refusal('message must NOT have property "sharegroup"'),
    );
    expect(await subscribe({ shareGroup: 'w', retry: { maxAttempts: 2, backof: { type: 'fixed' } } })).toMatchObject(
      refusal('message/retry must NOT have property "backof"'),
    );
    expect(await subscribe({ shareGroup: 'w', maxInFlight: '5' })).toMatchObject(
      refusal('message/maxInFlight must be integer'),
    );
    expect(await subscribe({ format: 'xml' })).toMatchObject(refusal('message/format must be one of "json", "binary"'));
    expect(await subscribe({ from: 'first' })).toMatchObject(
      refusal('message/from must match pattern "^(earliest|latest)$"'),
    );
    expect(await subscribe({ from: -1 })).toMatchObject(refusal('message/from must be >= 0'));
    expect(await ask({ op: 'subscribe', topics: [] })).toMatchObject(
      refusal('message/topics must NOT have fewer than 1 items'),
    );
    expect(await ask({ op: 'ack', topic: 'checked', partition: '0', offset: 0 })).toMatchObject(
      refusal('message/partition must be integer'),
    );
    expect(await ask({ op: 'fail', topic: 'checked', partition: 0, offset: 0, error: 42 })).toMatchObject(
      refusal('message/error must be string,null'),
    );
    expect(await ask({ op: 'commit', topic: 'checked', partition: 0 })).toMatchObject(
      refusal("message must have required property 'offset'"),
    );
    // Nothing was joined: no share group exists, and a well-formed subscribe still works.
    expect((await call(b, 'GET', `${b.cluster}/share-groups/w`)).status).toBe(404);
    expect(await subscribe({ from: 'earliest' })).toMatchObject({ type: 'subscribed' });
    client.ws.close();
  });

  it('joins a group as the SDK does and commits where the client says', async () => {
    b = await startHttpBroker();
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'tasks', partitions_count: 1 });
    const entries = Array.from({ length: 5 }, (_, i) => ({ value: { data: i } }));
    await call(b, 'POST', `${b.cluster}/topics/tasks/records:batch`, { entries });
    const client = await open(b.url);
    client.send({ op: 'subscribe', id: 'g', topics: ['tasks'], group: 'web', from: 'earliest' });
    await client.next((m) => m.type === 'subscribed');
    const third = await client.next((m) => m.type === 'record' && m.offset === 2);
    client.send({ op: 'commit', id: 'c', topic: 'tasks', partition: 0, offset: third.offset + 1 });
    await client.next((m) => m.type === 'committed' && m.id === 'c');

    const members = await call(b, 'GET', `${b.cluster}/consumer-groups/web/consumers`);
    expect(members.body.data[0].client_id).toBe('sluice-ws');
    const lags = await call(b, 'GET', `${b.cluster}/consumer-groups/web/lags`);
    expect(lags.body.data[0]).toMatchObject({ current_offset: 3, lag: 2 });
    client.ws.close();
  });

  it('stops reading for a client that does not read, then closes it with 4008', async () => {
    b = await startHttpBroker({}, { wsMaxBufferedBytes: 64 * 1024, wsStuckTimeoutMs: 300 });
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'flood', partitions_count: 1 });
    const producer = sdkClient(b.broker.port).producer();
    await producer.connect();
    const value = Buffer.alloc(64 * 1024, 0x78);
    for (let i = 0; i < 8; i++) {
      await producer.send({ topic: 'flood', messages: Array.from({ length: 100 }, () => ({ value })) });
    }
    await producer.disconnect();
    // A raw WebSocket client that stops reading after its subscribe (ws's own client resumes its socket).
    const socket = connect(b.http.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    await until(() => Buffer.concat(chunks).includes('\r\n\r\n'));
    socket.write(maskedTextFrame(JSON.stringify({ op: 'subscribe', topics: ['flood'], from: 'earliest' })));
    socket.pause();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const ended = new Promise((resolve) => socket.once('end', resolve));
    socket.resume();
    await until(() => indexOfClose(Buffer.concat(chunks), 4008) >= 0, 20_000);
    const stream = Buffer.concat(chunks);
    const records = stream.toString('latin1').split('"type":"record"').length - 1;
    expect(records).toBeGreaterThan(0);
    expect(records).toBeLessThan(800);
    socket.end();
    await ended;
  }, 90_000);

  it('sends records as binary frames with the value bytes as stored, beside JSON subscribers of the same partition', async () => {
    b = await startHttpBroker();
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'bytes', partitions_count: 1 });
    const binary = await open(b.url);
    const binaryFrames: Buffer[] = [];
    binary.ws.on('message', (data, isBinary) => {
      if (isBinary) binaryFrames.push(data as Buffer);
    });
    const json = await open(b.url);
    const member = await open(b.url);
    const memberFrames: Buffer[] = [];
    member.ws.on('message', (data, isBinary) => {
      if (isBinary) memberFrames.push(data as Buffer);
    });
    binary.send({ op: 'subscribe', id: 1, topics: ['bytes'], format: 'binary' });
    json.send({ op: 'subscribe', id: 2, topics: ['bytes'] });
    member.send({ op: 'subscribe', id: 3, topics: ['bytes'], group: 'raw', from: 'earliest', format: 'binary' });
    await Promise.all([binary, json, member].map((c) => c.next((m) => m.type === 'subscribed')));
    json.send({ op: 'subscribe', id: 4, topics: ['bytes'], format: 'xml' });
    expect(await json.next((m) => m.id === 4)).toMatchObject({ type: 'error', error_code: 400 });
    json.send({ op: 'subscribe', id: 5, topics: ['bytes'] });
    await json.next((m) => m.id === 5 && m.type === 'subscribed');

    const raw = Buffer.from([0xff, 0x00, 0x80, 0x7b]);
    const producer = sdkClient(b.broker.port).producer();
    await producer.connect();
    await producer.send({
      topic: 'bytes',
      messages: [
        { key: 'k', value: raw, headers: { h: 'v' } },
        { key: 'empty', value: null },
      ],
    });
    await producer.disconnect();
    const decode = (frame: Buffer) => {
      const length = frame.readUInt32BE(0);
      const header = JSON.parse(frame.subarray(4, 4 + length).toString());
      return { header, value: frame.subarray(4 + length) };
    };
    await until(() => binaryFrames.length === 2 && memberFrames.length === 2);
    for (const frames of [binaryFrames, memberFrames]) {
      const [first, second] = frames.map(decode);
      expect(first!.header).toMatchObject({
        type: 'record',
        topic: 'bytes',
        partition: 0,
        offset: 0,
        key: { type: 'STRING', data: 'k' },
        value_size: 4,
        headers: [{ name: 'h', value: Buffer.from('v').toString('base64') }],
      });
      expect(first!.value).toEqual(raw);
      expect(second!.header).toMatchObject({ offset: 1, value_size: -1 });
      expect(second!.value.length).toBe(0);
    }
    const asJson = await json.next((m) => m.type === 'record' && m.offset === 0);
    expect(asJson.value).toEqual({ type: 'BINARY', data: raw.toString('base64'), size: 4 });
    for (const client of [binary, json, member]) client.ws.close();
  });

  it('serves many sockets on one partition from one shared read per batch, and a late one catches up then joins', async () => {
    b = await startHttpBroker();
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'wide', partitions_count: 1 });
    const producer = sdkClient(b.broker.port).producer();
    await producer.connect();
    await producer.send({ topic: 'wide', messages: Array.from({ length: 10 }, (_, i) => ({ value: `early-${i}` })) });
    const sockets = await Promise.all(Array.from({ length: 40 }, () => open(b!.url)));
    for (const [i, client] of sockets.entries()) client.send({ op: 'subscribe', id: i, topics: ['wide'] });
    await Promise.all(sockets.map((client) => client.next((m) => m.type === 'subscribed')));
    expect(metric(await scrape(b), 'sluice_websocket_tail_readers')).toBe(1);

    const batches = 20;
    for (let n = 0; n < batches; n++) {
      await producer.send({ topic: 'wide', messages: Array.from({ length: 5 }, (_, i) => ({ value: `b${n}-${i}` })) });
      if (n === 10) {
        // A late socket from the start reads on its own until it reaches the tail, then shares it.
        const late = await open(b.url);
        late.send({ op: 'subscribe', id: 'late', topics: ['wide'], from: 'earliest' });
        sockets.push(late);
      }
    }
    await producer.disconnect();
    const last = 10 + batches * 5 - 1;
    await Promise.all(sockets.map((client) => client.next((m) => m.type === 'record' && m.offset === last)));
    for (const [i, client] of sockets.entries()) {
      const offsets = client.messages.filter((m) => m.type === 'record').map((m) => m.offset);
      const first = i === sockets.length - 1 ? 0 : 10;
      expect(offsets).toEqual(Array.from({ length: last + 1 - first }, (_, n) => first + n));
    }
    const text = await scrape(b);
    // Reading per socket would be at least 41 sockets × 20 batches; shared, it is about a read per batch
    // (plus the empty read that precedes each wait), and the late socket's few reads of its own.
    expect(metric(text, 'sluice_websocket_log_reads_total', 'reader="shared"')).toBeLessThanOrEqual(3 * batches);
    expect(metric(text, 'sluice_websocket_log_reads_total', 'reader="own"')).toBeLessThanOrEqual(5);
    expect(metric(text, 'sluice_websocket_records_sent_total')).toBe(40 * batches * 5 + last + 1);
    for (const client of sockets) client.ws.close();
    await until(async () => metric(await scrape(b!), 'sluice_websocket_tail_readers') === 0);
  });

  it('keeps feeding fast sockets while a stuck one among them is dropped from the tail and closed with 4008', async () => {
    b = await startHttpBroker({}, { wsMaxBufferedBytes: 64 * 1024, wsStuckTimeoutMs: 1000 });
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'mixed', partitions_count: 1 });
    const fast = await Promise.all(Array.from({ length: 3 }, () => open(b!.url)));
    for (const client of fast) client.send({ op: 'subscribe', topics: ['mixed'] });
    const slow = await rawSubscriber(b.http.port, 'mixed', 'latest');
    await Promise.all(fast.map((client) => client.next((m) => m.type === 'subscribed')));
    await until(async () => metric(await scrape(b!), 'sluice_websocket_tail_readers') === 1);

    const producer = sdkClient(b.broker.port).producer();
    await producer.connect();
    const value = Buffer.alloc(64 * 1024, 0x78);
    const records = 400;
    for (let i = 0; i < records / 50; i++) {
      await producer.send({ topic: 'mixed', messages: Array.from({ length: 50 }, () => ({ value })) });
    }
    // The fast sockets get every record while the slow one holds nothing more than its limit and buffers.
    await Promise.all(
      fast.map((client) => client.next((m) => m.type === 'record' && m.offset === records - 1, 30_000)),
    );
    for (const client of fast) expect(client.messages.filter((m) => m.type === 'record')).toHaveLength(records);
    // The kernel's socket buffers may have taken all of that for the paused client: records keep coming
    // (bounded) until the socket has stayed over its limit with more to deliver for wsStuckTimeoutMs.
    for (let i = 0; i < 40 && metric(await scrape(b), 'sluice_websocket_closed_stuck_total') === 0; i++) {
      await producer.send({ topic: 'mixed', messages: Array.from({ length: 10 }, () => ({ value })) });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await producer.disconnect();
    slow.socket.resume();
    await until(() => indexOfClose(Buffer.concat(slow.chunks), 4008) >= 0, 20_000);
    const received = Buffer.concat(slow.chunks).toString('latin1').split('"type":"record"').length - 1;
    const produced = fast[0]!.messages.filter((m) => m.type === 'record').length;
    expect(received).toBeLessThan(Math.max(produced, records));
    const text = await scrape(b);
    expect(metric(text, 'sluice_websocket_left_behind_total')).toBeGreaterThanOrEqual(1);
    expect(metric(text, 'sluice_websocket_closed_stuck_total')).toBe(1);
    slow.socket.destroy();
    for (const client of fast) client.ws.close();
  }, 90_000);

  it('a later subscribe stops the earlier one: two plain subscribes, each record once, the tail readers back after close', async () => {
    b = await startHttpBroker();
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'orders', partitions_count: 3 });
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'other', partitions_count: 1 });
    const watcher = await open(b.url);
    watcher.send({ op: 'subscribe', id: 'w', topics: ['other'] });
    await watcher.next((m) => m.type === 'subscribed');
    await until(async () => metric(await scrape(b!), 'sluice_websocket_tail_readers') === 1);

    const client = await open(b.url);
    client.send({ op: 'subscribe', id: 1, topics: ['orders'] });
    client.send({ op: 'subscribe', id: 2, topics: ['orders'] });
    await client.next((m) => m.type === 'subscribed' && m.id === 2);
    await until(async () => metric(await scrape(b!), 'sluice_websocket_tail_readers') === 4);
    const entries = [0, 1, 2].map((p) => ({ partition_id: p, value: { data: p } }));
    await call(b, 'POST', `${b.cluster}/topics/orders/records:batch`, { entries });
    await until(() => client.messages.filter((m) => m.type === 'record').length >= 3);
    client.ws.close();
    await until(async () => metric(await scrape(b!), 'sluice_websocket_tail_readers') === 1);
    expect(
      client.messages
        .filter((m) => m.type === 'record')
        .map((m) => m.partition)
        .sort(),
    ).toEqual([0, 1, 2]);
    watcher.ws.close();
  });

  it('a later subscribe stops the earlier one in a consumer group: one member, each record once, the group empty after close', async () => {
    b = await startHttpBroker();
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'cg-orders', partitions_count: 1 });
    const client = await open(b.url);
    const subscribe = { op: 'subscribe', topics: ['cg-orders'], group: 'cg-race', from: 'earliest' };
    client.send({ ...subscribe, id: 1 });
    client.send({ ...subscribe, id: 2 });
    await client.next((m) => m.type === 'subscribed' && m.id === 2);
    // The first is answered too: subscribed, or refused as replaced if the second came before it started.
    expect(await client.next((m) => m.id === 1)).toMatchObject({ type: expect.stringMatching(/^(subscribed|error)$/) });
    const entries = Array.from({ length: 5 }, (_, i) => ({ value: { data: i } }));
    await call(b, 'POST', `${b.cluster}/topics/cg-orders/records:batch`, { entries });
    await client.next((m) => m.type === 'record' && m.offset === 4, 30_000);
    const members = await call(b, 'GET', `${b.cluster}/consumer-groups/cg-race/consumers`);
    expect(members.body.data).toHaveLength(1);
    client.ws.close();
    await until(
      async () => (await call(b!, 'GET', `${b!.cluster}/consumer-groups/cg-race/consumers`)).body.data.length === 0,
    );
    expect(client.messages.filter((m) => m.type === 'record').map((m) => m.offset)).toEqual([0, 1, 2, 3, 4]);
    expect((await call(b, 'DELETE', `${b.cluster}/consumer-groups/cg-race`)).status).toBe(204);
  }, 60_000);

  it('a later subscribe stops the earlier one in a share group, and closing leaves the group: nothing held, deletable', async () => {
    b = await startHttpBroker();
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'jobs', partitions_count: 1 });
    const entries = Array.from({ length: 6 }, (_, i) => ({ value: { data: i } }));
    await call(b, 'POST', `${b.cluster}/topics/jobs/records:batch`, { entries });
    const client = await open(b.url);
    const subscribe = { op: 'subscribe', topics: ['jobs'], shareGroup: 'leaky', from: 'earliest', maxInFlight: 3 };
    client.send({ ...subscribe, id: 1 });
    client.send({ ...subscribe, id: 2 });
    await client.next((m) => m.type === 'subscribed' && m.id === 2);
    const group = () => call(b!, 'GET', `${b!.cluster}/share-groups/leaky`);
    await until(async () => (await group()).body.members?.[0]?.held === 3);
    expect((await group()).body.members).toHaveLength(1);
    client.ws.close();
    await until(async () => (await group()).body.members.length === 0);
    expect((await group()).body).toMatchObject({ partitions: [{ acquired: 0, available: 6 }] });
    expect((await call(b, 'DELETE', `${b.cluster}/share-groups/leaky`)).status).toBe(204);
  });

  it('closing a socket whose subscribes are still starting leaves no member behind', async () => {
    b = await startHttpBroker();
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'jobs', partitions_count: 1 });
    await call(b, 'POST', `${b.cluster}/topics/jobs/records:batch`, { entries: [{ value: { data: 1 } }] });
    const client = await open(b.url);
    const subscribe = { op: 'subscribe', topics: ['jobs'], shareGroup: 'closing', from: 'earliest' };
    client.send(subscribe);
    client.send(subscribe);
    client.ws.close();
    // The first start joins the group whatever comes next; the close undoes it: no member, nothing held.
    const group = () => call(b!, 'GET', `${b!.cluster}/share-groups/closing`);
    await until(async () => {
      const described = await group();
      return described.status === 200 && described.body.members.length === 0;
    });
    expect((await group()).body.partitions[0]).toMatchObject({ acquired: 0, available: 1 });
    expect((await call(b, 'DELETE', `${b.cluster}/share-groups/closing`)).status).toBe(204);
  });

  it('serves /ws/client.js: a page subscribes and gets SDK records, a page produces and the SDK consumes', async () => {
    b = await startHttpBroker();
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'chat', partitions_count: 1 });
    const browser = await openBrowser();
    try {
      const { page } = browser;
      await page.goto(`${b.url}/`);
      // Runs in the page: the browser client subscribes as a group member.
      await page.evaluate(`(async () => {
        const { connect } = await import('/ws/client.js');
        window.received = [];
        window.sluice = await connect();
        await window.sluice.subscribe(['chat'], { group: 'page', from: 'earliest' }, (r) => window.received.push(r));
      })()`);
      const sluice = sdkClient(b.broker.port);
      const producer = sluice.producer();
      await producer.connect();
      await producer.send({ topic: 'chat', messages: [{ key: 'sdk', value: 'hello page', headers: { lang: 'en' } }] });
      await producer.disconnect();
      await page.waitForFunction('window.received.length >= 1');
      const got = await page.evaluate('window.received[0]');
      expect(got).toMatchObject({ key: { data: 'sdk' }, value: { data: 'hello page' }, headers: { lang: 'en' } });
      // A second socket of the page takes the same record as a binary frame: the value's bytes as a Uint8Array.
      const bytes = await page.evaluate(`(async () => {
        const { connect } = await import('/ws/client.js');
        const raw = await connect();
        return new Promise((resolve) => {
          raw.subscribe(['chat'], { from: 'earliest', format: 'binary' }, (r) =>
            resolve({ offset: r.offset, isBytes: r.value instanceof Uint8Array, text: new TextDecoder().decode(r.value) }),
          );
        });
      })()`);
      expect(bytes).toEqual({ offset: 0, isBytes: true, text: 'hello page' });

      const results = await page.evaluate(
        "window.sluice.produce('chat', [{ key: 'page', value: { from: 'browser' } }])",
      );
      expect(results).toEqual([{ partition: 0, offset: 1 }]);
      const consumer = sluice.consumer({ groupId: 'sdk-side' });
      await consumer.connect();
      await consumer.subscribe({ topic: 'chat', fromBeginning: true });
      const consumed = await collect(consumer, 2);
      await consumer.disconnect();
      expect(JSON.parse(consumed[1]!.message.value!.toString())).toEqual({ from: 'browser' });
      await browser.screenshot('ws-client');
      expect(browser.errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('/ws/client.js sends header values as UTF-8, a lone surrogate as U+FFFD instead of throwing', async () => {
    b = await startHttpBroker();
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'utf8', partitions_count: 1 });
    const browser = await openBrowser();
    try {
      const { page } = browser;
      await page.goto(`${b.url}/`);
      // A lone high surrogate (\uD800) is what a string cut in the middle of an emoji holds.
      const results = await page.evaluate(`(async () => {
        const { connect } = await import('/ws/client.js');
        const sluice = await connect();
        return sluice.produce('utf8', [{ value: 'v', headers: { lang: 'é€日本', cut: 'a\\uD800b' } }]);
      })()`);
      expect(results).toEqual([{ partition: 0, offset: 0 }]);
      const consumer = sdkClient(b.broker.port).consumer({ groupId: 'utf8-headers' });
      await consumer.connect();
      await consumer.subscribe({ topic: 'utf8', fromBeginning: true });
      const [consumed] = await collect(consumer, 1);
      await consumer.disconnect();
      const headers = consumed!.message.headers!;
      expect(Object.fromEntries(Object.entries(headers).map(([name, v]) => [name, String(v)]))).toEqual({
        lang: 'é€日本',
        cut: 'a\uFFFDb',
      });
      expect(browser.errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
