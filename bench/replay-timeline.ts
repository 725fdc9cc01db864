// Where the time of replay-peers.ts's eachBatch replay goes: the same round (a fresh broker, N records of
// 100 B produced, then replayed from the beginning with the replay benches' fetch sizes), with a timeline
// of the replay from t0 (as bench/lib/workloads.ts's replay takes it: after connect and subscribe): the
// consumer's requests (name, sent and answered), the first record delivered, records delivered per slice of
// `--slice` ms, the broker's and this process's CPU over the replay (user and system), and how long this
// process's event loop waited for I/O in that time (a CPU profile's "(idle)" counts the kernel's socket reads
// too, this does not), and its minor page faults over the replay (new memory the kernel mapped in).
//   node --initial-old-space-size=128 --import tsx bench/replay-timeline.ts [--records 1000000] [--rounds 3] [--slice 10]
import { subscribe } from 'node:diagnostics_channel';
import { loadavg } from 'node:os';
import { startBrokerProcess } from './lib/broker-process.js';
import { cpuSecondsOf } from './lib/proc.js';
import { produce, REPLAY_FETCH } from './lib/workloads.js';
import { sdk } from './lib/sdk.js';
import { numberOptions } from './lib/args.js';

const args = process.argv.slice(2);
const opt = numberOptions(args);
const records = opt('records', 1_000_000);
const rounds = opt('rounds', 3);
const sliceMs = opt('slice', 10);
/** Replays per round on the same broker (the later ones: broker and consumer code warm). */
const replays = opt('replays', 1);

interface RequestSeen {
  apiName: string;
  sentAt: number;
  duration: number;
  size: number;
}
let requests: RequestSeen[] = [];
subscribe('sluice:client:request', (message) => {
  const { client, payload } = message as { client: string; payload: RequestSeen & { createdAt: number } };
  if (client === 'consumer')
    requests.push({
      apiName: payload.apiName,
      sentAt: payload.createdAt,
      duration: payload.duration,
      size: payload.size,
    });
});

for (let round = 1; round <= rounds; round++) {
  const broker = await startBrokerProcess({ flush: '1000' });
  try {
    await produce(broker, 'peer', records, 100);
    for (let replayNo = 1; replayNo <= replays; replayNo++) {
      const sluice = new sdk.Sluice({ clientId: 'bench', brokers: [broker.address], logLevel: 0 });
      const consumer = sluice.consumer(REPLAY_FETCH);
      requests = [];
      const connectAt = Date.now();
      await consumer.connect();
      await consumer.subscribe({ topic: 'peer', fromBeginning: true });
      const deliveries: Array<[number, number]> = [];
      let seen = 0;
      let resolveDone!: () => void;
      const done = new Promise<void>((resolve) => (resolveDone = resolve));
      const brokerCpu0 = cpuSecondsOf(broker.child.pid!);
      const ownCpu0 = process.cpuUsage();
      const faults0 = process.resourceUsage().minorPageFault;
      const loop0 = performance.eventLoopUtilization();
      const t0Wall = Date.now();
      const t0 = performance.now();
      const t0Us = process.hrtime.bigint() / 1000n;
      void consumer.run({
        eachBatch: async ({ batch }: { batch: { messages: unknown[] } }) => {
          seen += batch.messages.length;
          deliveries.push([performance.now() - t0, batch.messages.length]);
          if (seen >= records) resolveDone();
        },
      });
      await done;
      const totalMs = performance.now() - t0;
      const endUs = process.hrtime.bigint() / 1000n;
      const brokerCpuMs = (cpuSecondsOf(broker.child.pid!) - brokerCpu0) * 1e3;
      const own = process.cpuUsage(ownCpu0);
      const faults = process.resourceUsage().minorPageFault - faults0;
      const loop = performance.eventLoopUtilization(loop0);
      await consumer.disconnect();
      const first = deliveries[0]![0];
      const rest = (records - deliveries[0]![1]) / ((totalMs - first) / 1e3);
      process.stdout.write(
        `round ${round}${replays > 1 ? ` replay ${replayNo}` : ''} (load ${loadavg()[0]!.toFixed(1)}): ${records} records in ${totalMs.toFixed(1)} ms = ` +
          `${(records / totalMs / 1e3).toFixed(3)} M/s; first record at ${first.toFixed(1)} ms; after it ` +
          `${(rest / 1e6).toFixed(3)} M/s; CPU over the replay: broker ${brokerCpuMs.toFixed(0)} ms, ` +
          `this process ${((own.user + own.system) / 1e3).toFixed(0)} ms (user ${(own.user / 1e3).toFixed(0)}, system ` +
          `${(own.system / 1e3).toFixed(0)}), ${faults} minor page faults; event loop waiting for I/O ${loop.idle.toFixed(0)} ms ` +
          `(monotonic µs ${t0Us}–${endUs})\n`,
      );
      process.stdout.write(`  requests (ms from t0; connect+subscribe began at ${connectAt - t0Wall}):\n`);
      for (const r of requests)
        process.stdout.write(
          `    ${r.apiName.padEnd(16)} sent ${String(r.sentAt - t0Wall).padStart(5)}  answered ${String(r.sentAt - t0Wall + r.duration).padStart(5)}  ${r.size} B\n`,
        );
      const slices: number[] = [];
      for (const [at, n] of deliveries) {
        const i = Math.floor(at / sliceMs);
        while (slices.length <= i) slices.push(0);
        slices[i]! += n;
      }
      process.stdout.write(
        `  records per ${sliceMs} ms slice (k): ${slices.map((n) => (n / 1e3).toFixed(0)).join(' ')}\n`,
      );
    }
  } finally {
    await broker.stop();
  }
}
