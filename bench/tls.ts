// TLS against plaintext on the native port, same broker process, same run: produce 1 KiB records (acks=1,
// flush os) and replay them, alternating plaintext and TLS runs so the machine's drift hits both alike.
// The broker has a plaintext listener and a TLS one (--tls-port, a certificate this script makes with
// openssl: EC P-256, TLS 1.3, the cipher Node negotiates by default).
//   node --import tsx bench/tls.ts [--short] [--write]
// --short: shorter runs and fewer pairs (a quick check). --write: replace the section in RESULTS.md.
//
// Each run is long enough to be read: a second plaintext warm-up run measures the machine, then every run moves
// as many records as the faster of its two workloads does in RUN_SECONDS there (at least 200,000, at
// most 3,000,000: 3 GiB), the same count for every run; a run's topic is deleted after it, so the disk
// holds one run's records at a time. Whole bench: about PAIRS × 2 × (produce + replay) of those runs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrokerProcess, startBrokerProcess } from './lib/broker-process.js';
import { describeCommit, describeMachine, today } from './lib/machine.js';
import { freePort } from './lib/processes.js';
import { table, writeResultsSection } from './lib/results.js';
import { mbPerSecond, median } from './lib/stats.js';
import { client, produce, replay } from './lib/workloads.js';

const short = process.argv.includes('--short');
const write = process.argv.includes('--write');
const PAIRS = short ? 2 : 5;
const RUN_SECONDS = short ? 1 : 3;
const MIN_RECORDS = short ? 50_000 : 200_000;
const MAX_RECORDS = 3_000_000;
const SIZE = 1024;

/** A CA and a server certificate for 127.0.0.1, in a temp directory. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key']);
  run(['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=bench CA', '-days', '1', '-out', 'ca.pem']);
  run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'server.key']);
  run(['req', '-new', '-key', 'server.key', '-subj', '/CN=bench', '-out', 'server.csr']);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  run([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-set_serial',
    '1',
    '-days',
    '1',
    '-extfile',
    'server.ext',
    '-out',
    'server.pem',
  ]);
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
}

interface Rates {
  produce: number;
  replay: number;
}

async function measure(broker: BrokerProcess, topic: string, records: number): Promise<Rates> {
  const produced = await produce(broker, topic, records, SIZE);
  const replayed = await replay(broker, topic, records);
  const admin = client(broker).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] });
  await admin.disconnect();
  return { produce: produced, replay: replayed };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-tls-'));
  const files = makeCertificates(dir);
  const tlsPort = await freePort();
  const plain = await startBrokerProcess({
    flush: 'os',
    extraArgs: [
      '--no-kafka',
      '--no-http',
      '--tls-port',
      String(tlsPort),
      '--tls-cert',
      files.cert,
      '--tls-key',
      files.key,
    ],
  });
  const tls: BrokerProcess = {
    ...plain,
    address: `127.0.0.1:${tlsPort}`,
    ssl: { ca: readFileSync(files.ca) },
  };
  const runs = { plain: [] as Rates[], tls: [] as Rates[] };
  let runRecords = MIN_RECORDS;
  try {
    // Two warm-ups: the first pays for the JIT and cold caches (it ran at a fifth of the second's rate).
    await measure(plain, 'warm-up-0', MIN_RECORDS);
    const warm = await measure(plain, 'warm-up-1', MIN_RECORDS);
    runRecords = Math.min(
      MAX_RECORDS,
      Math.max(MIN_RECORDS, Math.round((Math.max(warm.produce, warm.replay) * RUN_SECONDS) / 10_000) * 10_000),
    );
    console.log(
      `warm-up (plaintext): produce ${mbPerSecond(warm.produce * SIZE, 1).toFixed(0)} MiB/s, replay ${mbPerSecond(warm.replay * SIZE, 1).toFixed(0)} MiB/s → ${runRecords.toLocaleString('en')} records per run`,
    );
    for (let pair = 0; pair < PAIRS; pair++) {
      // Alternate which goes first, so neither always runs on a warmer (or more loaded) machine.
      const order = pair % 2 === 0 ? (['plain', 'tls'] as const) : (['tls', 'plain'] as const);
      for (const kind of order) {
        const rates = await measure(kind === 'plain' ? plain : tls, `${kind}-${pair}`, runRecords);
        runs[kind].push(rates);
        console.log(
          `pair ${pair} ${kind}: produce ${mbPerSecond(rates.produce * SIZE, 1).toFixed(0)} MiB/s, replay ${mbPerSecond(rates.replay * SIZE, 1).toFixed(0)} MiB/s`,
        );
      }
    }
  } finally {
    await plain.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const mib = (records: number) => mbPerSecond(records * SIZE, 1);
  const row = (name: string, key: keyof Rates) => {
    const p = median(runs.plain.map((r) => r[key]));
    const t = median(runs.tls.map((r) => r[key]));
    const ratios = runs.tls.map((r, i) => r[key] / runs.plain[i]![key]);
    return [
      name,
      `${mib(p).toFixed(0)} MiB/s`,
      `${mib(t).toFixed(0)} MiB/s`,
      `${(median(ratios) * 100).toFixed(0)} % (pairs: ${ratios.map((x) => `${(x * 100).toFixed(0)}`).join(', ')})`,
      '≥ 70 %',
    ];
  };
  const rows = [
    row(`produce ${runRecords.toLocaleString('en')} × 1 KiB, acks=1, flush os`, 'produce'),
    row(`replay ${runRecords.toLocaleString('en')} × 1 KiB`, 'replay'),
  ];
  const body = [
    `${today()} · ${describeMachine()} · commit ${describeCommit()} · \`node --import tsx bench/tls.ts${short ? ' --short' : ''}\``,
    '',
    `One \`sluice serve\` process with a plaintext native listener and a TLS one (EC P-256 certificate, TLS 1.3 as Node negotiates it); the SDK in the bench process, one producer (16 sends in flight) then one consumer per run, each run sized from a plaintext warm-up to last about ${RUN_SECONDS} s for its faster workload; ${PAIRS} pairs, plaintext and TLS alternating (the first of each pair alternates too). Medians of the runs; the TLS/plaintext ratio is the median of the per-pair ratios.`,
    '',
    table(['workload', 'plaintext', 'TLS', 'TLS / plaintext', 'target'], rows),
  ].join('\n');
  console.log(`\n${body}`);
  if (write) writeResultsSection('TLS vs plaintext (native port)', body);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
