// TLS against plaintext on the native port, same broker process, same run: produce 1 KiB records (acks=1,
// flush os) and replay them, alternating plaintext and TLS runs so the machine's drift hits both alike.
// The broker has a plaintext listener and a TLS one (--tls-port, a certificate this script makes with
// openssl: EC P-256, TLS 1.3, the cipher Node negotiates by default).
//   node --import tsx bench/tls.ts [--short] [--write]
// --short: fewer records and pairs (a quick check). --write: replace the section in RESULTS.md.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrokerProcess, startBrokerProcess } from './lib/broker-process.js';
import { describeCommit, describeMachine, today } from './lib/machine.js';
import { freePort } from './lib/processes.js';
import { table, writeResultsSection } from './lib/results.js';
import { mbPerSecond, median } from './lib/stats.js';
import { produce, replay } from './lib/workloads.js';

const short = process.argv.includes('--short');
const write = process.argv.includes('--write');
const PAIRS = short ? 2 : 5;
const RECORDS = short ? 50_000 : 200_000;
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

async function measure(broker: BrokerProcess, topic: string): Promise<Rates> {
  const produced = await produce(broker, topic, RECORDS, SIZE);
  const replayed = await replay(broker, topic, RECORDS);
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
  try {
    for (let pair = 0; pair < PAIRS; pair++) {
      // Alternate which goes first, so neither always runs on a warmer (or more loaded) machine.
      const order = pair % 2 === 0 ? (['plain', 'tls'] as const) : (['tls', 'plain'] as const);
      for (const kind of order) {
        const rates = await measure(kind === 'plain' ? plain : tls, `${kind}-${pair}`);
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
    row(`produce ${RECORDS.toLocaleString('en')} × 1 KiB, acks=1, flush os`, 'produce'),
    row(`replay ${RECORDS.toLocaleString('en')} × 1 KiB`, 'replay'),
  ];
  const body = [
    `${today()} · ${describeMachine()} · commit ${describeCommit()} · \`node --import tsx bench/tls.ts${short ? ' --short' : ''}\``,
    '',
    `One \`sluice serve\` process with a plaintext native listener and a TLS one (EC P-256 certificate, TLS 1.3 as Node negotiates it); the SDK in the bench process, one producer (16 sends in flight) then one consumer per run; ${PAIRS} pairs, plaintext and TLS alternating (the first of each pair alternates too). Medians of the runs; the TLS/plaintext ratio is the median of the per-pair ratios.`,
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
