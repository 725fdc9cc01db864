// Bytes allocated per produce→consume round trip, by function, in the broker and in the clients: what
// fills the young generation whose scavenges stall a process (bench/RESULTS.md, branch latency2: the
// latency tail is GC pauses of one of the three processes). One 100 B send awaited at a time, a consumer
// long-polling the topic (eachMessage), so each round trip is one produce, one answered fetch and the next
// fetch parked. The broker (built dist/, `Broker` without the HTTP door) runs in a child process; both sides
// run V8's sampling heap profiler with collected objects included over the measured window only, after a
// warm-up. Allocation per round trip does not depend on the machine's load the way latency does.
//   node --import tsx bench/latency-alloc.ts [--seconds 3] [--warmup 3000] [--top 25] [--interval 512]
//     [--rate N (the latency bench's paced sends instead of one awaited round trip at a time: per record sent)]
//     [--live (with node --expose-gc: only what is still alive after a full GC at the end, by where it was
//     allocated: what the window left behind, e.g. caches, instead of everything it allocated)]
//     [--survivors (with node --expose-gc: everything that outlived a scavenge, collected later by a full GC or not: what the
//     scavenges copied and promoted; the objects still young at the end add one scavenge interval's worth)]
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sluice } from '../src/client/index.js';
import { sendPaced } from './lib/latency-pattern.js';
import { numberOptions } from './lib/args.js';

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

const args = process.argv.slice(2);
const opt = numberOptions(args);
const interval = opt('interval', 512);
const live = process.argv.includes('--live') || process.env.LATENCY_ALLOC_LIVE === '1';
const survivors = process.argv.includes('--survivors') || process.env.LATENCY_ALLOC_SURVIVORS === '1';

/** Allocation sampling with objects already collected kept in the profile: everything allocated. */
async function startSampling(): Promise<() => Promise<Map<string, number>>> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: interval,
    includeObjectsCollectedByMajorGC: !live,
    includeObjectsCollectedByMinorGC: !live && !survivors,
  });
  return async () => {
    // With node --expose-gc: --live ends with a full GC; --survivors with a scavenge, so the young objects
    // still uncollected at the end (up to a semi-space of them) are not counted as survivors.
    const gc = (globalThis as { gc?: (options?: { type: 'minor' | 'major' }) => void }).gc;
    if (live) gc?.();
    else if (survivors) gc?.({ type: 'minor' });
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as {
      profile: { head: ProfileNode };
    };
    session.disconnect();
    const bytes = new Map<string, number>();
    const walk = (n: ProfileNode) => {
      if (n.selfSize > 0) {
        const { functionName, url, lineNumber } = n.callFrame;
        const where = url
          ? `${url.replace(/^.*\/(src|storage|bench|node_modules|dist)\//, '$1/')}:${lineNumber + 1}`
          : '';
        const key = `${functionName || '(anonymous)'} ${where}`;
        bytes.set(key, (bytes.get(key) ?? 0) + n.selfSize);
      }
      for (const c of n.children) walk(c);
    };
    walk(profile.head);
    return bytes;
  };
}

function print(title: string, bytes: Map<string, number>, roundTrips: number): void {
  const total = [...bytes.values()].reduce((a, b) => a + b, 0);
  process.stdout.write(`${title}: ${(total / roundTrips).toFixed(0)} B allocated per round trip\n`);
  for (const [key, b] of [...bytes].sort((x, y) => y[1] - x[1]).slice(0, opt('top', 25)))
    process.stdout.write(
      `  ${(b / roundTrips).toFixed(0).padStart(7)} B  ${((b / total) * 100).toFixed(1).padStart(5)} %  ${key}\n`,
    );
}

if (args[0] === '--broker') {
  // The child: a broker on a free port, profiling on the parent's 'start' and reporting on 'stop'.
  const dist = join(import.meta.dirname, '..', 'dist', 'src', 'broker');
  const { Broker } = (await import(join(dist, 'broker.js'))) as typeof import('../src/broker/broker.js');
  const broker = new Broker({ dataDir: args[1]!, port: 0, flush: 'os' });
  await broker.start();
  let stop: (() => Promise<Map<string, number>>) | undefined;
  process.on('message', async (m: { cmd: string; roundTrips?: number }) => {
    if (m.cmd === 'start') {
      stop = await startSampling();
      process.send!({ started: true });
    } else if (m.cmd === 'stop') {
      print('broker', await stop!(), m.roundTrips!);
      await broker.stop();
      process.send!({ stopped: true }, () => process.exit(0));
    }
  });
  process.send!({ port: broker.port });
} else {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-alloc-'));
  const child = fork(import.meta.filename, ['--broker', dataDir], {
    env: { ...process.env, LATENCY_ALLOC_LIVE: live ? '1' : '0', LATENCY_ALLOC_SURVIVORS: survivors ? '1' : '0' },
  });
  const next = () => new Promise<Record<string, unknown>>((resolve) => child.once('message', resolve));
  const { port } = (await next()) as { port: number };
  const sluice = new Sluice({ clientId: 'alloc', brokers: [`127.0.0.1:${port}`], logLevel: 0 });
  const admin = sluice.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 't', numPartitions: 1 }] });
  await admin.disconnect();
  const producer = sluice.producer();
  await producer.connect();
  const consumer = sluice.consumer({ maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic: 't', fromBeginning: false });
  let delivered: (() => void) | undefined;
  await consumer.run({
    eachMessage: async () => {
      delivered?.();
    },
  });
  const value = Buffer.alloc(100);
  const sendOne = async () => {
    // The round trip ends when the consumer has the record too, so each one is one fetch answered.
    const consumed = new Promise<void>((resolve) => {
      delivered = resolve;
    });
    await producer.send({ topic: 't', acks: 1, messages: [{ value }] });
    await consumed;
  };
  for (let i = 0; i < opt('warmup', 3000); i++) await sendOne();
  child.send({ cmd: 'start' });
  await next();
  const stopClient = await startSampling();
  let roundTrips = 0;
  const rate = opt('rate', 0);
  if (rate > 0) {
    // --rate: the latency bench's pattern instead (sendPaced: a send() per record, not awaited, in bursts
    // every ~1 ms); "per round trip" below is then per record sent.
    const seconds = opt('seconds', 3);
    await sendPaced(rate, seconds, (v) => void producer.send({ topic: 't', acks: 1, messages: [{ value: v }] }));
    await new Promise((r) => setTimeout(r, 200));
    roundTrips = rate * seconds;
  } else {
    const end = performance.now() + opt('seconds', 3) * 1000;
    while (performance.now() < end) {
      await sendOne();
      roundTrips++;
    }
  }
  const clientBytes = await stopClient();
  child.send({ cmd: 'stop', roundTrips });
  await next();
  print('clients (producer + consumer, this process)', clientBytes, roundTrips);
  process.stdout.write(`${roundTrips} round trips\n`);
  await consumer.disconnect();
  await producer.disconnect();
  rmSync(dataDir, { recursive: true, force: true });
}
