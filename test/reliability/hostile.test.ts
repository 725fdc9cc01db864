// Hostile input against a live `sluice serve` child process: a mutation fuzzer over valid frames of
// every API, oversized length prefixes, slow-loris clients, a thousand connections opened and dropped,
// and a client that pipelines fetches of a large topic and never reads the answers. Throughout, the
// broker must not crash, its memory and descriptors must stay bounded, and a well-behaved client must
// keep getting answers.
import { writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiVersionsApi, encodeRequestFrame, FetchApi } from '../../src/protocol/index.js';
import { batchOf, createTopic, fetchPartition, produce, readAll, values } from '../helpers/broker.js';
import { startSluice, type SluiceProcess } from '../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { WireClient } from '../helpers/wire-client.js';
import { fdCount, fuzzConnection, rssOf, sendHostile, until, type Outcome } from './lib/hostile.js';
import { rng } from './lib/rng.js';

const MiB = 1024 * 1024;
const STALL_MS = 400;
let proc: SluiceProcess;
let pid: number;

async function startHostileBroker(extra: Record<string, unknown> = {}, dataDir?: string): Promise<SluiceProcess> {
  dataDir ??= await tempDir('sluice-hostile-');
  const config = join(await tempDir('sluice-hostile-config-'), 'sluice.json'); // removed with the other temp dirs
  await writeFile(
    config,
    JSON.stringify({
      stallTimeoutMs: STALL_MS,
      maxFrameBytes: 4 * MiB,
      topicDefaults: { segmentBytes: 8 * MiB },
      ...extra,
    }),
  );
  return startSluice(['--data-dir', dataDir, '--port', '0', '--config', config]);
}

/** A well-behaved client doing produce → fetch round trips until stopped; counts successes and failures. */
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
        if (f.errorCode !== 0 || f.records.length === 0) throw new Error(`fetch: ${f.errorCode} ${f.errorMessage}`);
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

beforeAll(async () => {
  proc = await startHostileBroker();
  pid = proc.child.pid!;
  const c = await WireClient.connect(proc.port);
  await createTopic(c, 'good', 1);
  await createTopic(c, 'fuzzed', 2);
  c.destroy();
});
afterAll(async () => {
  if (proc?.child.exitCode === null) await proc.kill('SIGKILL');
  await removeTempDirs();
});

describe('hostile input against a live broker', () => {
  it('survives thousands of mutated frames of every API while a good client keeps working', async () => {
    const random = rng();
    const good = goodClient(proc.port);
    const rssBefore = await rssOf(pid);
    let id = 1;
    const outcomes: Record<Outcome, number> = { answered: 0, closed: 0, parked: 0, hung: 0 };
    let frames = 0;
    const connections = Array.from({ length: 500 }, () => fuzzConnection(random, 6, () => id++));
    for (let i = 0; i < connections.length; i += 25) {
      const wave = connections.slice(i, i + 25);
      for (const outcome of await Promise.all(wave.map((f) => sendHostile(proc.port, f.frames, STALL_MS * 4 + 3000))))
        outcomes[outcome]++;
      frames += wave.reduce((n, f) => n + f.frames.length, 0);
    }
    await good.stop();
    const context = `seed ${random.seed}, outcomes ${JSON.stringify(outcomes)}`;
    expect(proc.child.exitCode, context).toBeNull();
    expect(outcomes.hung, context).toBe(0);
    // Most connections survive their frames (error responses); the rest were closed, none left hanging.
    expect(outcomes.answered, context).toBeGreaterThan(connections.length / 10);
    expect(frames).toBeGreaterThanOrEqual(3000);
    expect(good.stats.failures, context).toEqual([]);
    expect(good.stats.ok).toBeGreaterThan(5);
    expect((await rssOf(pid)) - rssBefore, 'RSS growth').toBeLessThan(150 * MiB);
    expect(proc.lines.some((l) => l.msg === 'uncaught exception; exiting')).toBe(false);
  }, 60_000);

  it('refuses a header of arrays nested 4 million deep without stalling other clients or growing', async () => {
    // 0x91 = "an array of one element", so 4 MiB of it nest 4 million levels; 0xc0 (nil) ends the innermost.
    // Without bounds the decoder allocated per level on the event loop: ~3.6 s and ~480 MiB for this frame.
    const depth = 4 * MiB - 64;
    const doc = Buffer.alloc(depth + 1, 0x91);
    doc[depth] = 0xc0;
    const head = Buffer.alloc(8);
    head.writeUInt32BE(4 + doc.length, 0);
    head.writeUInt32BE(doc.length, 4);
    const rssBefore = await rssOf(pid);
    const probe = await WireClient.connect(proc.port);
    const hostile = await WireClient.connect(proc.port);
    let longestMs = 0;
    let attacking = true;
    const probing = (async () => {
      while (attacking) {
        const started = performance.now();
        await probe.request(ApiVersionsApi, {});
        longestMs = Math.max(longestMs, performance.now() - started);
      }
    })();
    hostile.write([head, doc]);
    await hostile.closed;
    attacking = false;
    await probing;
    probe.destroy();
    expect(proc.child.exitCode).toBeNull();
    expect(longestMs, 'longest ApiVersions round trip of another client meanwhile').toBeLessThan(1000);
    expect((await rssOf(pid)) - rssBefore, 'RSS growth').toBeLessThan(64 * MiB);
    expect(proc.lines.some((l) => String(l.reason).includes('nests deeper than'))).toBe(true);
  });

  it('closes a connection announcing an oversized frame before allocating it', async () => {
    const rssBefore = await rssOf(pid);
    const sockets = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const c = await WireClient.connect(proc.port);
        const prefix = Buffer.alloc(4);
        prefix.writeUInt32BE(0xfffffff0);
        c.write(prefix);
        return c;
      }),
    );
    await Promise.all(sockets.map((c) => c.closed));
    expect(sockets.every((c) => c.isClosed)).toBe(true);
    expect((await rssOf(pid)) - rssBefore).toBeLessThan(64 * MiB);
  });

  it('disconnects slow-loris clients that dribble a frame one byte at a time', async () => {
    const frame = Buffer.concat(
      encodeRequestFrame(
        { apiKey: FetchApi.key, apiVersion: FetchApi.maxVersion, correlationId: 1, clientId: 'loris' },
        { maxWaitMs: 0, minBytes: 1, maxBytes: 1000, isolationLevel: 0, topics: [] },
        [],
      ),
    );
    // Pad the frame so that, at one byte per 50 ms, it would take far longer than the stall timeout.
    const padded = Buffer.concat([frame.subarray(0, 4), frame.subarray(4)]);
    padded.writeUInt32BE(padded.length - 4 + 4000, 0);
    const loris = await Promise.all(Array.from({ length: 20 }, () => WireClient.connect(proc.port)));
    const started = Date.now();
    const timers = loris.map((c) => {
      let i = 0;
      const t = setInterval(() => {
        if (c.isClosed) return clearInterval(t);
        c.write(padded.subarray(i, i + 1));
        i++;
      }, 50);
      return t;
    });
    const good = goodClient(proc.port);
    try {
      await Promise.all(loris.map((c) => c.closed));
    } finally {
      timers.forEach(clearInterval);
      await good.stop();
    }
    const tookMs = Date.now() - started;
    // Each one was cut off within a few stall timeouts, long before its frame could complete (~200 s).
    expect(tookMs).toBeLessThan(STALL_MS * 10);
    expect(good.stats.failures).toEqual([]);
  });

  it('releases everything when a thousand connections are opened and dropped', async () => {
    const fdsBefore = await fdCount(pid);
    const half = Buffer.concat(
      encodeRequestFrame({ apiKey: 18, apiVersion: 0, correlationId: 1, clientId: 'churn' }, {}, []),
    ).subarray(0, 9);
    for (let wave = 0; wave < 5; wave++) {
      const sockets = await Promise.all(
        Array.from(
          { length: 200 },
          (_, i) =>
            new Promise<Socket>((resolve, reject) => {
              const s = connect({ port: proc.port, host: '127.0.0.1' }, () => resolve(s));
              s.on('error', reject);
              if (i % 3 === 0) s.write(half);
            }),
        ),
      );
      for (const s of sockets) s.destroy();
    }
    expect(proc.child.exitCode).toBeNull();
    // The broker notices the closes asynchronously: poll its descriptors with a deadline.
    expect(await until(async () => (await fdCount(pid)) <= fdsBefore + 5, 5000)).toBe(true);
    const c = await WireClient.connect(proc.port);
    expect(values(await readAll(c, 'good', 0)).length).toBeGreaterThan(0);
    c.destroy();
  });
});

describe('a client that never reads its responses', () => {
  let big: SluiceProcess;
  afterAll(async () => {
    if (big?.child.exitCode === null) await big.kill('SIGKILL');
  });

  it('does not make the broker buffer without bound while it pipelines fetches of a large topic', async () => {
    // A connection holds at most the answers of maxInFlightRequests requests: 16 × 4 MiB here.
    const dataDir = await tempDir('sluice-hostile-');
    const filler = await startHostileBroker({}, dataDir);
    const c = await WireClient.connect(filler.port);
    await createTopic(c, 'large', 1);
    const chunk = 'v'.repeat(1000);
    for (let i = 0; i < 48; i++)
      expect((await produce(c, 'large', 0, batchOf(Array.from({ length: 1000 }, () => chunk)))).errorCode).toBe(0);
    c.destroy();
    expect(await filler.kill('SIGTERM')).toBe(0);
    // A fresh process over the 48 MB topic, so its RSS holds no memory left over from producing.
    big = await startHostileBroker({ maxInFlightRequests: 16 }, dataDir);
    // The baseline after a well-behaved client made the hog's requests and read every answer (64 fetches of
    // 4 MiB, 16 in flight): what the broker holds from then on for the hog is its buffering, not its first load
    // of the partition nor the heap and allocator arenas its fetch path grows to under this load.
    const reader = await WireClient.connect(big.port);
    for (let round = 0; round < 4; round++) {
      const answers = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          fetchPartition(reader, 'large', 0, ((round * 16 + i) * 997) % 40_000, {
            maxBytes: 4 * MiB,
            partitionMaxBytes: 4 * MiB,
          }),
        ),
      );
      for (const answer of answers) expect(answer.errorCode).toBe(0);
    }
    reader.destroy();
    const rssBefore = await rssOf(big.child.pid!);

    // 1000 fetches of 4 MiB each (4 GB of answers), written and never read.
    const hog = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ port: big.port, host: '127.0.0.1' }, () => resolve(s));
      s.on('error', reject);
    });
    hog.pause();
    for (let i = 0; i < 1000; i++) {
      const { body, tail } = FetchApi.encodeRequest({
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 4 * MiB,
        isolationLevel: 0,
        topics: [
          {
            name: 'large',
            partitions: [{ partition: 0, fetchOffset: (i * 997) % 40_000, partitionMaxBytes: 4 * MiB }],
          },
        ],
      });
      for (const b of encodeRequestFrame(
        { apiKey: FetchApi.key, apiVersion: FetchApi.maxVersion, correlationId: i + 1, clientId: 'hog' },
        body,
        tail,
      ))
        hog.write(b);
    }
    let peak = 0;
    const sampleUntil = Date.now() + 3000;
    while (Date.now() < sampleUntil) {
      peak = Math.max(peak, (await rssOf(big.child.pid!)) - rssBefore);
      await new Promise((r) => setTimeout(r, 100)); // RSS sampled every 100 ms for 3 s
    }
    // Others are still served meanwhile.
    const other = await WireClient.connect(big.port);
    expect((await produce(other, 'large', 0, batchOf(['still here']))).errorCode).toBe(0);
    other.destroy();
    hog.destroy();
    expect(big.child.exitCode).toBeNull();
    // Without the bound the broker held 760 MB here; with it, measured 0–64 MiB above the baseline.
    expect(peak, `peak RSS growth ${(peak / MiB).toFixed(0)} MiB`).toBeLessThan(112 * MiB);
  }, 40_000);
});
