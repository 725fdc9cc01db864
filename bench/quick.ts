// One end-to-end workload, repeated, for before/after comparisons of an optimization and for profiling:
//   node --import tsx bench/quick.ts <produce|replay|replay-msg|latency> [--size 100] [--records N] [--runs 3] [--rate 10000]
//     [--inline (latency: consumer in this process, not its own)] [--no-floor (latency: skip the run without Sluice)]
//     [--floor-exchange (latency: also the floor with Sluice's produce acks and fetch requests, bench/lib/latency-floor.ts)]
//     [--requests (latency: count the clients' requests, to print records per produce request and per fetch)]
//     [--warmup-seconds S (latency: S seconds at the same rate first, not measured: JIT and heaps warm)]
//     [--interleave N (latency: Sluice and its floor over the same minutes, N segments of --seconds (default 4)
//      each side in turn, the order swapped every pair, percentiles over each side's pooled samples; warm-up
//      default 10 s for both)]
//     [--floor-append (latency --interleave: the floor's relay appends each chunk to a file before forwarding it)]
//     [--acks-floor (latency --interleave: a floor whose relay answers each producer chunk with an ack, as acks=1
//      asks of any broker, in Sluice's place: how far above the plain floor the ack's wake-up alone puts p99)]
//     [--lead-in-seconds S (latency --interleave, default 2: S seconds of sending straight before each segment, not
//      measured: the steady state of a producer at the rate, not a side's first seconds after idling while the
//      other ran; 0 with --warmup-seconds 2 --seconds 3 is the short form of the first interleaved runs)]
//     [--partitions N (produce: create the topic with N partitions, send round-robin over them)] [--producers N]
//     [--idempotent 0|1] [--max-in-flight N] (produce: the producer's settings; default the SDK's)
//     [--request-listener (produce: a producer.events.REQUEST listener on every producer, counting events)]
//     [--per-send N (produce: records per send() call; default ~256 KiB worth)]
//     [--in-flight N (produce: send() calls outstanding per producer, default 16)]
//     [--waits (produce: per process and thread group, time on a core, queued for one and neither (waiting on
//      the other side), over the measured run; produce requests, records per request and mean requests in flight)]
//     [--warmup N (produce: N records first, not measured: the rate and CPU without start-up and JIT warm-up;
//      replay: the first N records replayed once by a consumer of their own first, its rate printed as the cold
//      figure, then the measured replay of all records from the beginning with the CPU counters reset)]
//     [--warmup-requests N (produce, after --warmup: N more produce requests of one record each, one at a time,
//      so that V8 has optimized both processes' per-request code as in a broker and producer that have been
//      running a while; --warmup alone makes ~130 requests, too few for it, and more records write more bytes)]
//     [--check-crcs (replay: the consumer verifies batch CRCs, ConsumerConfig.checkCrcs)]
//     [--group (replay: the consumer is the one member of a consumer group, committing as kafkajs does)]
// Replay runs also print this process's user and system CPU per record and its minor page faults (fresh
// memory touched: fetch response buffers the allocator hands out as new pages). Their consumer runs the built
// SDK (dist/: `npm run build` first; SLUICE_BENCH_SDK=src runs the sources, bench/lib/sdk.ts).
// Each run starts a fresh broker process (flush os). Prints every run, the median and the load average;
// latency runs are each followed by the same work without Sluice (bench/lib/latency-floor.ts) and print the
// hypervisor's steal share during the run.
// SLUICE_BENCH_CPU_PROF=<dir> makes the broker write a CPU profile (see bench/lib/broker-process.ts);
// SLUICE_BENCH_CLIENT_PROF=<dir> profiles this process during the replays (bench/lib/client-profile.ts).
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { startBrokerProcess } from './lib/broker-process.js';
import { profiled } from './lib/client-profile.js';
import { threadCpuOf, threadSchedOf, type ThreadCpu, type ThreadSched } from './lib/proc.js';
import { REQUEST_CHANNEL, type NetworkMessage, type RequestPayload } from '../src/client/network-events.js';
import { median } from './lib/stats.js';
import { latencyFloor, openFloor } from './lib/latency-floor.js';
import { interleavedLatency, type LatencyClients, type SideResult } from './lib/latency-interleaved.js';
import {
  createTopic,
  latency,
  openSluiceLatency,
  produce,
  replay,
  REPLAY_FETCH,
  type LatencyRun,
} from './lib/workloads.js';
import { numberOptions } from './lib/args.js';

const args = process.argv.slice(2);
const workload = args[0] ?? 'produce';
const opt = numberOptions(args);
const size = opt('size', 100);
const runs = opt('runs', 3);
const records = opt(
  'records',
  workload.startsWith('replay') ? 1_000_000 : Math.max(2000, Math.floor(50_000_000 / Math.max(size, 100))),
);
const rate = opt('rate', 10_000);
const load = () => loadavg()[0]!.toFixed(1);

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

// Under a loaded shared machine wall-clock rates swing ±50 %; CPU time per record (broker process and
// this client process) is the steadier before/after figure for an optimization.
/** This process's minor page faults so far (/proc/self/stat field 10): first touches of fresh memory. */
const minorFaults = () => Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')[7]);
/**
 * --waits: where each process's threads spent the measured run (schedstat: on a core, queued for a core, and
 * the rest of the wall time, blocked: waiting on the other process or on I/O), and the producer's requests
 * (mean in flight = the sum of their durations over the wall time, Little's law).
 */
function watchWaits(brokerPid: number): { stop(records: number): string } {
  const broker0 = threadSchedOf(brokerPid);
  const client0 = threadSchedOf(process.pid);
  const faultsOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[7]);
  const brokerFaults0 = faultsOf(brokerPid);
  const clientFaults0 = faultsOf(process.pid);
  const started = performance.now();
  let requests = 0;
  let requestMs = 0;
  const onRequest = (message: unknown) => {
    const { payload } = message as NetworkMessage<RequestPayload>;
    if (payload.apiName !== 'Produce') return;
    requests++;
    requestMs += payload.duration;
  };
  subscribe(REQUEST_CHANNEL, onRequest);
  const ms = (ns: number) => (ns / 1e6).toFixed(0);
  const group = (name: string, before: ThreadSched, after: ThreadSched, wallMs: number) => {
    const cpu = after.mainCpu - before.mainCpu;
    const queued = after.mainQueued - before.mainQueued;
    return (
      `${name} main on core ${ms(cpu)}, queued ${ms(queued)}, blocked ${ms(wallMs * 1e6 - cpu - queued)}; ` +
      `other threads on core ${ms(after.othersCpu - before.othersCpu)}, queued ${ms(after.othersQueued - before.othersQueued)}`
    );
  };
  return {
    stop(records) {
      const wallMs = performance.now() - started;
      unsubscribe(REQUEST_CHANNEL, onRequest);
      return (
        `  waits over ${wallMs.toFixed(0)} ms (ms): ${group('broker', broker0, threadSchedOf(brokerPid), wallMs)}\n` +
        `    ${group('client', client0, threadSchedOf(process.pid), wallMs)}\n` +
        `    produce requests ${requests}, ${(records / Math.max(1, requests)).toFixed(0)} records each, ` +
        `mean in flight ${(requestMs / wallMs).toFixed(2)}, mean duration ${(requestMs / Math.max(1, requests)).toFixed(2)} ms; ` +
        `minor page faults broker ${faultsOf(brokerPid) - brokerFaults0}, client ${faultsOf(process.pid) - clientFaults0}\n`
      );
    },
  };
}
const results: number[] = [];
/** Replay with --warmup: each run's cold rate (the warm-up replay). */
const colds: number[] = [];
const floors: number[] = [];
const cpu: { broker: number[]; client: number[]; consumer: number[] } = { broker: [], client: [], consumer: [] };
const p999s: number[] = [];
/** latency --interleave: each run's pooled Sluice p99 ÷ floor p99. */
const ratios: number[] = [];
/** One side of an interleaved latency run: pooled percentiles, the per-segment p99 spread, CPU. */
const showSide = (r: SideResult) => {
  const segmentP99s = r.segments.map((s) => s.p99);
  return (
    `p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(2)} p99.9 ${r.p999.toFixed(2)} max ${r.max.toFixed(2)} ms, ${r.count} samples of ${r.sent}; ` +
    `per segment p99 ${segmentP99s.map((x) => x.toFixed(2)).join(', ')} (${Math.min(...segmentP99s).toFixed(2)}–${Math.max(...segmentP99s).toFixed(2)}); ` +
    `three processes' CPU ${((r.cpuMs / r.sent) * 1e3).toFixed(1)} µs per record (producer, broker or relay, consumer: ${r.processCpuMs.map((ms) => ((ms / r.sent) * 1e3).toFixed(1)).join(', ')}), waited for a core ${r.queuedMs.toFixed(0)} ms`
  );
};
/** produce: the broker's CPU µs per record by thread (its main thread against libuv's pool and V8's helpers). */
const brokerThreads: ThreadCpu[] = [];
const perRecord = (before: ThreadCpu, after: ThreadCpu, n: number): ThreadCpu => ({
  mainUser: ((after.mainUser - before.mainUser) / n) * 1e6,
  mainSystem: ((after.mainSystem - before.mainSystem) / n) * 1e6,
  othersUser: ((after.othersUser - before.othersUser) / n) * 1e6,
  othersSystem: ((after.othersSystem - before.othersSystem) / n) * 1e6,
});
for (let run = 0; run < runs; run++) {
  const broker = await startBrokerProcess({
    flush: 'os',
    extraArgs: (process.env.SLUICE_BENCH_SERVE_ARGS ?? '').split(' ').filter(Boolean),
  });
  let brokerCpu0 = cpuOf(broker.child.pid!);
  let clientCpu0 = process.cpuUsage();
  const measured = (n: number) => {
    cpu.broker.push(((cpuOf(broker.child.pid!) - brokerCpu0) / n) * 1e6);
    const c = process.cpuUsage(clientCpu0);
    cpu.client.push((c.user + c.system) / n);
  };
  try {
    if (workload === 'produce') {
      const partitions = opt('partitions', 0);
      if (partitions > 0) await createTopic(broker, 't', partitions);
      const idempotent = args.includes('--idempotent') ? opt('idempotent', 1) !== 0 : undefined;
      const maxInFlightRequests = args.includes('--max-in-flight') ? opt('max-in-flight', 5) : undefined;
      let requestEvents = 0;
      const onProducer = args.includes('--request-listener')
        ? (p: { events: { REQUEST: string }; on(name: string, listener: () => void): unknown }) =>
            void p.on(p.events.REQUEST, () => requestEvents++)
        : undefined;
      // --warmup N: N records through a producer of their own first (topic created, both processes' code
      // compiled), then the measured run with the CPU counters reset: the steady rate without start-up costs.
      const warmup = opt('warmup', 0);
      if (warmup > 0) {
        await produce(broker, 't', warmup, size, { partitions, producers: opt('producers', 1) });
        // --warmup-requests N: per-request code is optimized after hundreds of calls, not per record.
        const warmupRequests = opt('warmup-requests', 0);
        if (warmupRequests > 0)
          await produce(broker, 't', warmupRequests, size, { partitions, inFlight: 1, perSend: 1 });
        brokerCpu0 = cpuOf(broker.child.pid!);
        clientCpu0 = process.cpuUsage();
      }
      const brokerThreads0 = threadCpuOf(broker.child.pid!);
      const waits = args.includes('--waits') ? watchWaits(broker.child.pid!) : undefined;
      const r = await produce(broker, 't', records, size, {
        partitions,
        producers: opt('producers', 1),
        inFlight: opt('in-flight', 16),
        producer: { idempotent, maxInFlightRequests },
        perSend: args.includes('--per-send') ? opt('per-send', 1) : undefined,
        onProducer,
      });
      if (onProducer) process.stdout.write(`REQUEST events: ${requestEvents}\n`);
      if (waits) process.stdout.write(waits.stop(records));
      measured(records);
      brokerThreads.push(perRecord(brokerThreads0, threadCpuOf(broker.child.pid!), records));
      results.push(r);
      process.stdout.write(
        `run ${run + 1}: ${(r / 1e6).toFixed(3)} M rec/s, ${((r * size) / 2 ** 20).toFixed(0)} MiB/s (load ${load()})\n`,
      );
    } else if (workload.startsWith('replay')) {
      const warmup = opt('warmup', 0);
      await produce(broker, 't', Math.max(records, warmup), size);
      const mode = workload === 'replay-msg' ? 'eachMessage' : 'eachBatch';
      const config: Record<string, number | boolean | string> = args.includes('--check-crcs')
        ? { ...REPLAY_FETCH, checkCrcs: true }
        : { ...REPLAY_FETCH };
      if (warmup > 0) {
        const warmupConfig = args.includes('--group') ? { ...config, groupId: `bench-warmup-${run}` } : config;
        const cold = await replay(broker, 't', warmup, mode, warmupConfig);
        colds.push(cold);
        process.stdout.write(
          `run ${run + 1} warm-up: ${(cold / 1e6).toFixed(3)} M rec/s cold over ${warmup} records\n`,
        );
      }
      brokerCpu0 = cpuOf(broker.child.pid!);
      clientCpu0 = process.cpuUsage();
      const faults0 = minorFaults();
      if (args.includes('--group')) config.groupId = `bench-replay-${run}`;
      const r = await profiled(workload, () => replay(broker, 't', records, mode, config));
      measured(records);
      results.push(r);
      const c = process.cpuUsage(clientCpu0);
      const faults = minorFaults() - faults0;
      process.stdout.write(
        `run ${run + 1}: ${(r / 1e6).toFixed(3)} M rec/s, ${((r * size) / 2 ** 20).toFixed(0)} MiB/s (load ${load()}); client user ${(c.user / records).toFixed(2)} + system ${(c.system / records).toFixed(2)} µs/record, ${faults} minor page faults (${((faults * 4096) / 2 ** 20).toFixed(0)} MiB of fresh pages)\n`,
      );
    } else if (workload === 'latency' && args.includes('--interleave')) {
      // Sluice and its floor over the same minutes (bench/lib/latency-interleaved.ts); with --acks-floor the
      // acking floor takes Sluice's side (the broker started above stays idle).
      const acksFloor = args.includes('--acks-floor');
      const sluice: LatencyClients & { requests?(): LatencyRun['requests'] } = acksFloor
        ? await openFloor({ acks: true })
        : await openSluiceLatency(broker, 't', { countRequests: args.includes('--requests') });
      const sideName = acksFloor ? 'acking floor' : 'sluice';
      // The floor as the target defines it (a relay of bytes), or with --floor-append a relay that appends each
      // chunk to a file first (bench/lib/latency-floor.ts): how much of the gap the log append alone explains.
      const floorAppends = args.includes('--floor-append');
      const floor = await openFloor({ append: floorAppends }).catch((error: unknown) => {
        sluice.close();
        throw error;
      });
      // The defaults measure the steady state (bench/README.md, "The latency target's ratio").
      const segmentSeconds = opt('seconds', 4);
      const leadInSeconds = opt('lead-in-seconds', 2);
      try {
        const r = await interleavedLatency(
          { sluice, floor },
          {
            rate,
            segments: opt('interleave', 6),
            segmentSeconds,
            warmupSeconds: opt('warmup-seconds', 10),
            leadInSeconds,
          },
        );
        results.push(r.sluice.p99);
        p999s.push(r.sluice.p999);
        const [producerMs, brokerMs, consumerMs] = r.sluice.processCpuMs;
        cpu.client.push((producerMs! / r.sluice.sent) * 1e3);
        cpu.broker.push((brokerMs! / r.sluice.sent) * 1e3);
        cpu.consumer.push((consumerMs! / r.sluice.sent) * 1e3);
        floors.push(r.floor.p99);
        ratios.push(r.p99Ratio);
        process.stdout.write(
          `run ${run + 1}, interleaved${floorAppends ? ' with the appending floor' : ''}: ${r.sluice.segments.length} segments of ${segmentSeconds} s each side, lead-in ${leadInSeconds} s (steal ${r.stealPct.toFixed(1)} %, load ${r.load.toFixed(1)})\n` +
            `  ${sideName}: ${showSide(r.sluice)}\n  floor:  ${showSide(r.floor)}\n` +
            `  ${sideName} ÷ floor: p99 ${r.p99Ratio.toFixed(2)}, p99.9 ${r.p999Ratio.toFixed(2)}; per neighbouring pair of segments p99 ${r.pairRatios.map((x) => x.toFixed(2)).join(', ')} (median ${r.pairRatioMedian.toFixed(2)})\n`,
        );
        const requests = sluice.requests?.();
        if (requests) {
          const sent = r.sluice.sent;
          process.stdout.write(
            `  requests over the whole run (warm-up included): producer ${JSON.stringify(requests.producer)}, consumer ${JSON.stringify(requests.consumer)} (${sent} records measured)\n`,
          );
        }
      } finally {
        sluice.close();
        floor.close();
      }
    } else if (workload === 'latency') {
      const consumer = args.includes('--inline') ? 'inline' : 'process';
      const s = await latency(broker, 't', rate, opt('seconds', 3), {
        consumer,
        countRequests: args.includes('--requests'),
        warmupSeconds: opt('warmup-seconds', 0),
      });
      // CPU per record over the sending (and draining) window only, every record sent: the broker's start,
      // the topic's creation and the clients' connections are not the records' cost.
      const [producerMs, brokerMs, consumerMs] = s.processCpuMs;
      cpu.broker.push((brokerMs! / s.sent) * 1e3);
      cpu.client.push((producerMs! / s.sent) * 1e3);
      if (consumerMs !== undefined) cpu.consumer.push((consumerMs / s.sent) * 1e3);
      results.push(s.p99);
      p999s.push(s.p999);
      const show = (r: LatencyRun) =>
        `p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(2)} p99.9 ${r.p999.toFixed(2)} ms, ${r.count} samples, three processes' CPU ${r.cpuMs.toFixed(0)} ms, waited for a core ${r.queuedMs.toFixed(0)} ms (steal ${r.stealPct.toFixed(1)} %, load ${r.load.toFixed(1)})`;
      process.stdout.write(`run ${run + 1}: ${show(s)}\n`);
      process.stdout.write(
        `  CPU µs per record sent: broker ${cpu.broker.at(-1)!.toFixed(1)}, producer ${cpu.client.at(-1)!.toFixed(1)}${consumerMs !== undefined ? `, consumer ${cpu.consumer.at(-1)!.toFixed(1)}` : ''}\n`,
      );
      if (s.requests) {
        const per = (n: number | undefined) => (n ? (s.sent / n).toFixed(2) : '–');
        process.stdout.write(
          `  records per produce request ${per(s.requests.producer.Produce)}, per fetch answer or pushed frame ${per(s.requests.consumer.answers ?? s.requests.consumer.Fetch)} (requests: producer ${JSON.stringify(s.requests.producer)}, consumer ${JSON.stringify(s.requests.consumer)})\n`,
        );
      }
      if (!args.includes('--no-floor')) {
        // The same work without Sluice, right after (bench/lib/latency-floor.ts): what this machine gives now.
        const f = await latencyFloor(rate, opt('seconds', 3));
        floors.push(f.p99);
        process.stdout.write(`  floor: ${show(f)}\n`);
        if (args.includes('--floor-exchange')) {
          const x = await latencyFloor(rate, opt('seconds', 3), { exchange: true });
          process.stdout.write(`  floor with acks + fetch requests: ${show(x)}\n`);
        }
      }
    } else throw new Error(`unknown workload ${workload}`);
  } finally {
    await broker.stop();
  }
}
if (brokerThreads.length > 0) {
  const m = (pick: (t: ThreadCpu) => number) => median(brokerThreads.map(pick)).toFixed(2);
  process.stdout.write(
    `broker CPU µs per record by thread, median: main ${m((t) => t.mainUser + t.mainSystem)} (system ${m((t) => t.mainSystem)}), ` +
      `other threads ${m((t) => t.othersUser + t.othersSystem)} (system ${m((t) => t.othersSystem)}: libuv's pool, the appends' page-cache copies)\n`,
  );
}
process.stdout.write(
  `CPU µs per record, median: broker ${median(cpu.broker).toFixed(2)}, client ${median(cpu.client).toFixed(2)}${cpu.consumer.length > 0 ? ` (producer), consumer ${median(cpu.consumer).toFixed(2)}` : ''}\n`,
);
const floorNote =
  (floors.length > 0 ? `, floor p99 ${median(floors).toFixed(2)} ms` : '') +
  (ratios.length > 0 ? `, p99 ÷ floor p99 ${median(ratios).toFixed(2)}` : '');
if (colds.length > 0)
  process.stdout.write(`median cold (warm-up replay): ${(median(colds) / 1e6).toFixed(3)} M rec/s\n`);
process.stdout.write(
  `median: ${workload === 'latency' ? `p99 ${median(results).toFixed(2)} ms, p99.9 ${median(p999s).toFixed(2)} ms${floorNote}` : `${(median(results) / 1e6).toFixed(3)} M rec/s`} (load ${load()})\n`,
);
