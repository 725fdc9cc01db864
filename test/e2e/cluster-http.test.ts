// The HTTP door of a broker in a cluster changes topics cluster-wide, as CreateTopics and DeleteTopics on the
// binary protocols do: with a real etcd and two in-process brokers, a topic created, altered and deleted
// through broker 1's REST API is seen the same way by broker 2.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/index.js';
import { ErrorCode, MetadataApi } from '../../src/protocol/index.js';
import { type EtcdProcess, startEtcd } from '../helpers/etcd.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { WireClient } from '../helpers/wire-client.js';
import { call, type HttpBroker, startHttpBroker } from '../http/helpers.js';

const TOPIC = 'made-over-http';
let etcd: EtcdProcess;
let withHttp: HttpBroker;
let other: Broker;

async function topicAt(broker: Broker) {
  const client = await WireClient.connect(broker.port);
  try {
    const response = await client.request(MetadataApi, { topics: [TOPIC], allowAutoTopicCreation: false });
    return response.topics[0];
  } finally {
    client.destroy();
  }
}

beforeAll(async () => {
  etcd = await startEtcd();
  const cluster = (id: number) => ({
    nodeId: id,
    dataDir: undefined,
    cluster: { etcd: etcd.url, name: 'http', sessionTimeoutMs: 2000, autoLeaderRebalance: false },
  });
  withHttp = await startHttpBroker({ ...cluster(1), dataDir: await tempDir('sluice-cluster-http-1-') });
  other = new Broker({
    ...cluster(2),
    port: 0,
    shutdownTimeoutMs: 2000,
    dataDir: await tempDir('sluice-cluster-http-2-'),
  });
  await other.start();
  await waitFor(
    async () => {
      const client = await WireClient.connect(withHttp.broker.port);
      try {
        return (await client.request(MetadataApi, { topics: [], allowAutoTopicCreation: false })).brokers.length === 2;
      } finally {
        client.destroy();
      }
    },
    { timeoutMs: 30_000, message: 'broker 1 seeing both brokers live' },
  );
}, 60_000);

afterAll(async () => {
  await withHttp?.stop();
  await other?.stop();
  await etcd?.stop();
  await removeTempDirs();
});

describe('the HTTP door in a cluster', () => {
  it('creates, alters and deletes a topic cluster-wide', async () => {
    const created = await call(withHttp, 'POST', `${withHttp.cluster}/topics`, {
      topic_name: TOPIC,
      partitions_count: 2,
      replication_factor: 2,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await waitFor(
      async () => {
        const topic = await topicAt(other);
        return topic?.errorCode === ErrorCode.NONE && topic.partitions.every((p) => p.leader >= 0);
      },
      { timeoutMs: 30_000, message: 'broker 2 knowing the topic, every partition led' },
    );
    expect((await topicAt(other))!.partitions).toHaveLength(2);

    const altered = await call(withHttp, 'POST', `${withHttp.cluster}/topics/${TOPIC}/configs:alter`, {
      data: [{ name: 'retention.ms', value: '60000' }],
    });
    expect(altered.status, JSON.stringify(altered.body)).toBe(204);
    await waitFor(() => other.core.topics.get(TOPIC)?.configs['retention.ms'] === '60000', {
      timeoutMs: 30_000,
      message: "broker 2 holding the topic's new retention.ms",
    });

    expect((await call(withHttp, 'DELETE', `${withHttp.cluster}/topics/${TOPIC}`)).status).toBe(204);
    await waitFor(async () => (await topicAt(other))?.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, {
      timeoutMs: 30_000,
      message: 'broker 2 no longer knowing the topic',
    });
  });
});
