// The Kafka listener against the native port, same records, one run: kcat -P of a file of N 100-byte lines
// and kcat -C -e to /dev/null on the Kafka port, against the SDK producing and replaying N 100-byte records
// on the native port. Each side runs on a fresh `sluice serve` process (flush os); the figure that matters
// is the broker's CPU per record (user + system, /proc/<pid>/stat), which the client's speed does not blur.
// Runs alternate (Kafka, native, native, Kafka, …) and the medians and per-pair ratios are reported.
//
//   node --import tsx bench/kafka-wire.ts [--records N (default 1,000,000)] [--pairs P (default 3)] [--write]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrokerProcess, type BrokerProcess } from './lib/broker-process.js';
import { describeCommit, describeMachine, today } from './lib/machine.js';
import { cpuSecondsOf, load } from './lib/proc.js';
import { ensureDebianPackage, freePort } from './lib/processes.js';
import { table, writeResultsSection } from './lib/results.js';
import { median } from './lib/stats.js';
import { createTopic, produce, REPLAY_FETCH, replay } from './lib/workloads.js';
import { numberOptions } from './lib/args.js';

const args = process.argv.slice(2);
const opt = numberOptions(args);
const RECORDS = opt('records', 1_000_000);
const PAIRS = opt('pairs', 3);
const SIZE = 100;
const kcat = ensureDebianPackage('kcat', 'kcat');

interface Run {
  produceUsPerRecord: number;
  fetchUsPerRecord: number;
  produceRate: number;
  fetchRate: number;
}

function exec(command: string, argv: string[], stdout: 'ignore' | 'pipe' = 'ignore'): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: ['ignore', stdout, 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}: ${err}`))));
  });
}

/** Broker CPU seconds and wall seconds spent while `work` runs. */
async function measured(broker: BrokerProcess, work: () => Promise<unknown>) {
  const pid = broker.child.pid!;
  const cpu0 = cpuSecondsOf(pid);
  const t0 = performance.now();
  await work();
  const seconds = (performance.now() - t0) / 1000;
  return { cpu: cpuSecondsOf(pid) - cpu0, seconds };
}

function result(p: { cpu: number; seconds: number }, f: { cpu: number; seconds: number }): Run {
  return {
    produceUsPerRecord: (p.cpu / RECORDS) * 1e6,
    fetchUsPerRecord: (f.cpu / RECORDS) * 1e6,
    produceRate: RECORDS / p.seconds,
    fetchRate: RECORDS / f.seconds,
  };
}

async function kafkaRun(file: string): Promise<Run> {
  const kafkaPort = await freePort();
  const broker = await startBrokerProcess({ flush: 'os', extraArgs: ['--kafka-port', String(kafkaPort)] });
  try {
    await createTopic(broker, 'wire', 1);
    const bootstrap = `127.0.0.1:${kafkaPort}`;
    const p = await measured(broker, () => exec(kcat, ['-b', bootstrap, '-P', '-t', 'wire', '-l', file]));
    const f = await measured(broker, () =>
      // The same fetch sizes as the SDK replay (REPLAY_FETCH: 8 MiB per partition, 32 MiB per fetch).
      exec(kcat, [
        '-b',
        bootstrap,
        '-C',
        '-t',
        'wire',
        '-e',
        '-q',
        '-o',
        'beginning',
        '-X',
        `max.partition.fetch.bytes=${REPLAY_FETCH.maxBytesPerPartition}`,
        '-X',
        `fetch.max.bytes=${REPLAY_FETCH.maxBytes}`,
        '-f',
        '%s\n',
      ]),
    );
    return result(p, f);
  } finally {
    await broker.stop();
  }
}

async function nativeRun(): Promise<Run> {
  const broker = await startBrokerProcess({ flush: 'os', extraArgs: ['--no-kafka'] });
  try {
    await createTopic(broker, 'wire', 1);
    const p = await measured(broker, () => produce(broker, 'wire', RECORDS, SIZE));
    const f = await measured(broker, () => replay(broker, 'wire', RECORDS));
    return result(p, f);
  } finally {
    await broker.stop();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'sluice-kafka-wire-'));
const file = join(dir, 'lines.txt');
const line = `${'x'.repeat(SIZE)}\n`;
writeFileSync(file, line.repeat(RECORDS));

const kafka: Run[] = [];
const native: Run[] = [];
const loads: string[] = [];
try {
  for (let pair = 0; pair < PAIRS; pair++) {
    loads.push(load());
    // Alternate which side goes first, so drift in the machine's load falls on both.
    if (pair % 2 === 0) {
      kafka.push(await kafkaRun(file));
      native.push(await nativeRun());
    } else {
      native.push(await nativeRun());
      kafka.push(await kafkaRun(file));
    }
    const k = kafka.at(-1)!;
    const n = native.at(-1)!;
    console.log(
      `pair ${pair + 1}: produce ${k.produceUsPerRecord.toFixed(2)} vs ${n.produceUsPerRecord.toFixed(2)} µs/record, ` +
        `fetch ${k.fetchUsPerRecord.toFixed(2)} vs ${n.fetchUsPerRecord.toFixed(2)} µs/record (Kafka vs native)`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const med = (runs: Run[], key: keyof Run) => median(runs.map((r) => r[key]));
const ratios = (key: keyof Run) => kafka.map((k, i) => k[key] / native[i]![key]);
const fmt = (n: number, digits = 2) => n.toFixed(digits);
const rows = [
  [
    'produce: broker CPU µs/record',
    fmt(med(kafka, 'produceUsPerRecord')),
    fmt(med(native, 'produceUsPerRecord')),
    `${fmt(median(ratios('produceUsPerRecord')))}× (${ratios('produceUsPerRecord')
      .map((r) => fmt(r))
      .join(', ')})`,
  ],
  [
    'fetch: broker CPU µs/record',
    fmt(med(kafka, 'fetchUsPerRecord')),
    fmt(med(native, 'fetchUsPerRecord')),
    `${fmt(median(ratios('fetchUsPerRecord')))}× (${ratios('fetchUsPerRecord')
      .map((r) => fmt(r))
      .join(', ')})`,
  ],
  ['produce: records/s', fmt(med(kafka, 'produceRate'), 0), fmt(med(native, 'produceRate'), 0), ''],
  ['fetch: records/s', fmt(med(kafka, 'fetchRate'), 0), fmt(med(native, 'fetchRate'), 0), ''],
];
const body = [
  `${today()}, ${describeMachine()}, commit ${describeCommit()}, load averages at each pair's start: ${loads.join(', ')}.`,
  '',
  `Command: \`node --import tsx bench/kafka-wire.ts --records ${RECORDS} --pairs ${PAIRS} --write\`. Kafka side: ` +
    `\`kcat -P -t wire -l <file of ${RECORDS} ${SIZE}-byte lines>\` then \`kcat -C -e -o beginning\` to /dev/null on the ` +
    `Kafka port (librdkafka 2.0.2 defaults for produce: about 5,000 records per batch here, acks=-1; the SDK replay's fetch sizes, ` +
    '8 MiB per partition / 32 MiB per fetch, for -C). Native side: the SDK ' +
    `producing the same number of ${SIZE}-byte records (1,000 per send, 16 sends in flight) and replaying them ` +
    '(eachBatch). One partition, flush os, a fresh `sluice serve` per run. Medians of the pairs; ratio = Kafka / native, pair by pair.',
  '',
  table(['', 'Kafka port (kcat)', 'native port (SDK)', 'ratio'], rows),
].join('\n');
console.log(`\n${body}`);
if (args.includes('--write'))
  writeResultsSection('Kafka listener: kcat on the Kafka port vs the SDK on the native port', body);
