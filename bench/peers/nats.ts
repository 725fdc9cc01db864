// NATS JetStream as a peer: file storage, async publish (every PUB carries a reply subject for its
// ack, many in flight) and a pull consumer, spoken over the raw text protocol — no client library.
import { connect, type Socket } from 'node:net';
import { startPeerServer } from '../lib/processes.js';
import { afterFirst } from '../lib/stats.js';
import type { PeerResult } from './redis.js';

const CRLF = Buffer.from('\r\n');

/** Minimal protocol reader: counts MSG deliveries per subject, answers PING, keeps the last payload. */
class NatsReader {
  private buf: Buffer = Buffer.alloc(0);
  readonly counts = new Map<string, number>();
  lastPayload: Buffer = Buffer.alloc(0);
  onChange: (() => void) | undefined;

  constructor(private readonly socket: Socket) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let pos = 0;
    for (;;) {
      const nl = this.buf.indexOf(CRLF, pos);
      if (nl < 0) break;
      const line = this.buf.toString('latin1', pos, nl);
      if (line.startsWith('MSG ') || line.startsWith('HMSG ')) {
        const parts = line.split(' ');
        const total = Number(parts[parts.length - 1]);
        if (this.buf.length < nl + 2 + total + 2) break;
        if (parts[0] === 'MSG') {
          this.counts.set(parts[1]!, (this.counts.get(parts[1]!) ?? 0) + 1);
          this.lastPayload = this.buf.subarray(nl + 2, nl + 2 + total);
        }
        pos = nl + 2 + total + 2;
      } else {
        if (line === 'PING') this.socket.write('PONG\r\n');
        if (line.startsWith('-ERR')) throw new Error(`nats: ${line}`);
        pos = nl + 2;
      }
    }
    this.buf = this.buf.subarray(pos);
    this.onChange?.();
  }

  count(subject: string): number {
    return this.counts.get(subject) ?? 0;
  }

  async waitFor(subject: string, n: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.count(subject) < n) {
      if (Date.now() > deadline) throw new Error(`nats: timed out waiting for ${n} messages on ${subject}`);
      await new Promise<void>((r) => {
        this.onChange = r;
        setTimeout(r, 200);
      });
    }
  }
}

function pub(subject: string, reply: string, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.concat([Buffer.from(`PUB ${subject} ${reply} ${body.length}\r\n`), body, CRLF]);
}

async function request(
  socket: Socket,
  reader: NatsReader,
  subject: string,
  payload: object,
  inbox: string,
): Promise<unknown> {
  const before = reader.count(inbox);
  socket.write(pub(subject, inbox, JSON.stringify(payload)));
  await reader.waitFor(inbox, before + 1, 10_000);
  const reply = JSON.parse(reader.lastPayload.toString()) as { error?: { description: string } };
  if (reply.error) throw new Error(`nats ${subject}: ${reply.error.description}`);
  return reply;
}

/** nats-server with JetStream (installed from Debian when missing) on loopback, file storage in a fresh directory. */
export function startNatsServer(): Promise<{ port: number; stop: () => Promise<void> }> {
  return startPeerServer('nats-server', 'nats-server', (port, dir) => [
    '-js',
    '-a',
    '127.0.0.1',
    '-p',
    String(port),
    '-sd',
    dir,
  ]);
}

/** Publishes `records` messages of `size` bytes with up to `window` acks outstanding, then pulls them back. */
export async function benchNats(records: number, size: number, window = 2000): Promise<PeerResult> {
  const { port, stop } = await startNatsServer();
  try {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.setNoDelay(true);
    const reader = new NatsReader(socket);
    socket.on('data', (c: Buffer) => reader.push(c));
    socket.write(
      'CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true,"protocol":1}\r\nSUB _INBOX.b.> 1\r\n',
    );
    await request(
      socket,
      reader,
      '$JS.API.STREAM.CREATE.BENCH',
      { name: 'BENCH', subjects: ['bench.data'], storage: 'file' },
      '_INBOX.b.admin',
    );

    const one = pub('bench.data', '_INBOX.b.ack', Buffer.alloc(size, 0x61));
    const started = performance.now();
    let sent = 0;
    while (sent < records) {
      const n = Math.min(window / 2, records - sent);
      socket.write(Buffer.concat(new Array(n).fill(one)));
      sent += n;
      await reader.waitFor('_INBOX.b.ack', Math.max(0, sent - window / 2));
    }
    await reader.waitFor('_INBOX.b.ack', records);
    const produceSeconds = (performance.now() - started) / 1000;

    await request(
      socket,
      reader,
      '$JS.API.CONSUMER.DURABLE.CREATE.BENCH.replay',
      { stream_name: 'BENCH', config: { durable_name: 'replay', ack_policy: 'none', deliver_policy: 'all' } },
      '_INBOX.b.admin',
    );
    const replayStart = performance.now();
    let asked = 0;
    let firstAt = 0;
    let firstRecords = 0;
    // Pulled messages arrive with their original subject, on the subscription of the pull's inbox.
    while (reader.count('bench.data') < records) {
      const batch = Math.min(10_000, records - asked);
      socket.write(
        pub('$JS.API.CONSUMER.MSG.NEXT.BENCH.replay', '_INBOX.b.pull', JSON.stringify({ batch, expires: 5e9 })),
      );
      asked += batch;
      await reader.waitFor('bench.data', asked);
      if (firstAt === 0) [firstAt, firstRecords] = [performance.now(), asked];
    }
    const endAt = performance.now();
    const replaySeconds = (endAt - replayStart) / 1000;
    socket.destroy();
    return {
      produceRecordsPerSec: records / produceSeconds,
      replayRecordsPerSec: records / replaySeconds,
      replayAfterFirstRecordsPerSec: afterFirst(records, firstRecords, firstAt, endAt),
    };
  } finally {
    await stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchNats(Number(process.argv[2] ?? 200_000), Number(process.argv[3] ?? 100));
  process.stdout.write(
    `nats jetstream: produce ${r.produceRecordsPerSec.toFixed(0)}/s, replay ${r.replayRecordsPerSec.toFixed(0)}/s\n`,
  );
}
