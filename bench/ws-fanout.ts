// WebSocket fan-out (issue 17): N WebSocket clients of the gateway each receiving one topic, beside the
// same delivery to N SDK consumers on the native port (no group: each reads the whole topic), in one run
// against one `sluice serve`. For each produce rate: delivery latency (produce call → record handled by the
// client, p50/p99/max over every delivery), deliveries per second, broker RSS and CPU.
//   node --import tsx bench/ws-fanout.ts [--clients 1000] [--native-clients 1000] [--rates 10,100]
//        [--seconds 15] [--workers 2] [--write]
// A rate is records/s produced to the topic; each client receives all of them, so deliveries/s = rate × N.
// The clients run in --workers processes of their own (bench/lib/fanout-worker.ts), the producer here.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sluice } from '../src/index.js';
import { startBrokerProcess } from './lib/broker-process.js';
import { monoMs } from './lib/latency-trace-hooks.js';
import { describeCommit, describeMachine, today } from './lib/machine.js';
import { cpuSecondsOf, rssMiB, sampleRss, stealMeter } from './lib/proc.js';
import { freePort } from './lib/processes.js';
import { writeResultsSection, table } from './lib/results.js';
import { percentileSorted } from './lib/stats.js';
import { textOptions } from './lib/args.js';

const args = process.argv.slice(2);
const opt = textOptions(args);
const clients = Number(opt('clients', '1000'));
const nativeClients = Number(opt('native-clients', String(clients)));
const rates = opt('rates', '10,100').split(',').map(Number);
const seconds = Number(opt('seconds', '15'));
const workerCount = Number(opt('workers', '2'));
const write = args.includes('--write');
const TOPIC = 'fan';
const PAD = 'x'.repeat(60);

interface Worker {
  child: ChildProcess;
  next(type: string): Promise<any>;
}

function startWorker(start: object): Worker {
  const child = fork(join(import.meta.dirname, 'lib', 'fanout-worker.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const inbox: any[] = [];
  const waiting: Array<{ type: string; resolve: (m: any) => void }> = [];
  child.on('message', (message: any) => {
    const i = waiting.findIndex((w) => w.type === message.type);
    if (i >= 0) waiting.splice(i, 1)[0]!.resolve(message);
    else inbox.push(message);
  });
  child.send(start);
  return {
    child,
    next(type) {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]);
      return new Promise((resolve) => waiting.push({ type, resolve }));
    },
  };
}

const withTimeout = <T>(promise: Promise<T>, ms: number, what: string) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms)),
  ]);

const httpPort = await freePort();
// Every native client connects from 127.0.0.1, and an SDK consumer holds more than one connection (metadata,
// then fetch): the per-address cap (1,000 by default) is raised to 3 per client.
const config = join(mkdtempSync(join(tmpdir(), 'sluice-fanout-')), 'serve.json');
const perAddress = Math.max(1000, nativeClients * 3 + 10);
writeFileSync(
  config,
  JSON.stringify({ maxConnectionsPerAddress: perAddress, maxConnections: Math.max(10_000, perAddress + 2000) }),
);
const broker = await startBrokerProcess({
  flush: 'os',
  extraArgs: ['--http-port', String(httpPort), '--no-kafka', '--config', config],
});
const pid = broker.child.pid!;
const url = `http://127.0.0.1:${httpPort}`;
const sluice = new Sluice({ clientId: 'fanout-producer', brokers: [broker.address], logLevel: 0 });
const admin = sluice.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] });
await admin.disconnect();
const producer = sluice.producer();
await producer.connect();
const rssIdle = rssMiB(pid);

const value = (step: number, warm: boolean) =>
  JSON.stringify(warm ? { t: monoMs(), step, warm: true, pad: PAD } : { t: monoMs(), step, pad: PAD });

const rows: string[][] = [];
let step = 0;
for (const mode of ['ws', 'native'] as const) {
  const count = mode === 'ws' ? clients : nativeClients;
  const connectStarted = performance.now();
  const workers = Array.from({ length: workerCount }, (_, w) =>
    startWorker({
      mode,
      count: Math.floor(count / workerCount) + (w < count % workerCount ? 1 : 0),
      url,
      address: broker.address,
      topic: TOPIC,
    }),
  );
  await withTimeout(Promise.all(workers.map((w) => w.next('ready'))), 300_000, `${mode} clients connecting`);
  const connectSeconds = (performance.now() - connectStarted) / 1000;
  const rssConnected = rssMiB(pid);
  process.stdout.write(
    `${mode}: ${count} clients subscribed in ${connectSeconds.toFixed(1)} s, broker RSS ${rssConnected.toFixed(0)} MiB\n`,
  );
  for (const rate of rates) {
    step++;
    for (const w of workers) w.child.send({ type: 'step', step });
    // Warm-up records until every client has seen one: all of them are reading at the end of the topic.
    const live = Promise.all(workers.map((w) => w.next('live')));
    let isLive = false;
    void live.then(() => {
      isLive = true;
    });
    const warmDeadline = Date.now() + 60_000;
    while (!isLive) {
      if (Date.now() > warmDeadline) throw new Error(`${mode}: clients not all live after 60 s`);
      await producer.send({ topic: TOPIC, acks: 1, messages: [{ value: value(step, true) }] });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const rss = sampleRss(pid, 100);
    const steal = stealMeter(workers.map((w) => w.child.pid!).concat(pid));
    const cpu0 = cpuSecondsOf(pid);
    const total = Math.round(rate * seconds);
    const started = performance.now();
    let sent = 0;
    const sends: Array<Promise<unknown>> = [];
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
      while (sent < due) {
        sends.push(producer.send({ topic: TOPIC, acks: 1, messages: [{ value: value(step, false) }] }));
        sent++;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(20, 1000 / rate))));
    }
    await Promise.all(sends);
    const sendSeconds = (performance.now() - started) / 1000;
    // Deliveries still in flight: give them a moment (bounded) before the counts are taken.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const brokerCpu = cpuSecondsOf(pid) - cpu0;
    const machine = steal.stop();
    const rssMax = rss.stop();
    for (const w of workers) w.child.send({ type: 'report' });
    const reports = await withTimeout(Promise.all(workers.map((w) => w.next('report'))), 60_000, 'reports');
    const latencies = new Float64Array(reports.flatMap((r) => r.latencies as number[])).sort();
    const received = reports.reduce((n, r) => n + r.received, 0);
    const missingClients = reports.reduce((n, r) => n + r.clientsMissing, 0);
    const expected = total * count;
    const row = [
      mode === 'ws' ? 'WebSocket gateway' : 'native protocol (SDK consumers)',
      String(count),
      String(rate),
      (received / sendSeconds / 1e3).toFixed(1),
      `${((received / expected) * 100).toFixed(2)} %${missingClients ? ` (${missingClients} clients got none)` : ''}`,
      percentileSorted(latencies, 50).toFixed(1),
      percentileSorted(latencies, 99).toFixed(1),
      (latencies[latencies.length - 1] ?? Number.NaN).toFixed(0),
      `${rssConnected.toFixed(0)} / ${rssMax.toFixed(0)}`,
      ((brokerCpu / (sendSeconds + 2)) * 100).toFixed(0),
      machine.stealPct.toFixed(1),
      String(machine.load),
    ];
    rows.push(row);
    process.stdout.write(`${row.join(' | ')}\n`);
  }
  for (const w of workers) w.child.send({ type: 'stop' });
  await Promise.all(workers.map((w) => new Promise((resolve) => w.child.once('exit', resolve))));
}
await producer.disconnect();
await broker.stop();

const body =
  `${today()}, ${describeCommit()}, ${describeMachine()}.\nCommand: \`node --import tsx bench/ws-fanout.ts ${args.join(' ')}\`\n\n` +
  `One \`sluice serve\` (flush os, HTTP door on), one topic of one partition; an SDK producer sends one record (~100 B of JSON) at a time at the rate given (acks=1); every client reads the whole topic from its end: WebSocket clients of \`/ws\` without a group (one JSON text frame per record), or SDK consumers on the native port without a group. The clients run in ${workerCount} processes of their own. Latency: from just before \`send()\` to the record handled in the client (its JSON parsed), over every delivery of ${seconds} s. Broker RSS: with the clients connected and idle / the most seen while delivering (idle broker before any client: ${rssIdle.toFixed(0)} MiB). Broker CPU: % of one core over the step.\n\n` +
  table(
    [
      'path',
      'clients',
      'produced rec/s',
      'deliveries k/s',
      'delivered',
      'p50 ms',
      'p99 ms',
      'max ms',
      'broker RSS MiB',
      'broker CPU %',
      'steal %',
      'load',
    ],
    rows,
  );
process.stdout.write(`\n${body}\n`);
if (write) writeResultsSection('WebSocket fan-out (issue 17)', body);
// tsx's compile service and the SDK's closed sockets can keep the loop alive for minutes: the run is over.
process.exit(0);
