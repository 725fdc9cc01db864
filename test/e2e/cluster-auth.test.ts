// Inter-broker authentication: three `sluice serve --cluster --auth` processes whose replica fetches
// authenticate with SCRAM as the inter-broker user (a super user, so it holds ClusterAction), its password
// from SLUICE_INTER_BROKER_PASSWORD. The topic replicates (followers join the ISR), a SIGKILLed leader fails
// over with every acknowledged record kept, a normal client principal is refused ReplicaFetch, and no
// password appears in any broker's output.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PeerConnection } from '../../src/broker/cluster/peer-connection.js';
import { logLevel, Sluice } from '../../src/client/index.js';
import { ErrorCode, ReplicaFetchApi } from '../../src/protocol/index.js';
import { SluiceCluster } from '../helpers/sluice-cluster.js';
import { sluiceBinary } from '../helpers/sluice-process.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const TOPIC = 'secured';
const BROKER_PASSWORD = 'inter-broker-secret-7731';
const ALICE_PASSWORD = 'alice-secret-5519';
let cluster: SluiceCluster;

function addUser(dataDir: string, name: string, password: string): void {
  execFileSync(process.execPath, [sluiceBinary, 'users', 'add', name, '--data-dir', dataDir], {
    env: { ...process.env, SLUICE_NEW_PASSWORD: password },
    stdio: 'ignore',
  });
}

function client(username: string, password: string): Sluice {
  return new Sluice({
    clientId: 'cluster-auth',
    brokers: [...cluster.members.values()].map((m) => `127.0.0.1:${m.port}`),
    sasl: { mechanism: 'scram-sha-512', username, password },
    connectionTimeout: 1000,
    requestTimeout: 10_000,
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
    logLevel: logLevel.NOTHING,
  });
}

beforeAll(async () => {
  cluster = await SluiceCluster.start(
    [1, 2, 3],
    () => ({
      args: ['--auth', '--super-user', 'broker', '--inter-broker-user', 'broker'],
      env: { SLUICE_INTER_BROKER_PASSWORD: BROKER_PASSWORD },
    }),
    (_id, dataDir) => {
      addUser(dataDir, 'broker', BROKER_PASSWORD);
      addUser(dataDir, 'alice', ALICE_PASSWORD);
    },
  );
}, 300_000);

afterAll(async () => {
  await cluster?.close();
  await removeTempDirs();
});

describe('inter-broker authentication (3 brokers with --auth, real etcd)', () => {
  it('replicates and fails over with authenticated replica fetches; a client principal is refused ReplicaFetch', async () => {
    const admin = client('broker', BROKER_PASSWORD).admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        {
          topic: TOPIC,
          numPartitions: 1,
          replicationFactor: 3,
          configEntries: [{ name: 'min.insync.replicas', value: '2' }],
        },
      ],
    });
    await admin.disconnect();
    // Followers in the ISR: they fetched from the leader, authenticated.
    const before = await cluster.settled(TOPIC, 0, 3);

    const sluice = client('broker', BROKER_PASSWORD);
    const producer = sluice.producer({ idempotent: true });
    await producer.connect();
    const acked: string[] = [];
    const send = async (value: string) => {
      await waitFor(
        async () => {
          try {
            await producer.send({ topic: TOPIC, acks: -1, messages: [{ value }] });
            return true;
          } catch {
            return false;
          }
        },
        { timeoutMs: 90_000, intervalMs: 200, message: `an acks=-1 produce of ${value}` },
      );
      acked.push(value);
    };
    for (let i = 0; i < 20; i++) await send(`before-${i}`);
    await cluster.stop(before.leader, 'SIGKILL');
    const after = await waitFor(
      async () => {
        const state = await cluster.partitionState(TOPIC, 0);
        return state && state.leader > 0 && state.leader !== before.leader ? state : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 200, message: 'a new leader' },
    );
    expect(before.isr).toContain(after.leader);
    for (let i = 0; i < 20; i++) await send(`after-${i}`);
    await producer.disconnect();

    const consumer = sluice.consumer({ groupId: 'auditors', maxWaitTimeInMs: 200 });
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    try {
      await waitFor(() => seen.length >= acked.length, { timeoutMs: 120_000, message: 'every acknowledged record' });
      expect(seen).toEqual(acked);
    } finally {
      await consumer.disconnect();
    }

    // alice authenticates, but lacks ClusterAction: the leader refuses her replica fetch.
    const leaderPort = cluster.port(after.leader);
    const alice = await PeerConnection.open('127.0.0.1', leaderPort, 'alice', 5000, {
      user: 'alice',
      mechanism: 'SCRAM-SHA-512',
      password: () => ALICE_PASSWORD,
    });
    try {
      const answer = await alice.request(ReplicaFetchApi, {
        replicaId: 99,
        maxWaitMs: 0,
        maxBytes: 1024 * 1024,
        topics: [
          {
            name: TOPIC,
            partitions: [
              {
                partition: 0,
                currentLeaderEpoch: after.leaderEpoch,
                fetchOffset: 0,
                lastFetchedEpoch: -1,
                partitionMaxBytes: 1024 * 1024,
              },
            ],
          },
        ],
      });
      expect(answer.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    } finally {
      alice.close();
    }
    // A wrong inter-broker password is refused before any replica request.
    await expect(
      PeerConnection.open('127.0.0.1', leaderPort, 'impostor', 5000, {
        user: 'broker',
        mechanism: 'SCRAM-SHA-512',
        password: () => 'not-the-password',
      }),
    ).rejects.toThrow(/inter-broker authentication as broker \(SCRAM-SHA-512\) .* failed/);

    for (const member of cluster.members.values()) {
      const output = `${JSON.stringify(member.lines)}${member.stderr()}`;
      expect(output).not.toContain(BROKER_PASSWORD);
      expect(output).not.toContain(ALICE_PASSWORD);
    }
  }, 600_000);
});
