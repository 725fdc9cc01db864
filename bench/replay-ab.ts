// Replay CPU of two SDK builds against one broker and one topic, plaintext and TLS: the consumer's CPU per
// MiB and per record, alternated in pairs, each replay in a fresh process of its own (bench/lib/replay-ab-consumer.ts).
//   node --import tsx bench/replay-ab.ts [--before <checkout>] [--size 1024] [--records 1000000] [--pairs 3]
//     [--kinds plain,tls] [--warmups 1] [--mode eachBatch|eachMessage] [--config JSON] [--before-config JSON]
// --config / --before-config: consumer settings for this checkout's / the before one's runs (default {}).
// --after-env K=V,K=V: environment variables for this checkout's replay processes only (e.g. glibc's
// MALLOC_TRIM_THRESHOLD_), the broker and the before runs keep the bench's own.
// --before: another checkout (built) whose SDK alternates with this one's; without it only this one runs.
// The topic is produced once (one partition) by this process; every replay reads it whole from the start.
// Order within a pair: before then after in even pairs, after then before in odd ones (ABBA), per kind.
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startTlsBroker } from './lib/certificates.js';
import { clientExecArgv, load } from './lib/proc.js';
import { median } from './lib/stats.js';
import { produce } from './lib/workloads.js';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1]! : fallback;
}

const before = process.argv.includes('--before') ? resolve(option('--before', '')) : null;
const size = Number(option('--size', '1024'));
const records = Number(option('--records', '1000000'));
const pairs = Number(option('--pairs', '3'));
const kinds = option('--kinds', 'plain,tls').split(',') as ('plain' | 'tls')[];
const warmups = Number(option('--warmups', '1'));
const mode = option('--mode', 'eachBatch');
const afterEnv = Object.fromEntries(
  option('--after-env', '')
    .split(',')
    .filter(Boolean)
    .map((kv) => kv.split('=') as [string, string]),
);
const configs = { after: JSON.parse(option('--config', '{}')), before: JSON.parse(option('--before-config', '{}')) };

interface Result {
  rate: number;
  mibPerSecond: number;
  clientMsPerMib: number;
  usPerRecord: number;
  faults: number;
  framesReused: number;
  framesAllocated: number;
}

function runChild(
  sdkDir: string,
  address: string,
  ssl: { ca: string } | undefined,
  config: Record<string, unknown>,
  extraEnv: Record<string, string>,
): Promise<Result> {
  const child = fork(join(import.meta.dirname, 'lib', 'replay-ab-consumer.ts'), [], {
    execArgv: clientExecArgv(),
    env: { ...process.env, ...extraEnv, SLUICE_BENCH_SDK: sdkDir },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolvePromise, reject) => {
    child.once('message', (result) => resolvePromise(result as Result));
    child.once('exit', (code) => code !== 0 && reject(new Error(`replay child exited with ${code}`)));
    child.send({ address, ssl, topic: 'ab', records, size, warmups, mode, config });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-ab-'));
const { broker, tlsPort, files } = await startTlsBroker(dir);
const ssl = { ca: readFileSync(files.ca, 'utf8') };
const after = resolve(import.meta.dirname, '..');
// --before-config alone: this checkout twice, with the two settings.
const beforeDir = before ?? (process.argv.includes('--before-config') ? after : null);
const builds = beforeDir ? [['before', beforeDir] as const, ['after', after] as const] : [['after', after] as const];
const results = new Map<string, Result[]>();
try {
  await produce(broker, 'ab', records, size);
  for (let pair = 0; pair < pairs; pair++) {
    for (const kind of kinds) {
      const order = pair % 2 === 0 ? builds : [...builds].reverse();
      for (const [name, sdkDir] of order) {
        const address = kind === 'tls' ? `127.0.0.1:${tlsPort}` : broker.address;
        const r = await runChild(
          sdkDir,
          address,
          kind === 'tls' ? ssl : undefined,
          configs[name],
          name === 'after' ? afterEnv : {},
        );
        const key = `${name} ${kind}`;
        results.set(key, [...(results.get(key) ?? []), r]);
        console.log(
          `pair ${pair} ${key}: ${r.mibPerSecond.toFixed(0)} MiB/s, ${(r.rate / 1e6).toFixed(3)} M rec/s, client ${r.clientMsPerMib.toFixed(3)} ms/MiB (${r.usPerRecord.toFixed(3)} µs/record), faults ${r.faults}, frames reused ${r.framesReused} / new ${r.framesAllocated}; load ${load()}`,
        );
      }
    }
  }
} finally {
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
}
for (const [key, list] of results) {
  console.log(
    `${key}: median ${median(list.map((r) => r.mibPerSecond)).toFixed(0)} MiB/s, ${(median(list.map((r) => r.rate)) / 1e6).toFixed(3)} M rec/s, client ${median(list.map((r) => r.clientMsPerMib)).toFixed(3)} ms/MiB, ${median(list.map((r) => r.usPerRecord)).toFixed(3)} µs/record`,
  );
}
