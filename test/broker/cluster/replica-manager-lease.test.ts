// acks=-1 produces against a leader whose lease lapses: the waiters present at the lapse are answered
// NOT_LEADER at once, and so is a produce whose append was still running when the lease lapsed (its
// waiter would otherwise be added after the lapse answered the others, and held to its timeout).
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveClusterConfig } from '../../../src/broker/cluster/config.js';
import { HighWatermarkCheckpoint } from '../../../src/broker/cluster/hw-checkpoint.js';
import type { ClusterMetadataCache } from '../../../src/broker/cluster/metadata-cache.js';
import { ReplicaManager } from '../../../src/broker/cluster/replica-manager.js';
import type { TopicRegistry } from '../../../src/broker/registries/topics.js';
import { nodeFs, type PartitionLog } from '../../../storage/index.js';
import { removeTempDirs, tempDir } from '../../helpers/temp-dir.js';

afterAll(removeTempDirs);

const TOPIC = 'ledger';

/** Broker 1 leads partition 0 of TOPIC with broker 2 in its ISR; broker 2 never fetches. */
async function leaderOfOnePartition(leaseValid: () => boolean): Promise<ReplicaManager> {
  const fail = (field: string, message: string): never => {
    throw new Error(`${field} ${message}`);
  };
  const log = { topic: TOPIC, partition: 0, logEndOffset: 10 } as unknown as PartitionLog;
  const state = { leader: 1, leaderEpoch: 1, replicas: [1, 2], isr: [1, 2] };
  const cache = {
    topics: () => new Map([[TOPIC, { value: { partitions: 1 } }]]),
    partition: () => ({ value: state }),
    reassignment: () => undefined,
  } as unknown as ClusterMetadataCache;
  const topics = { log: () => log } as unknown as TopicRegistry;
  const replicas = new ReplicaManager({
    brokerId: 1,
    config: resolveClusterConfig({ etcd: 'etcd://127.0.0.1:2379' }, fail),
    cache,
    topics,
    internalLog: () => undefined,
    logger: pino({ level: 'silent' }),
    checkpoint: await HighWatermarkCheckpoint.open(nodeFs, await tempDir('sluice-replicas-')),
    notify: () => {},
    alterIsr: async () => false,
    leaseValid,
  });
  replicas.refresh();
  return replicas;
}

describe('ReplicaManager under a lapsing lease', () => {
  it('answers a waiting acks=-1 produce NOT_LEADER when the lease lapses', async () => {
    let valid = true;
    const replicas = await leaderOfOnePartition(() => valid);
    try {
      const waiting = replicas.awaitCommitted(TOPIC, 0, 11, 60_000);
      valid = false;
      replicas.leaseLapsed();
      expect(await waiting).toBe('not-leader');
    } finally {
      await replicas.close();
    }
  });

  it('answers NOT_LEADER at once a produce whose append ended after the lapse, not at its timeout', async () => {
    let valid = true;
    const replicas = await leaderOfOnePartition(() => valid);
    try {
      valid = false;
      replicas.leaseLapsed();
      const started = performance.now();
      expect(await replicas.awaitCommitted(TOPIC, 0, 11, 60_000)).toBe('not-leader');
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      await replicas.close();
    }
  });
});
