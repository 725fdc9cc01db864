// Topic administration and offsets lookups: CreateTopics, DeleteTopics, DescribeConfigs, AlterConfigs,
// Metadata (with auto-creation), ListOffsets, ApiVersions.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AlterConfigsApi,
  ApiKey,
  ApiVersionsApi,
  CreatePartitionsApi,
  CreateTopicsApi,
  DeleteTopicsApi,
  DescribeConfigsApi,
  ErrorCode,
  ListOffsetsApi,
  MetadataApi,
} from '../../src/protocol/index.js';
import { SLUICE_VERSION } from '../../src/broker/index.js';
import {
  batchOf,
  createTopic,
  fetchPartition,
  parkedFetchWaits,
  produce,
  startBroker,
  type TestBroker,
} from '../helpers/broker.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import type { WireClient } from '../helpers/wire-client.js';

let t: TestBroker;
let client: WireClient;

beforeEach(async () => {
  t = await startBroker({ defaultPartitions: 2 });
  client = await t.client();
});
afterEach(async () => t.stop());
afterAll(removeTempDirs);

async function describeTopic(name: string, configNames: string[] | null = null) {
  const res = await client.request(DescribeConfigsApi, { resources: [{ type: 'topic', name, configNames }] });
  return res.resources[0]!;
}

const entry = (r: Awaited<ReturnType<typeof describeTopic>>, name: string) => r.configs.find((c) => c.name === name);

describe('ApiVersions', () => {
  it('lists the served APIs and the broker version', async () => {
    const res = await client.request(ApiVersionsApi, {});
    expect(res.brokerVersion).toBe(SLUICE_VERSION);
    const keys = res.apiVersions.map((v) => v.apiKey);
    for (const k of [
      ApiKey.Produce,
      ApiKey.Fetch,
      ApiKey.ListOffsets,
      ApiKey.Metadata,
      ApiKey.ApiVersions,
      ApiKey.CreateTopics,
    ])
      expect(keys).toContain(k);
  });
});

describe('CreateTopics', () => {
  it('creates with partitions and configs, and refuses what is wrong per topic', async () => {
    const res = await client.request(CreateTopicsApi, {
      timeoutMs: 1000,
      validateOnly: false,
      topics: [
        { name: 'good', numPartitions: 3, replicationFactor: 1, configs: { 'retention.ms': '60000', flush: 'always' } },
        { name: 'defaulted', numPartitions: -1, replicationFactor: -1, configs: {} },
        { name: 'bad name!', numPartitions: 1, replicationFactor: 1, configs: {} },
        { name: 'zero', numPartitions: 0, replicationFactor: 1, configs: {} },
        { name: 'rf', numPartitions: 1, replicationFactor: 3, configs: {} },
        { name: 'cfg', numPartitions: 1, replicationFactor: 1, configs: { 'retention.ms': 'soon' } },
        { name: 'unknown', numPartitions: 1, replicationFactor: 1, configs: { 'no.such': '1' } },
        { name: 'compact', numPartitions: 1, replicationFactor: 1, configs: { 'cleanup.policy': 'compact' } },
        { name: 'policy', numPartitions: 1, replicationFactor: 1, configs: { 'cleanup.policy': 'shred' } },
      ],
    });
    const codes = Object.fromEntries(res.topics.map((r) => [r.name, r.errorCode]));
    expect(codes).toEqual({
      good: 0,
      defaulted: 0,
      'bad name!': ErrorCode.INVALID_TOPIC_EXCEPTION,
      zero: ErrorCode.INVALID_PARTITIONS,
      rf: ErrorCode.INVALID_REPLICATION_FACTOR,
      cfg: ErrorCode.INVALID_CONFIG,
      unknown: ErrorCode.INVALID_CONFIG,
      compact: 0,
      policy: ErrorCode.INVALID_CONFIG,
    });
    expect(res.topics.find((r) => r.name === 'policy')!.errorMessage).toContain('cleanup.policy must be');
    const meta = await client.request(MetadataApi, { topics: ['good', 'defaulted'], allowAutoTopicCreation: false });
    expect(meta.topics.map((m) => [m.name, m.partitions.length])).toEqual([
      ['good', 3],
      ['defaulted', 2],
    ]);
    expect((await createTopic(client, 'good')).errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
  });

  it('validateOnly creates nothing', async () => {
    const res = await client.request(CreateTopicsApi, {
      timeoutMs: 1000,
      validateOnly: true,
      topics: [{ name: 'dry', numPartitions: 1, replicationFactor: 1, configs: {} }],
    });
    expect(res.topics[0]!.errorCode).toBe(0);
    const meta = await client.request(MetadataApi, { topics: ['dry'], allowAutoTopicCreation: false });
    expect(meta.topics[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('keeps topics in topics.json', async () => {
    await createTopic(client, 'persisted', 4, { 'segment.bytes': '1048576' });
    const file = JSON.parse(await readFile(join(t.dataDir, 'topics.json'), 'utf8'));
    expect(file.topics.persisted).toMatchObject({ partitions: 4, configs: { 'segment.bytes': '1048576' } });
  });
});

describe('DeleteTopics', () => {
  it('deletes a topic with its data; a later create starts empty', async () => {
    await createTopic(client, 'gone', 1);
    await produce(client, 'gone', 0, batchOf(['a', 'b']));
    const res = await client.request(DeleteTopicsApi, { topics: ['gone', 'never'], timeoutMs: 1000 });
    expect(res.topics.map((r) => r.errorCode)).toEqual([0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect((await fetchPartition(client, 'gone', 0, 0)).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    await createTopic(client, 'gone', 1);
    expect((await fetchPartition(client, 'gone', 0, 0)).highWatermark).toBe(0);
  });

  it('wakes a fetch waiting on the deleted topic', async () => {
    await createTopic(client, 'waited', 1);
    const other = await t.client();
    const pending = fetchPartition(other, 'waited', 0, 0, { maxWaitMs: 10_000 });
    await waitFor(() => parkedFetchWaits(t.broker) > 0, { message: 'the fetch to park in its long poll' });
    const started = performance.now();
    await client.request(DeleteTopicsApi, { topics: ['waited'], timeoutMs: 1000 });
    expect((await pending).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('DescribeConfigs and AlterConfigs', () => {
  it('describes values with their source', async () => {
    await createTopic(client, 'cfg', 2, { 'retention.ms': '1000' });
    const r = await describeTopic('cfg');
    expect(r.errorCode).toBe(0);
    expect(entry(r, 'retention.ms')).toMatchObject({ value: '1000', source: 'topic', isDefault: false });
    expect(entry(r, 'segment.bytes')).toMatchObject({ value: String(1024 ** 3), source: 'default', isDefault: true });
    expect(entry(r, 'partitions')).toMatchObject({ value: '2' });
    expect(entry(r, 'cleanup.policy')).toMatchObject({ value: 'delete' });
    const only = await describeTopic('cfg', ['flush']);
    expect(only.configs.map((c) => c.name)).toEqual(['flush']);
    expect((await describeTopic('missing')).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('shows broker-level defaults as source "broker"', async () => {
    await t.stop();
    t = await startBroker({ flush: 'always', topicDefaults: { retentionMs: 5000 } });
    client = await t.client();
    await createTopic(client, 'inherits');
    const r = await describeTopic('inherits');
    expect(entry(r, 'flush')).toMatchObject({ value: 'always', source: 'broker' });
    expect(entry(r, 'retention.ms')).toMatchObject({ value: '5000', source: 'broker' });
    const broker = await client.request(DescribeConfigsApi, {
      resources: [{ type: 'broker', name: '0', configNames: null }],
    });
    expect(broker.resources[0]!.configs.find((c) => c.name === 'flush')).toMatchObject({
      value: 'always',
      readOnly: true,
    });
  });

  it('alters incrementally; null reverts to the inherited value; partitions only grow', async () => {
    await createTopic(client, 'alt', 1, { 'retention.ms': '1000', 'segment.ms': '5000' });
    const alter = (configs: Record<string, string | null>) =>
      client
        .request(AlterConfigsApi, { validateOnly: false, resources: [{ type: 'topic', name: 'alt', configs }] })
        .then((r) => r.resources[0]!);
    expect((await alter({ 'retention.ms': null, 'max.message.bytes': '5000' })).errorCode).toBe(0);
    let r = await describeTopic('alt');
    expect(entry(r, 'retention.ms')).toMatchObject({ source: 'default' });
    expect(entry(r, 'segment.ms')).toMatchObject({ value: '5000', source: 'topic' });
    expect(entry(r, 'max.message.bytes')).toMatchObject({ value: '5000' });
    expect((await produce(client, 'alt', 0, batchOf(['m'.repeat(6000)]))).errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);

    expect((await alter({ flush: 'sometimes' })).errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect((await alter({ 'cleanup.policy': 'compact,delete', 'delete.retention.ms': '1000' })).errorCode).toBe(0);
    expect(entry(await describeTopic('alt'), 'cleanup.policy')).toMatchObject({
      value: 'compact,delete',
      source: 'topic',
    });
    expect((await alter({ 'min.cleanable.dirty.ratio': '1.5' })).errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect((await alter({ 'cleanup.policy': null })).errorCode).toBe(0);
    expect((await alter({ partitions: '3' })).errorCode).toBe(0);
    expect((await produce(client, 'alt', 2, batchOf(['new partition']))).errorCode).toBe(0);
    expect((await alter({ partitions: '2' })).errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    r = await describeTopic('alt');
    expect(entry(r, 'partitions')).toMatchObject({ value: '3' });

    const missing = await client.request(AlterConfigsApi, {
      validateOnly: false,
      resources: [{ type: 'topic', name: 'nope', configs: { flush: 'os' } }],
    });
    expect(missing.resources[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const brokerAlter = await client.request(AlterConfigsApi, {
      validateOnly: false,
      resources: [{ type: 'broker', name: '0', configs: { flush: 'os' } }],
    });
    expect(brokerAlter.resources[0]!.errorCode).toBe(ErrorCode.INVALID_CONFIG);
  });
});

describe('CreatePartitions', () => {
  const partitionCount = async (topic: string) =>
    (await client.request(MetadataApi, { topics: [topic], allowAutoTopicCreation: false })).topics[0]!.partitions
      .length;

  it('grows topics per topic; validateOnly changes nothing; bad counts and assignments are refused', async () => {
    await createTopic(client, 'grow', 2);
    await createTopic(client, 'other', 3);
    const res = await client.request(CreatePartitionsApi, {
      timeoutMs: 1000,
      validateOnly: false,
      topics: [
        { name: 'grow', count: 4, assignments: [[0], [0]] },
        { name: 'other', count: 3, assignments: null },
        { name: 'nope', count: 2, assignments: null },
      ],
    });
    expect(res.topics.map((r) => [r.name, r.errorCode])).toEqual([
      ['grow', 0],
      ['other', ErrorCode.INVALID_PARTITIONS],
      ['nope', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    expect(res.topics[1]!.errorMessage).toMatch(/already has 3 partitions/);
    expect(await partitionCount('grow')).toBe(4);
    expect((await produce(client, 'grow', 3, batchOf(['in a new partition']))).errorCode).toBe(0);

    const refused = await client.request(CreatePartitionsApi, {
      timeoutMs: 1000,
      validateOnly: false,
      topics: [
        { name: 'grow', count: 2, assignments: null },
        { name: 'other', count: 5, assignments: [[1], [0]] },
      ],
    });
    expect(refused.topics.map((r) => r.errorCode)).toEqual([
      ErrorCode.INVALID_PARTITIONS,
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
    ]);
    expect(refused.topics[0]!.errorMessage).toMatch(/can only grow/);

    const dryRun = await client.request(CreatePartitionsApi, {
      timeoutMs: 1000,
      validateOnly: true,
      topics: [{ name: 'other', count: 6, assignments: null }],
    });
    expect(dryRun.topics[0]!.errorCode).toBe(0);
    expect(await partitionCount('other')).toBe(3);

    const twice = await client.request(CreatePartitionsApi, {
      timeoutMs: 1000,
      validateOnly: false,
      topics: [
        { name: 'other', count: 6, assignments: null },
        { name: 'other', count: 7, assignments: null },
      ],
    });
    expect(twice.topics.map((r) => r.errorCode)).toEqual([ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
  });

  it('keeps the new count in topics.json (it survives a restart)', async () => {
    await createTopic(client, 'persisted', 1);
    await client.request(CreatePartitionsApi, {
      timeoutMs: 1000,
      validateOnly: false,
      topics: [{ name: 'persisted', count: 5, assignments: null }],
    });
    const file = JSON.parse(await readFile(join(t.dataDir, 'topics.json'), 'utf8'));
    expect(file.topics.persisted.partitions).toBe(5);
  });
});

describe('Metadata', () => {
  it('names this broker as leader of every partition', async () => {
    await createTopic(client, 'm', 2);
    const res = await client.request(MetadataApi, { topics: null, allowAutoTopicCreation: false });
    expect(res.brokers).toEqual([{ nodeId: 0, host: '127.0.0.1', port: t.port }]);
    expect(res.clusterId).toMatch(/.+/);
    expect(res.topics.find((x) => x.name === 'm')!.partitions).toEqual([
      { partition: 0, errorCode: 0, leader: 0, replicas: [0], isr: [0] },
      { partition: 1, errorCode: 0, leader: 0, replicas: [0], isr: [0] },
    ]);
  });

  it('auto-creates only when the request allows it and the broker setting is on', async () => {
    const no = await client.request(MetadataApi, { topics: ['auto1'], allowAutoTopicCreation: false });
    expect(no.topics[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const yes = await client.request(MetadataApi, { topics: ['auto1'], allowAutoTopicCreation: true });
    expect(yes.topics[0]).toMatchObject({ errorCode: 0, name: 'auto1' });
    expect(yes.topics[0]!.partitions).toHaveLength(2);

    await t.stop();
    t = await startBroker({ autoCreateTopics: false });
    client = await t.client();
    const off = await client.request(MetadataApi, { topics: ['auto2'], allowAutoTopicCreation: true });
    expect(off.topics[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await produce(client, 'auto2', 0, batchOf(['x']))).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('lists the internal topics (__consumer_offsets, __transaction_state, __activity) only when asked (includeInternal or by name), as internal and read-only', async () => {
    await createTopic(client, 'user', 1);
    const plain = await client.request(MetadataApi, { topics: null, allowAutoTopicCreation: false });
    expect(plain.topics.map((x) => x.name)).toEqual(['user']);
    const all = await client.request(MetadataApi, {
      topics: null,
      allowAutoTopicCreation: false,
      includeInternal: true,
    });
    expect(all.topics.map((x) => [x.name, x.isInternal, x.partitions.length])).toEqual([
      ['user', false, 1],
      ['__consumer_offsets', true, 1],
      ['__share_group_state', true, 1],
      ['__transaction_state', true, 1],
      ['__activity', true, 1],
    ]);
    const named = await client.request(MetadataApi, { topics: ['__consumer_offsets'], allowAutoTopicCreation: true });
    expect(named.topics[0]).toMatchObject({ name: '__consumer_offsets', errorCode: 0, isInternal: true });
    const offsets = await client.request(ListOffsetsApi, {
      isolationLevel: 0,
      topics: [{ name: '__consumer_offsets', partitions: [{ partition: 0, timestamp: -1 }] }],
    });
    expect(offsets.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, offset: 0 });

    expect((await createTopic(client, '__consumer_offsets', 1)).errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    const write = await produce(client, '__consumer_offsets', 0, batchOf(['x']));
    expect(write.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(write.errorMessage).toMatch(/internal to the broker/);
    const shareState = await produce(client, '__share_group_state', 0, batchOf(['x']));
    expect(shareState.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
  });
});

describe('ListOffsets', () => {
  it('answers earliest, latest and by timestamp', async () => {
    await createTopic(client, 'lo', 1);
    await produce(client, 'lo', 0, batchOf(['a', 'b'], { timestamp: 1_000 }));
    await produce(client, 'lo', 0, batchOf(['c'], { timestamp: 2_000 }));
    await produce(client, 'lo', 0, batchOf(['d', 'e'], { timestamp: 3_000 }));
    const ask = (timestamp: number) =>
      client
        .request(ListOffsetsApi, {
          isolationLevel: 0,
          topics: [{ name: 'lo', partitions: [{ partition: 0, timestamp }] }],
        })
        .then((r) => r.topics[0]!.partitions[0]!);
    expect(await ask(-2)).toMatchObject({ errorCode: 0, offset: 0 });
    expect(await ask(-1)).toMatchObject({ errorCode: 0, offset: 5 });
    expect(await ask(1_500)).toMatchObject({ errorCode: 0, offset: 2, timestamp: 2_000 });
    expect(await ask(0)).toMatchObject({ offset: 0, timestamp: 1_000 });
    expect(await ask(9_999)).toMatchObject({ errorCode: 0, offset: -1, timestamp: -1 });
    const missing = await client.request(ListOffsetsApi, {
      isolationLevel: 0,
      topics: [{ name: 'lo', partitions: [{ partition: 5, timestamp: -1 }] }],
    });
    expect(missing.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});
