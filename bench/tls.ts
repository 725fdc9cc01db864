// TLS against plaintext on the native port, same broker process, same run: produce 1 KiB records (acks=1,
// flush os) and replay them, alternating plaintext and TLS runs so the machine's drift hits both alike.
// The broker has a plaintext listener and a TLS one (--tls-port, a certificate this script makes with
// openssl: EC P-256, TLS 1.3, the suite the broker prefers: TLS_AES_128_GCM_SHA256).
//   node --import tsx bench/tls.ts [--short] [--pairs N] [--records N] [--ciphers LIST] [--tls-only] [--write]
// --short: shorter runs and fewer pairs (a quick check). --pairs: pairs of runs (default 5, 2 with --short).
// --records: records per run instead of sizing from the warm-up. --ciphers: the SDK offers only these suites
// (OpenSSL names, ':'-separated, e.g. TLS_AES_256_GCM_SHA384 to measure the suite OpenSSL picks by
// default). --tls-only: TLS runs only (profiling, with SLUICE_BENCH_CPU_PROF / SLUICE_BENCH_CLIENT_PROF).
// --write: replace the section in RESULTS.md.
//
// Each run is long enough to be read: a second plaintext warm-up run measures the machine, then every run moves
// as many records as the faster of its two workloads does in RUN_SECONDS there (at least 200,000, at
// most 3,000,000: 3 GiB), the same count for every run; a run's topic is deleted after it, so the disk
// holds one run's records at a time. Whole bench: about PAIRS × 2 × (produce + replay) of those runs.
// Pairs go plaintext-TLS, TLS-plaintext, … (ABBA), so a drifting machine favours neither side.
//
// Timing: produce from the first send to the last acknowledgement; replay from the first batch delivered
// (after connect, the group join and the first fetch) to the last, counting the records after the first
// batch. CPU: the broker's (all threads, /proc schedstat) and this process's (the SDK: process.cpuUsage)
// over the same stretch, per run and per MiB moved. Before and after the pairs, the stream floors
// (bench/loopback.ts measureStreamFloor): one plaintext and one TLS connection between two processes with no
// broker and no SDK, so TLS's own cost per MiB on each side is measured in the same run; the summary states
// the most the two cores allow TLS replay at the CPU per MiB its runs measured.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrokerProcess } from './lib/broker-process.js';
import { startTlsBroker } from './lib/certificates.js';
import { profiled } from './lib/client-profile.js';
import { describeCommit, describeMachine, today } from './lib/machine.js';
import { cpuNanosOf, load } from './lib/proc.js';
import { measureStreamFloor, type StreamFloor } from './loopback.js';
import { table, writeResultsSection } from './lib/results.js';
import { sdk } from './lib/sdk.js';
import { mbPerSecond, median } from './lib/stats.js';
import { client, produce, REPLAY_FETCH } from './lib/workloads.js';

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

const short = process.argv.includes('--short');
const write = process.argv.includes('--write');
const tlsOnly = process.argv.includes('--tls-only');
const ciphers = option('--ciphers');
const fixedRecords = option('--records') ? Number(option('--records')) : undefined;
const PAIRS = Number(option('--pairs') ?? (short ? 2 : 5));
const RUN_SECONDS = short ? 1 : 3;
const MIN_RECORDS = short ? 50_000 : 200_000;
const MAX_RECORDS = 3_000_000;
const SIZE = 1024;

/** One workload's run: records/s, and CPU seconds of the broker and of this process (the SDK) meanwhile. */
interface Run {
  rate: number;
  brokerCpu: number;
  clientCpu: number;
  /** MiB moved in the timed stretch. */
  mib: number;
}

interface Rates {
  produce: Run;
  replay: Run;
}

/** CPU of the broker and of this process so far, seconds. */
function cpuNow(broker: BrokerProcess): { broker: number; client: number } {
  const own = process.cpuUsage();
  return { broker: cpuNanosOf(broker.child.pid!) / 1e9, client: (own.user + own.system) / 1e6 };
}

function since(start: { broker: number; client: number }, broker: BrokerProcess) {
  const now = cpuNow(broker);
  return { brokerCpu: now.broker - start.broker, clientCpu: now.client - start.client };
}

/**
 * Consumes `records` from the beginning of `topic` with the replay benches' fetch sizes and the built SDK
 * (bench/lib/sdk.ts, as workloads.replay), timed from the first batch delivered to the last: the records
 * of the first batch came before the clock started and are not counted.
 */
async function replayFromFirstBatch(broker: BrokerProcess, topic: string, records: number): Promise<Run> {
  const consumer = new sdk.Sluice({
    clientId: 'bench',
    brokers: [broker.address],
    logLevel: 0,
    ...(broker.ssl ? { ssl: broker.ssl } : {}),
  }).consumer(REPLAY_FETCH);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let first = 0;
  let t0 = 0;
  let cpu0 = cpuNow(broker);
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  void consumer.run({
    eachBatch: async ({ batch }: { batch: { messages: unknown[] } }) => {
      if (t0 === 0) {
        t0 = performance.now();
        cpu0 = cpuNow(broker);
        first = batch.messages.length;
      }
      seen += batch.messages.length;
      if (seen >= records) resolveDone();
    },
  });
  await done;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = since(cpu0, broker);
  await consumer.disconnect();
  const counted = records - first;
  return { rate: counted / seconds, mib: (counted * SIZE) / 2 ** 20, ...cpu };
}

async function produceRun(broker: BrokerProcess, topic: string, records: number): Promise<Run> {
  const cpu0 = cpuNow(broker);
  const rate = await produce(broker, topic, records, SIZE);
  return { rate, mib: (records * SIZE) / 2 ** 20, ...since(cpu0, broker) };
}

async function measure(broker: BrokerProcess, topic: string, records: number, label: string): Promise<Rates> {
  const produced = await profiled(`${label}-produce`, () => produceRun(broker, topic, records));
  const replayed = await profiled(`${label}-replay`, () => replayFromFirstBatch(broker, topic, records));
  const admin = client(broker).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] });
  await admin.disconnect();
  return { produce: produced, replay: replayed };
}

const mibPerSecond = (run: Run) => mbPerSecond(run.rate * SIZE, 1);
/** CPU ms per MiB moved, broker and client. */
const cpuPerMib = (run: Run) => ({
  broker: (run.brokerCpu * 1000) / run.mib,
  client: (run.clientCpu * 1000) / run.mib,
});

function describeRun(run: Run): string {
  const per = cpuPerMib(run);
  return `${mibPerSecond(run).toFixed(0)} MiB/s (CPU broker ${run.brokerCpu.toFixed(2)} s ${per.broker.toFixed(2)} ms/MiB, client ${run.clientCpu.toFixed(2)} s ${per.client.toFixed(2)} ms/MiB)`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-tls-'));
  const { broker: plain, tlsPort, files } = await startTlsBroker(dir);
  const tls: BrokerProcess = {
    ...plain,
    address: `127.0.0.1:${tlsPort}`,
    ssl: { ca: readFileSync(files.ca), ...(ciphers ? { ciphers } : {}) },
  };
  const runs = { plain: [] as Rates[], tls: [] as Rates[] };
  const loads: string[] = [];
  let runRecords = MIN_RECORDS;
  const floors = { plain: [] as StreamFloor[], tls: [] as StreamFloor[] };
  const measureFloors = async () => {
    floors.plain.push(await measureStreamFloor(RUN_SECONDS));
    floors.tls.push(await measureStreamFloor(RUN_SECONDS, { ...files, ...(ciphers ? { ciphers } : {}) }));
  };
  try {
    // The stream floors before and after the pairs: the bytes alone, no broker, no SDK.
    await measureFloors();
    // Two warm-ups: the first pays for the JIT and cold caches (it ran at a fifth of the second's rate).
    await measure(plain, 'warm-up-0', MIN_RECORDS, 'warm-up-0');
    const warm = await measure(plain, 'warm-up-1', MIN_RECORDS, 'warm-up-1');
    runRecords =
      fixedRecords ??
      Math.min(
        MAX_RECORDS,
        Math.max(
          MIN_RECORDS,
          Math.round((Math.max(warm.produce.rate, warm.replay.rate) * RUN_SECONDS) / 10_000) * 10_000,
        ),
      );
    console.log(
      `warm-up (plaintext): produce ${mibPerSecond(warm.produce).toFixed(0)} MiB/s, replay ${mibPerSecond(warm.replay).toFixed(0)} MiB/s → ${runRecords.toLocaleString('en')} records per run`,
    );
    for (let pair = 0; pair < PAIRS; pair++) {
      // Alternate which goes first (ABBA), so neither always runs on a warmer (or more loaded) machine.
      const order = tlsOnly
        ? (['tls'] as const)
        : pair % 2 === 0
          ? (['plain', 'tls'] as const)
          : (['tls', 'plain'] as const);
      for (const kind of order) {
        const rates = await measure(kind === 'plain' ? plain : tls, `${kind}-${pair}`, runRecords, `${kind}-${pair}`);
        runs[kind].push(rates);
        loads.push(load());
        console.log(
          `pair ${pair} ${kind}: produce ${describeRun(rates.produce)}; replay ${describeRun(rates.replay)}; load ${load()}`,
        );
      }
    }
    await measureFloors();
  } finally {
    await plain.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  if (tlsOnly) return;
  const cpu = (list: Rates[], key: keyof Rates) => {
    const per = list.map((r) => cpuPerMib(r[key]));
    return `${median(per.map((p) => p.broker)).toFixed(2)} / ${median(per.map((p) => p.client)).toFixed(2)}`;
  };
  const row = (name: string, key: keyof Rates) => {
    const p = median(runs.plain.map((r) => mibPerSecond(r[key])));
    const t = median(runs.tls.map((r) => mibPerSecond(r[key])));
    const ratios = runs.tls.map((r, i) => r[key].rate / runs.plain[i]![key].rate);
    return [
      name,
      `${p.toFixed(0)} MiB/s`,
      `${t.toFixed(0)} MiB/s`,
      `${(median(ratios) * 100).toFixed(0)} % (pairs: ${ratios.map((x) => `${(x * 100).toFixed(0)}`).join(', ')})`,
      cpu(runs.plain, key),
      cpu(runs.tls, key),
      '≥ 70 %',
    ];
  };
  const floorOf = (list: StreamFloor[]) => median(list.map((f) => f.mibPerSecond));
  const floorCpu = (list: StreamFloor[]) =>
    `${median(list.map((f) => f.senderMsPerMib)).toFixed(2)} / ${median(list.map((f) => f.receiverMsPerMib)).toFixed(2)}`;
  const rows = [
    row(`produce ${runRecords.toLocaleString('en')} × 1 KiB, acks=1, flush os`, 'produce'),
    row(`replay ${runRecords.toLocaleString('en')} × 1 KiB`, 'replay'),
    [
      'stream floor: one connection, 256 KiB writes, read into one reused buffer (no broker, no SDK)',
      `${floorOf(floors.plain).toFixed(0)} MiB/s`,
      `${floorOf(floors.tls).toFixed(0)} MiB/s`,
      `${((floorOf(floors.tls) / floorOf(floors.plain)) * 100).toFixed(0)} %`,
      floorCpu(floors.plain),
      floorCpu(floors.tls),
      '',
    ],
  ];
  // The most TLS replay can reach on two cores at the CPU per MiB measured: the consumer's one thread, the
  // broker's, and both together (every thread of both processes shares the machine's two cores).
  const tlsReplayCpu = median(runs.tls.map((r) => cpuPerMib(r.replay).client));
  const tlsReplayBrokerCpu = median(runs.tls.map((r) => cpuPerMib(r.replay).broker));
  const plainReplay = median(runs.plain.map((r) => mibPerSecond(r.replay)));
  const replayBound = Math.min(1000 / tlsReplayCpu, 2000 / (tlsReplayCpu + tlsReplayBrokerCpu));
  const bound = `At the CPU per MiB measured for TLS replay (broker ${tlsReplayBrokerCpu.toFixed(2)}, consumer ${tlsReplayCpu.toFixed(2)} ms), the most two cores allow is ${replayBound.toFixed(0)} MiB/s (the consumer's thread ${(1000 / tlsReplayCpu).toFixed(0)}, both processes on two cores ${(2000 / (tlsReplayCpu + tlsReplayBrokerCpu)).toFixed(0)}): ${((replayBound / plainReplay) * 100).toFixed(0)} % of this run's plaintext replay.`;
  // TLS's extra CPU per MiB in the consumer against Node's own in the floor's receiver: when the consumer's
  // thread bounds both replays, the ratio is about its plaintext CPU ÷ (that + its TLS extra).
  const plainReplayCpu = median(runs.plain.map((r) => cpuPerMib(r.replay).client));
  const floorExtra =
    median(floors.tls.map((f) => f.receiverMsPerMib)) - median(floors.plain.map((f) => f.receiverMsPerMib));
  const extra = `TLS adds ${(tlsReplayCpu - plainReplayCpu).toFixed(2)} ms/MiB to the consumer's replay (${plainReplayCpu.toFixed(2)} → ${tlsReplayCpu.toFixed(2)}) and ${floorExtra.toFixed(2)} to the stream floor's receiver; were the consumer's thread the bound of both replays, TLS ÷ plaintext would be about ${((plainReplayCpu / tlsReplayCpu) * 100).toFixed(0)} %.`;
  const command = `node --import tsx bench/tls.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
  const body = [
    `${today()} · ${describeMachine()} · commit ${describeCommit()} · \`${command}\` · load (1 min) after each run ${loads.join(', ')}`,
    '',
    `One \`sluice serve\` process with a plaintext native listener and a TLS one (EC P-256 certificate, TLS 1.3, ${ciphers ? `the SDK offering only ${ciphers}` : "the broker's preferred TLS_AES_128_GCM_SHA256"}); the SDK in the bench process, one producer (16 sends in flight) then one consumer per run, each run sized from a plaintext warm-up to last about ${RUN_SECONDS} s for its faster workload; ${PAIRS} pairs, plaintext and TLS alternating (the first of each pair alternates too). Replay is timed from its first batch. Medians of the runs; the TLS/plaintext ratio is the median of the per-pair ratios; CPU in ms per MiB moved, broker / client.`,
    '',
    table(['workload', 'plaintext', 'TLS', 'TLS / plaintext', 'CPU plaintext', 'CPU TLS', 'target'], rows),
    '',
    `Stream floors: medians of one run before and one after the pairs, CPU sender / receiver. ${bound} ${extra}`,
  ].join('\n');
  console.log(`\n${body}`);
  if (write) writeResultsSection('TLS vs plaintext (native port)', body);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
