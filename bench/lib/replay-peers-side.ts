// One side of a replay-peers round in a process of its own (bench/replay-peers.ts forks one per system and
// round): produces `records` of 100 B and replays them, then sends its figures to the parent. Every
// system's client starts from the same fresh process (heap, JIT), so no client measures in a heap the others
// filled first.
//   sluice <address> <records> <round>   the SDK: produce, replay eachBatch, replay eachMessage in a group
//   redis|ioredis|nats|natsJs <records>  the peer's server and client (bench/peers)
import type { BrokerProcess } from './broker-process.js';
import { produce, REPLAY_FETCH, replay, type ReplayTiming } from './workloads.js';
import { benchIoredis, benchNatsJs } from '../peers/libraries.js';
import { benchNats } from '../peers/nats.js';
import { benchRedis, type PeerResult } from '../peers/redis.js';

/** What the Sluice side measured, records/s. */
export interface SluiceSide {
  produce: number;
  batch: number;
  group: number;
  batchAfterFirst: number;
  groupAfterFirst: number;
}

async function sluiceSide(address: string, records: number, round: number): Promise<SluiceSide> {
  const broker = { address } as BrokerProcess;
  const produced = await produce(broker, 'peer', records, 100);
  const batchTiming: ReplayTiming = {};
  const batch = await replay(broker, 'peer', records, 'eachBatch', REPLAY_FETCH, batchTiming);
  const groupTiming: ReplayTiming = {};
  const group = await replay(
    broker,
    'peer',
    records,
    'eachMessage',
    { ...REPLAY_FETCH, groupId: `replay-peers-${round}` },
    groupTiming,
  );
  return {
    produce: produced,
    batch,
    group,
    batchAfterFirst: batchTiming.afterFirstRecordsPerSec!,
    groupAfterFirst: groupTiming.afterFirstRecordsPerSec!,
  };
}

const peers: Record<string, (records: number, size: number) => Promise<PeerResult>> = {
  redis: benchRedis,
  ioredis: benchIoredis,
  nats: benchNats,
  natsJs: benchNatsJs,
};

const [system, ...rest] = process.argv.slice(2);
const result =
  system === 'sluice'
    ? await sluiceSide(rest[0]!, Number(rest[1]), Number(rest[2]))
    : await peers[system!]!(Number(rest[0]), 100);
process.send!(result, () => process.exit(0));
