// The broker's memory bounds against a live `sluice serve` child: the budget of bytes in flight
// (maxInFlightBytes) under connections that each announce a 100 MiB frame and send part of it, a client
// kept waiting for that budget (not taken for a stalled one), the connection limits (total and per
// address), and the consumer-group size limit.
import { writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiKey, ApiVersionsApi, ErrorCode, JoinGroupApi } from '../../src/protocol/index.js';
import { batchOf, createTopic, fetchPartition, produce } from '../helpers/broker.js';
import { startSluice, type SluiceProcess } from '../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { type RawResponse, WireClient } from '../helpers/wire-client.js';
import { elapse } from '../helpers/wait-for.js';
import { rssOf, until } from './lib/hostile.js';

const MiB = 1024 * 1024;
const running: SluiceProcess[] = [];
const sockets: Socket[] = [];

async function serve(config: Record<string, unknown>): Promise<SluiceProcess> {
  const file = join(await tempDir('sluice-memory-config-'), 'sluice.json');
  await writeFile(file, JSON.stringify(config));
  const proc = await startSluice(['--data-dir', await tempDir('sluice-memory-'), '--port', '0', '--config', file]);
  running.push(proc);
  return proc;
}

function rawSocket(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', localAddress }, () => resolve(s));
    s.on('error', reject);
    sockets.push(s);
  });
}

/** Announces a frame of `length` bytes and sends `sent` of them (the same zero bytes for every caller). */
function partialFrame(socket: Socket, length: number, sent: Buffer): void {
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(length);
  socket.write(prefix);
  socket.write(sent);
}

/** A client doing produce → fetch round trips until stopped; counts them and any failure. */
function goodClient(port: number) {
  let stopped = false;
  const stats = { ok: 0, failures: [] as string[] };
  const done = (async () => {
    const c = await WireClient.connect(port);
    for (let n = 0; !stopped; n++) {
      try {
        const p = await produce(c, 'good', 0, batchOf([`g${n}`]));
        if (p.errorCode !== 0) throw new Error(`produce: ${p.errorCode} ${p.errorMessage}`);
        const f = await fetchPartition(c, 'good', 0, p.baseOffset);
        if (f.errorCode !== 0 || f.records.length === 0) throw new Error(`fetch: ${f.errorCode}`);
        stats.ok++;
      } catch (error) {
        stats.failures.push((error as Error).message);
        if (c.isClosed) break;
      }
    }
    c.destroy();
  })();
  return {
    stats,
    stop: () => {
      stopped = true;
      return done;
    },
  };
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const proc of running.splice(0)) if (proc.child.exitCode === null) await proc.kill('SIGKILL');
  await removeTempDirs();
});

describe('the budget of bytes in flight', () => {
  it('20 connections each sending 40 MiB of a 100 MiB frame do not grow RSS past the budget; others are served', async () => {
    // Without the budget each connection's frame buffer filled as its bytes arrived: 800 MiB here (the
    // issue measured 2.09 GB for 20 frames sent almost whole).
    const budget = 128 * MiB;
    const proc = await serve({ maxInFlightBytes: budget, stallTimeoutMs: 30_000 });
    const admin = await WireClient.connect(proc.port);
    await createTopic(admin, 'good', 1);
    admin.destroy();
    const pid = proc.child.pid!;
    const rssBefore = await rssOf(pid);
    const good = goodClient(proc.port);
    const part = Buffer.alloc(40 * MiB);
    for (let i = 0; i < 20; i++) partialFrame(await rawSocket(proc.port), 100 * MiB, part);
    let peak = 0;
    const end = Date.now() + 4000;
    while (Date.now() < end) {
      peak = Math.max(peak, (await rssOf(pid)) - rssBefore);
      await new Promise((r) => setTimeout(r, 100)); // RSS sampled every 100 ms for 4 s
    }
    await good.stop();
    expect(proc.child.exitCode).toBeNull();
    expect(peak, `peak RSS growth ${(peak / MiB).toFixed(0)} MiB`).toBeLessThan(budget);
    expect(good.stats.failures).toEqual([]);
    expect(good.stats.ok).toBeGreaterThan(5);
  }, 40_000);

  it('a client kept waiting for the budget longer than the stall timeout is served, not cut off', async () => {
    const stallTimeoutMs = 1000;
    const proc = await serve({ maxInFlightBytes: 128 * MiB, stallTimeoutMs });
    // One client holds 100 MiB of the budget with a frame it keeps sending (slowly, but never stalled).
    const holder = await rawSocket(proc.port);
    partialFrame(holder, 100 * MiB, Buffer.alloc(64 * 1024));
    const trickle = setInterval(() => holder.write(Buffer.alloc(64 * 1024)), stallTimeoutMs / 4);
    // The waiting client's 60 MiB produce does not fit beside it.
    const waiting = await WireClient.connect(proc.port);
    const started = Date.now();
    const answered: Promise<RawResponse> = waiting.send(
      ApiKey.Produce,
      0,
      { acks: 1, timeoutMs: 5000, topics: [{ name: 'big', partitions: [{ partition: 0, recordsBytes: 60 * MiB }] }] },
      [Buffer.alloc(60 * MiB)],
    );
    const answeredAt = answered.then(() => Date.now());
    try {
      await elapse(3 * stallTimeoutMs, 'the budget is held for three stall timeouts');
    } finally {
      clearInterval(trickle);
      holder.destroy();
    }
    const response = await answered;
    // It waited as long as the budget was held, three stall timeouts, and was then read and answered.
    expect((await answeredAt) - started).toBeGreaterThanOrEqual(3 * stallTimeoutMs);
    // Answered (an error for 60 MiB of zeros, which are not record batches), on a connection still open.
    expect(response.error ?? response.body).toBeTruthy();
    expect(waiting.isClosed).toBe(false);
    expect((await waiting.request(ApiVersionsApi, {})).errorCode).toBe(0);
    waiting.destroy();
    expect(proc.lines.filter((l) => String(l.msg).startsWith('client stalled'))).toEqual([]);
  }, 30_000);

  it('a frame limit the budget could never grant stops the start with one sentence', async () => {
    await expect(serve({ maxFrameBytes: 64 * MiB, maxInFlightBytes: 32 * MiB })).rejects.toThrow(
      /maxFrameBytes \(67108864\) must not exceed maxInFlightBytes \(33554432\)/,
    );
  });
});

describe('connection limits', () => {
  it('refuse connections beyond maxConnectionsPerAddress and maxConnections, with a log line', async () => {
    const proc = await serve({ maxConnections: 6, maxConnectionsPerAddress: 4 });
    const clients: WireClient[] = [];
    /** Connects from `localAddress` (any of 127/8 reaches the broker on 127.0.0.1): true if served. */
    const open = async (localAddress: string) => {
      const c = await WireClient.connect(proc.port, '127.0.0.1', { localAddress });
      clients.push(c);
      return c.request(ApiVersionsApi, {}).then(
        () => true,
        () => false,
      );
    };
    try {
      const fromLocal = [];
      for (let i = 0; i < 4; i++) fromLocal.push(await open('127.0.0.1'));
      expect(fromLocal).toEqual([true, true, true, true]);
      expect(await open('127.0.0.1')).toBe(false);
      expect(await open('127.0.0.2')).toBe(true);
      expect(await open('127.0.0.2')).toBe(true);
      expect(await open('127.0.0.3')).toBe(false);
      // The log lines travel through a pipe: they may arrive after the refused client saw its close.
      const refusals = () => proc.lines.filter((l) => String(l.msg).startsWith('connection refused')).map((l) => l.msg);
      await until(() => refusals().length >= 2, 5000);
      expect(refusals()).toEqual([
        'connection refused: 127.0.0.1 has 4 connections open (maxConnectionsPerAddress 4)',
        'connection refused: the broker has 6 connections open (maxConnections 6)',
      ]);
      // A closed connection frees its place.
      clients[0]!.destroy();
      expect(await until(() => open('127.0.0.3'), 5000, 100)).toBe(true);
    } finally {
      for (const c of clients) c.destroy();
    }
  });
});

describe('the consumer-group size limit', () => {
  it('answers a JoinGroup beyond maxGroupSize with GROUP_MAX_SIZE_REACHED', async () => {
    const proc = await serve({ groups: { maxGroupSize: 2 } });
    const c = await WireClient.connect(proc.port);
    const join = () =>
      c.request(JoinGroupApi, {
        groupId: 'g',
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 10_000,
        memberId: '',
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: Buffer.from('m') }],
        reason: null,
      });
    // Pipelined on one connection, so the broker handles them in this order (answers come in order too:
    // the first two once their rebalance completes, the third's right behind them).
    const answers = await Promise.all([join(), join(), join()]);
    expect(answers.map((a) => a.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE, ErrorCode.GROUP_MAX_SIZE_REACHED]);
    expect(answers[2]!.errorMessage).toBe("group 'g' already has 2 members, the broker's maxGroupSize");
    c.destroy();
  });
});
