// Redis Streams as a peer: XADD pipelined over the raw RESP protocol (no client library in the way),
// durability matched to Sluice's flush interval 1000 ms with appendonly + appendfsync everysec.
import { connect, type Socket } from 'node:net';
import { startPeerServer } from '../lib/processes.js';
import { afterFirst } from '../lib/stats.js';

function command(args: Array<string | Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a) : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/**
 * Counts complete top-level RESP replies in a byte stream without building them: enough to know
 * how many pipelined commands were answered and how many stream entries an XRANGE returned.
 */
class ReplyCounter {
  private buf: Buffer = Buffer.alloc(0);
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Re-parse an incomplete reply only once the buffered bytes doubled (or a line ended): keeps big replies O(n). */
  private nextAttempt = 0;
  replies = 0;
  /** Entries in top-level array replies (XRANGE returns one array element per stream entry). */
  entries = 0;
  lastEntryId = '';

  push(chunk: Buffer): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    // The last chunk of any reply ends in CRLF, so an incomplete reply is always retried at its end.
    const endsLine = chunk.length >= 2 && chunk[chunk.length - 2] === 0x0d && chunk[chunk.length - 1] === 0x0a;
    if (!endsLine && this.buf.length + this.pendingBytes < this.nextAttempt) return;
    this.buf = Buffer.concat([this.buf, ...this.pending]);
    this.pending = [];
    this.pendingBytes = 0;
    let pos = 0;
    for (;;) {
      const end = this.skip(pos, true);
      if (end < 0) break;
      pos = end;
      this.replies++;
    }
    this.buf = this.buf.subarray(pos);
    this.nextAttempt = this.buf.length * 2;
  }

  /** Returns the position after the value at `pos`, or -1 if incomplete. */
  private skip(pos: number, top: boolean, depth = 0): number {
    const nl = this.buf.indexOf('\r\n', pos);
    if (nl < 0) return -1;
    const type = this.buf[pos];
    const n = Number(this.buf.toString('latin1', pos + 1, nl));
    let next = nl + 2;
    if (type === 0x24 /* $ */) {
      if (n < 0) return next;
      if (this.buf.length < next + n + 2) return -1;
      if (depth === 2) this.lastEntryId = this.buf.toString('latin1', next, next + n);
      return next + n + 2;
    }
    if (type === 0x2a /* * */) {
      for (let i = 0; i < n; i++) {
        next = this.skip(next, false, depth + 1);
        if (next < 0) return -1;
        if (top) this.entries++;
      }
      return next;
    }
    return next; // + - : simple lines
  }
}

export interface PeerResult {
  produceRecordsPerSec: number;
  replayRecordsPerSec: number;
  /**
   * The replay's rate after its first delivery (the first reply's records in the application's hand):
   * records after it over the time after it, so that fixed start-up costs weigh alike in every system.
   */
  replayAfterFirstRecordsPerSec: number;
}

async function open(
  port: number,
): Promise<{ socket: Socket; counter: ReplyCounter; waitReplies: (n: number) => Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((r) => socket.once('connect', () => r()));
  socket.setNoDelay(true);
  const counter = new ReplyCounter();
  let waiter: { n: number; resolve: () => void } | undefined;
  socket.on('data', (chunk: Buffer) => {
    counter.push(chunk);
    if (waiter && counter.replies >= waiter.n) {
      const w = waiter;
      waiter = undefined;
      w.resolve();
    }
  });
  const waitReplies = (n: number) =>
    counter.replies >= n ? Promise.resolve() : new Promise<void>((resolve) => (waiter = { n, resolve }));
  return { socket, counter, waitReplies };
}

/** redis-server (installed from Debian when missing) on loopback, AOF appendfsync everysec, in a fresh directory. */
export function startRedisServer(): Promise<{ port: number; stop: () => Promise<void> }> {
  return startPeerServer('redis-server', 'redis-server', (port, dir) => [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--save',
    '',
    '--protected-mode',
    'no',
  ]);
}

/** Produces `records` entries of `size` bytes with XADD pipelined `window` deep, then reads them back with XRANGE. */
export async function benchRedis(records: number, size: number, window = 2000): Promise<PeerResult> {
  const { port, stop } = await startRedisServer();
  try {
    const { socket, counter, waitReplies } = await open(port);
    const value = Buffer.alloc(size, 0x61);
    const xadd = command(['XADD', 'bench', '*', 'v', value]);
    const started = performance.now();
    let sent = 0;
    while (sent < records) {
      const n = Math.min(window, records - sent);
      socket.write(Buffer.concat(new Array(n).fill(xadd)));
      sent += n;
      await waitReplies(sent - window / 2 > 0 ? sent - window / 2 : sent);
    }
    await waitReplies(records);
    const produceSeconds = (performance.now() - started) / 1000;

    const replayStart = performance.now();
    const base = counter.replies;
    let read = 0;
    let from = '-';
    let firstAt = 0;
    let firstRecords = 0;
    for (let query = 1; read < records; query++) {
      counter.entries = 0;
      socket.write(command(['XRANGE', 'bench', from, '+', 'COUNT', '10000']));
      await waitReplies(base + query);
      if (counter.entries === 0) break;
      read += counter.entries;
      if (query === 1) [firstAt, firstRecords] = [performance.now(), read];
      from = `(${counter.lastEntryId}`;
    }
    const endAt = performance.now();
    const replaySeconds = (endAt - replayStart) / 1000;
    socket.destroy();
    return {
      produceRecordsPerSec: records / produceSeconds,
      replayRecordsPerSec: read / replaySeconds,
      replayAfterFirstRecordsPerSec: afterFirst(read, firstRecords, firstAt, endAt),
    };
  } finally {
    await stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchRedis(Number(process.argv[2] ?? 200_000), Number(process.argv[3] ?? 100));
  process.stdout.write(
    `redis streams: produce ${r.produceRecordsPerSec.toFixed(0)}/s, replay ${r.replayRecordsPerSec.toFixed(0)}/s\n`,
  );
}
