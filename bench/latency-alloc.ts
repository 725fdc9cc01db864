// Bytes allocated per produce→consume round trip, by function, in the broker and in the clients: what
// fills the young generation whose scavenges stall a process (bench/RESULTS.md, branch latency2: the
// latency tail is GC pauses of one of the three processes). One 100 B send awaited at a time, a consumer
// long-polling the topic (eachMessage), so each round trip is one produce, one answered fetch and the next
// fetch parked. The broker (built dist/, `Broker` without the HTTP door) runs in a child process; both sides
// run V8's sampling heap profiler with collected objects included over the measured window only, after a
// warm-up. Allocation per round trip does not depend on the machine's load the way latency does.
//   node --import tsx bench/latency-alloc.ts [--seconds 3] [--warmup 3000] [--top 25] [--interval 512]
//     [--rate N (the latency bench's paced sends instead of one awaited round trip at a time: per record sent)]
//     [--burst N (N sends in one tick, awaited together with their delivery: per record and per burst, the
//     same whatever the load)]
//     [--live (with node --expose-gc: only what is still alive after a full GC at the end, by where it was
//     allocated: what the window left behind, e.g. caches, instead of everything it allocated)]
//     [--survivors (with node --expose-gc: everything that outlived a scavenge, collected later by a full GC or not: what the
//     scavenges copied and promoted; the objects still young at the end add one scavenge interval's worth)]
//     [--depth N (each row a stack of the N innermost frames, "a < b < c", instead of the allocating function
//     alone: who called the builtins such as `push` or `Map`)] [--dist (the clients from the built dist/
//     instead of src/ through tsx: real line numbers in the clients' rows)] [--inclusive (each row a function
//     with everything allocated below it: where a burst's bytes go by stage)]
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sluice as SluiceClass } from '../src/client/index.js';
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
const depth = Number(process.env.LATENCY_ALLOC_DEPTH ?? opt('depth', 1));
const top = Number(process.env.LATENCY_ALLOC_TOP ?? opt('top', 25));
const inclusive = process.argv.includes('--inclusive') || process.env.LATENCY_ALLOC_INCLUSIVE === '1';

interface Sampled {
  /** Bytes by row (a function, a stack of --depth frames, or with --inclusive a function and its callees). */
  bytes: Map<string, number>;
  total: number;
}

/** Allocation sampling with objects already collected kept in the profile: everything allocated. */
async function startSampling(): Promise<() => Promise<Sampled>> {
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
    const frameName = (n: ProfileNode) => {
      const { functionName, url, lineNumber } = n.callFrame;
      const where = url
        ? `${url.replace(/^.*\/(src|storage|bench|node_modules|dist)\//, '$1/')}:${lineNumber + 1}`
        : '';
      return `${functionName || '(anonymous)'} ${where}`;
    };
    let total = 0;
    // --inclusive: what each function allocated itself and through everything it called (once per stack).
    const walk = (n: ProfileNode, callers: string[]): number => {
      const stack = [frameName(n), ...callers].slice(0, depth);
      let below = n.selfSize;
      total += n.selfSize;
      for (const c of n.children) below += walk(c, inclusive ? [frameName(n), ...callers] : stack);
      const key = inclusive ? frameName(n) : stack.join(' < ');
      const counted = inclusive ? (callers.includes(key) ? 0 : below) : n.selfSize;
      if (counted > 0) bytes.set(key, (bytes.get(key) ?? 0) + counted);
      return below;
    };
    walk(profile.head, []);
    return { bytes, total };
  };
}

function print(title: string, { bytes, total }: Sampled, roundTrips: number, bursts: number): void {
  const perBurst = bursts > 0 ? `, ${(total / bursts).toFixed(0)} B per burst` : '';
  process.stdout.write(`${title}: ${(total / roundTrips).toFixed(0)} B allocated per round trip${perBurst}\n`);
  for (const [key, b] of [...bytes].sort((x, y) => y[1] - x[1]).slice(0, top))
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
  let stop: (() => Promise<Sampled>) | undefined;
  process.on('message', async (m: { cmd: string; roundTrips?: number; bursts?: number }) => {
    if (m.cmd === 'start') {
      stop = await startSampling();
      process.send!({ started: true });
    } else if (m.cmd === 'stop') {
      print('broker', await stop!(), m.roundTrips!, m.bursts!);
      await broker.stop();
      process.send!({ stopped: true }, () => process.exit(0));
    }
  });
  process.send!({ port: broker.port });
} else {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-alloc-'));
  const child = fork(import.meta.filename, ['--broker', dataDir], {
    env: {
      ...process.env,
      LATENCY_ALLOC_LIVE: live ? '1' : '0',
      LATENCY_ALLOC_SURVIVORS: survivors ? '1' : '0',
      LATENCY_ALLOC_DEPTH: String(depth),
      LATENCY_ALLOC_TOP: String(top),
      LATENCY_ALLOC_INCLUSIVE: inclusive ? '1' : '0',
    },
  });
  const clientModule = process.argv.includes('--dist')
    ? join(import.meta.dirname, '..', 'dist', 'src', 'client', 'index.js')
    : '../src/client/index.js';
  const { Sluice } = (await import(clientModule)) as { Sluice: typeof SluiceClass };
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
  let awaited = 0;
  await consumer.run({
    eachMessage: async () => {
      if (--awaited <= 0) delivered?.();
    },
  });
  const value = Buffer.alloc(100);
  const sendOne = async () => {
    // The round trip ends when the consumer has the record too, so each one is one fetch answered.
    const consumed = new Promise<void>((resolve) => {
      delivered = resolve;
    });
    awaited = 1;
    await producer.send({ topic: 't', acks: 1, messages: [{ value }] });
    await consumed;
  };
  // --burst N: N sends in one tick (the latency bench's burst, each its own send() and fresh buffer), then
  // the wait until the consumer has all N: one produce request and one pushed frame per burst, whatever
  // the machine's load (the --rate pattern's bursts vary with how late each timer fires).
  const burst = opt('burst', 0);
  const sendBurst = async () => {
    const consumed = new Promise<void>((resolve) => {
      delivered = resolve;
    });
    awaited = burst;
    const sent: Promise<unknown>[] = [];
    for (let i = 0; i < burst; i++)
      sent.push(producer.send({ topic: 't', acks: 1, messages: [{ value: Buffer.alloc(100) }] }));
    await Promise.all(sent);
    await consumed;
  };
  for (let i = 0; i < opt('warmup', 3000); i++) await sendOne();
  child.send({ cmd: 'start' });
  await next();
  const stopClient = await startSampling();
  let roundTrips = 0;
  let bursts = 0;
  const rate = opt('rate', 0);
  if (rate > 0) {
    // --rate: the latency bench's pattern instead (sendPaced: a send() per record, not awaited, in bursts
    // every ~1 ms); "per round trip" below is then per record sent, and the bursts are counted too (the
    // records per burst, and so the allocation per record, vary with how late each 1 ms timer fires).
    const seconds = opt('seconds', 3);
    bursts = await sendPaced(
      rate,
      seconds,
      (v) => void producer.send({ topic: 't', acks: 1, messages: [{ value: v }] }),
    );
    await new Promise((r) => setTimeout(r, 200));
    roundTrips = rate * seconds;
  } else if (burst > 0) {
    const end = performance.now() + opt('seconds', 3) * 1000;
    while (performance.now() < end) {
      await sendBurst();
      bursts++;
      roundTrips += burst;
    }
  } else {
    const end = performance.now() + opt('seconds', 3) * 1000;
    while (performance.now() < end) {
      await sendOne();
      roundTrips++;
    }
  }
  const clientBytes = await stopClient();
  child.send({ cmd: 'stop', roundTrips, bursts });
  await next();
  print('clients (producer + consumer, this process)', clientBytes, roundTrips, bursts);
  process.stdout.write(`${roundTrips} round trips${bursts > 0 ? `, ${bursts} bursts` : ''}\n`);
  await consumer.disconnect();
  await producer.disconnect();
  rmSync(dataDir, { recursive: true, force: true });
}
