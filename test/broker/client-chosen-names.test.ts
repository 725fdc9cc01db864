// Names a client chooses (topics, config keys) that collide with Object.prototype's own names, and a full
// disk under CreateTopics/AlterConfigs: every one gets its own clear answer, nothing is lost at restart.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AlterConfigsApi, CreateTopicsApi, DescribeConfigsApi, ErrorCode } from '../../src/protocol/index.js';
import { FaultyFs } from '../../storage/index.js';
import { createTopic, startBroker, type TestBroker } from '../helpers/broker.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import type { WireClient } from '../helpers/wire-client.js';

afterAll(removeTempDirs);
let t: TestBroker | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function describeTopic(client: WireClient, name: string, configNames: string[] | null = null) {
  const res = await client.request(DescribeConfigsApi, { resources: [{ type: 'topic', name, configNames }] });
  return res.resources[0]!;
}

const OBJECT_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

describe('client-chosen names that are also Object.prototype names', () => {
  it('a topic named like an Object.prototype member keeps its configs across a restart; __proto__ is reserved', async () => {
    t = await startBroker();
    let client = await t.client();
    // Names beginning with "__" belong to the broker: __proto__ is refused as an invalid name, nothing created.
    expect((await createTopic(client, '__proto__', 2, { 'retention.ms': '123456' })).errorCode).toBe(
      ErrorCode.INVALID_TOPIC_EXCEPTION,
    );
    for (const name of OBJECT_NAMES.slice(1)) {
      expect((await createTopic(client, name, 2, { 'retention.ms': '123456' })).errorCode, name).toBe(0);
    }
    const dataDir = t.dataDir;
    await t.stop();
    t = await startBroker({ dataDir });
    client = await t.client();
    for (const name of OBJECT_NAMES.slice(1)) {
      const r = await describeTopic(client, name);
      expect(r.errorCode, name).toBe(0);
      expect(
        r.configs.find((c) => c.name === 'retention.ms'),
        name,
      ).toMatchObject({ value: '123456', source: 'topic' });
      expect(
        r.configs.find((c) => c.name === 'partitions'),
        name,
      ).toMatchObject({ value: '2' });
    }
  });

  it('config keys constructor, toString, hasOwnProperty, valueOf are INVALID_CONFIG, not a server error', async () => {
    t = await startBroker();
    const client = await t.client();
    await createTopic(client, 'ok', 1);
    for (const key of OBJECT_NAMES.slice(1)) {
      const created = await client.request(CreateTopicsApi, {
        timeoutMs: 1000,
        validateOnly: false,
        topics: [{ name: `t-${key}`, numPartitions: 1, replicationFactor: 1, configs: { [key]: '1' } }],
      });
      expect(created.topics[0], key).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG });
      expect(created.topics[0]!.errorMessage, key).toMatch(/unknown topic config/);
      for (const value of ['1', null]) {
        const altered = await client.request(AlterConfigsApi, {
          validateOnly: false,
          resources: [{ type: 'topic', name: 'ok', configs: { [key]: value } }],
        });
        expect(altered.resources[0], `${key}=${value}`).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG });
      }
    }
    // Describing them is not an error either: unknown names are simply not listed.
    const described = await describeTopic(client, 'ok', OBJECT_NAMES.slice(1));
    expect(described).toMatchObject({ errorCode: 0, configs: [] });
  });

  it('segment.bytes below 1 MiB is INVALID_CONFIG (a client cannot make a partition roll a file per record)', async () => {
    t = await startBroker();
    const client = await t.client();
    expect(await createTopic(client, 'small', 1, { 'segment.bytes': '1024' })).toMatchObject({
      errorCode: ErrorCode.INVALID_CONFIG,
    });
    expect((await createTopic(client, 'small', 1, { 'segment.bytes': String(1024 * 1024) })).errorCode).toBe(0);
    const altered = await client.request(AlterConfigsApi, {
      validateOnly: false,
      resources: [{ type: 'topic', name: 'small', configs: { 'segment.bytes': '65536' } }],
    });
    expect(altered.resources[0]!.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(altered.resources[0]!.errorMessage).toMatch(/between 1048576/);
  });
});

describe('a full disk under topic administration', () => {
  it('CreateTopics and AlterConfigs answer KAFKA_STORAGE_ERROR (retriable) and work once space returns', async () => {
    const fs = new FaultyFs();
    t = await startBroker({ fs });
    const client = await t.client();
    await createTopic(client, 'existing', 1);
    fs.fail('open', { code: 'ENOSPC' });
    fs.failWrites({ code: 'ENOSPC' });
    const created = await createTopic(client, 'new', 2);
    expect(created.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(created.errorMessage).toMatch(/ENOSPC/);
    const altered = await client.request(AlterConfigsApi, {
      validateOnly: false,
      resources: [{ type: 'topic', name: 'existing', configs: { 'retention.ms': '1000' } }],
    });
    expect(altered.resources[0]!.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    fs.clearFaults();
    expect((await createTopic(client, 'new', 2)).errorCode).toBe(0);
  });
});
