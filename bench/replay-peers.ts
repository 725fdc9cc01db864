// Issue 20's client rates beside the peers, round by round in one run: Sluice's SDK producing N records of
// 100 B, replaying them from the beginning (eachBatch, no group) and again through eachMessage as the one
// member of a consumer group, then the same N through Redis Streams and NATS JetStream, each by its raw
// pipelining client and by its usual library (bench/peers). Durability is matched as in e2e.ts (Sluice
// flush every 1000 ms). Each system's client runs in a fresh process of its own per round
// (lib/replay-peers-side.ts, with this process's node flags), so none measures in a heap or JIT state another
// client left behind. Each round prints every figure and Sluice's ratio to the fastest peer client.
// Replay is reported twice: over the whole replay (the headline figure, as before) and after each system's
// first delivery (its first reply's, or slice's, records in the application's hand; lib/stats.ts afterFirst),
// the same definition for every system: start-up costs (connection set-up, the first request's cold read)
// weigh more in a short replay of a fast system than in a slow one's, and this figure leaves them out for all.
// `--peers` names the peer clients to run (default all four): with millions of records nats.js alone takes
// minutes to produce them (12 k/s here), so a long replay may leave it out; the ratios are then to the fastest
// of the peer clients that ran, and every round says which those were.
//   node --initial-old-space-size=128 --import tsx bench/replay-peers.ts [--records 1000000] [--rounds 3]
//     [--peers redis,ioredis,nats,natsJs]
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { startBrokerProcess } from './lib/broker-process.js';
import { clientExecArgv } from './lib/proc.js';
import type { SluiceSide } from './lib/replay-peers-side.js';
import { median } from './lib/stats.js';
import type { PeerResult } from './peers/redis.js';
import { numberOptions, textOptions } from './lib/args.js';

/** Runs one side (lib/replay-peers-side.ts) in a fresh process; resolves with what it measured. */
function side<T>(args: string[]): Promise<T> {
  const child = fork(join(import.meta.dirname, 'lib', 'replay-peers-side.ts'), args, {
    execArgv: clientExecArgv(),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (result) => resolve(result as T));
    child.once('exit', (code) => reject(new Error(`replay-peers side ${args[0]} exited (${code}) without a result`)));
  });
}

const args = process.argv.slice(2);
const opt = numberOptions(args);
const records = opt('records', 1_000_000);
const rounds = opt('rounds', 3);
const PEER_CLIENTS = ['redis', 'ioredis', 'nats', 'natsJs'] as const;
type PeerClient = (typeof PEER_CLIENTS)[number];
const chosenPeers = textOptions(args)('peers', PEER_CLIENTS.join(',')).split(',');
for (const name of chosenPeers) {
  if (!(PEER_CLIENTS as readonly string[]).includes(name))
    throw new Error(`--peers takes a comma-separated list of ${PEER_CLIENTS.join(', ')}; not ${JSON.stringify(name)}`);
}
const runPeers = PEER_CLIENTS.filter((name) => chosenPeers.includes(name));
const PEER_LABELS: Record<PeerClient, string> = {
  redis: 'redis raw',
  ioredis: 'ioredis',
  nats: 'nats raw',
  natsJs: 'nats.js',
};
const m = (n: number) => `${(n / 1e6).toFixed(3)} M/s`;

const ratios = {
  produce: [] as number[],
  batch: [] as number[],
  group: [] as number[],
  batchAfterFirst: [] as number[],
  groupAfterFirst: [] as number[],
};
for (let round = 1; round <= rounds; round++) {
  const broker = await startBrokerProcess({ flush: '1000' });
  let sluice: SluiceSide;
  try {
    sluice = await side<SluiceSide>(['sluice', broker.address, String(records), String(round)]);
  } finally {
    await broker.stop();
  }
  const peers: Partial<Record<PeerClient, PeerResult>> = {};
  for (const name of runPeers) peers[name] = await side<PeerResult>([name, String(records)]);
  const fastest = (key: 'produceRecordsPerSec' | 'replayRecordsPerSec' | 'replayAfterFirstRecordsPerSec') =>
    Math.max(...Object.values(peers).map((p) => p![key]));
  const peerReplay = fastest('replayRecordsPerSec');
  const peerProduce = fastest('produceRecordsPerSec');
  const peerAfterFirst = fastest('replayAfterFirstRecordsPerSec');
  ratios.produce.push(sluice.produce / peerProduce);
  ratios.batch.push(sluice.batch / peerReplay);
  ratios.group.push(sluice.group / peerReplay);
  ratios.batchAfterFirst.push(sluice.batchAfterFirst / peerAfterFirst);
  ratios.groupAfterFirst.push(sluice.groupAfterFirst / peerAfterFirst);
  const each = (key: keyof PeerResult) =>
    runPeers.map((name) => `${PEER_LABELS[name]} ${m(peers[name]![key])}`).join(', ');
  process.stdout.write(
    `round ${round} (load ${loadavg()[0]!.toFixed(1)}): Sluice produce ${m(sluice.produce)}, replay eachBatch ${m(sluice.batch)}, ` +
      `eachMessage in a group ${m(sluice.group)}\n` +
      `  peers replay: ${each('replayRecordsPerSec')}\n` +
      `  peers produce: ${each('produceRecordsPerSec')}\n` +
      `  Sluice / fastest peer client: produce ${(sluice.produce / peerProduce).toFixed(2)}×, ` +
      `eachBatch ${(sluice.batch / peerReplay).toFixed(2)}×, group eachMessage ${(sluice.group / peerReplay).toFixed(2)}×\n` +
      `  replay after the first delivery: Sluice eachBatch ${m(sluice.batchAfterFirst)}, group eachMessage ` +
      `${m(sluice.groupAfterFirst)}; ${each('replayAfterFirstRecordsPerSec')}; Sluice / fastest peer client: eachBatch ` +
      `${(sluice.batchAfterFirst / peerAfterFirst).toFixed(2)}×, group eachMessage ${(sluice.groupAfterFirst / peerAfterFirst).toFixed(2)}×\n`,
  );
}
process.stdout.write(
  `median ratio to the fastest peer client: produce ${median(ratios.produce).toFixed(2)}×, eachBatch ${median(ratios.batch).toFixed(2)}×, ` +
    `group eachMessage ${median(ratios.group).toFixed(2)}×; after the first delivery: eachBatch ` +
    `${median(ratios.batchAfterFirst).toFixed(2)}×, group eachMessage ${median(ratios.groupAfterFirst).toFixed(2)}×\n`,
);
