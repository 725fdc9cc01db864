// Direct reads on accepted sockets: bytes land in the buffer the broker chooses, pause()/resume() stop
// and restart reading, and requests cut at arbitrary points still arrive whole and in order.
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enableDirectReads } from '../../src/broker/transport/direct-read.js';
import {
  ApiKey,
  decodeResponsePayload,
  encodeRequestFrame,
  FrameDecoder,
  ProduceApi,
} from '../../src/protocol/index.js';
import { batchOf, createTopic, readAll, startBroker, values, type TestBroker } from '../helpers/broker.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { elapse, waitFor } from '../helpers/wait-for.js';

describe('enableDirectReads', () => {
  it('reads into the given buffer, emits no data events, and honours pause()/resume()', async () => {
    const landing = Buffer.alloc(4096);
    const received: Buffer[] = [];
    let server!: ReturnType<typeof createServer>;
    const accepted = new Promise<{ socket: Socket; direct: boolean }>((resolve) => {
      server = createServer({ pauseOnConnect: true }, (socket) => {
        const direct = enableDirectReads(
          socket,
          () => landing,
          (n, buf) => {
            expect(buf).toBe(landing);
            received.push(Buffer.from(buf.subarray(0, n)));
          },
        );
        socket.on('data', () => received.push(Buffer.from('DATA EVENT')));
        resolve({ socket, direct });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    const { socket, direct } = await accepted;
    expect(direct).toBe(true);

    const sent = Buffer.alloc(200_000);
    for (let i = 0; i < sent.length; i++) sent[i] = (i * 7 + (i >> 9)) & 0xff;
    client.write(sent.subarray(0, 1000));
    await elapse(100, 'accepted paused: nothing may be read in this window');
    expect(received).toEqual([]);

    socket.resume();
    await waitFor(() => Buffer.concat(received).length >= 1000, { message: 'the first 1000 bytes to be read' });
    expect(Buffer.concat(received)).toEqual(sent.subarray(0, 1000));

    socket.pause();
    const before = Buffer.concat(received).length;
    client.write(sent.subarray(1000));
    await elapse(100, 'paused: nothing may be read in this window (the kernel keeps the bytes)');
    expect(Buffer.concat(received).length).toBe(before);

    const ended = new Promise((r) => socket.once('end', r));
    socket.resume();
    client.end();
    await ended;
    expect(Buffer.concat(received)).toEqual(sent);
    socket.destroy();
    client.destroy();
    await new Promise((r) => server.close(r));
  });
});

describe('broker connection with direct reads', () => {
  let t: TestBroker;
  beforeEach(async () => {
    t = await startBroker();
  });
  afterEach(async () => t.stop());
  afterAll(removeTempDirs);

  it('stores large and small produce requests cut into odd-sized pieces, answered in order', async () => {
    const admin = await t.client();
    await createTopic(admin, 'direct', 1, { 'max.message.bytes': String(4 * 1024 * 1024) });
    // Requests from 200 bytes to ~1.5 MiB: small ones complete inside the scratch buffer, large ones
    // are read straight into their frame buffer.
    const expected: string[] = [];
    const stream: Buffer[] = [];
    for (let i = 0; i < 12; i++) {
      const size = i % 3 === 0 ? 500_000 + i * 100_000 : 200 + i * 37;
      const value = `${i}:${String.fromCharCode(97 + i).repeat(size)}`;
      expected.push(value);
      const { body, tail } = ProduceApi.encodeRequest({
        acks: 1,
        timeoutMs: 5000,
        topics: [{ name: 'direct', partitions: [{ partition: 0, records: batchOf([value]) }] }],
      });
      stream.push(
        ...encodeRequestFrame(
          { apiKey: ApiKey.Produce, apiVersion: 0, correlationId: 100 + i, clientId: 'direct' },
          body,
          tail,
        ),
      );
    }
    const bytes = Buffer.concat(stream);

    const socket = connect(t.port, '127.0.0.1');
    const decoder = new FrameDecoder(1 << 30);
    const answers: Array<{ correlationId: number; errorCode: number }> = [];
    socket.on('data', (chunk: Buffer) => {
      for (const payload of decoder.push(chunk)) {
        const frame = decodeResponsePayload(payload);
        const response = ProduceApi.decodeResponse(frame.body, frame.tail, 0);
        answers.push({ correlationId: frame.correlationId, errorCode: response.topics[0]!.partitions[0]!.errorCode });
      }
    });
    await new Promise((r) => socket.once('connect', r));
    // Cut points of varied sizes (1 byte to ~90 KiB), some with a pause so reads see partial frames.
    let pos = 0;
    for (let k = 0; pos < bytes.length; k++) {
      const n = Math.min(bytes.length - pos, [1, 3, 17_000, 90_001, 4, 65_536, 700][k % 7]!);
      socket.write(bytes.subarray(pos, pos + n));
      pos += n;
      if (k % 5 === 0) await elapse(1, 'a gap in the stream: the broker reads a partial frame');
    }
    await waitFor(() => answers.length === 12, { timeoutMs: 20_000, message: 'all 12 answers' });
    socket.destroy();
    expect(answers).toEqual(expected.map((_, i) => ({ correlationId: 100 + i, errorCode: 0 })));
    expect(values(await readAll(admin, 'direct', 0))).toEqual(expected);
  });
});
