// ACLs on the Kafka wire with kafkajs 2.2.4, unmodified: admin.createAcls / describeAcls / deleteAcls, and
// the denial matrix as a Kafka client sees it (every client is User:ANONYMOUS: no SASL on this listener).
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AclBinding } from '../../../../src/broker/security/acl/types.js';
import { removeTempDirs } from '../../../helpers/temp-dir.js';
import { type KafkaTestBroker, startKafkaBroker } from '../../kafka/helpers.js';

const kafkajs = createRequire(import.meta.url)('kafkajs') as any;
const { AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs;

let b: KafkaTestBroker;
let kafka: any;
let admin: any;

beforeEach(async () => {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  b = await startKafkaBroker({ security: { authorization: true } });
  // The one grant made behind the wire: managing ACLs needs Alter and Describe on the cluster.
  await seed([
    { resourceType: 'cluster', resourceName: 'kafka-cluster', operation: 'Alter' },
    { resourceType: 'cluster', resourceName: 'kafka-cluster', operation: 'Describe' },
  ]);
  kafka = new kafkajs.Kafka({
    clientId: 'acl-test',
    brokers: [b.bootstrap],
    logLevel: kafkajs.logLevel.NOTHING,
    retry: { initialRetryTime: 50, retries: 2 },
  });
  admin = kafka.admin();
  await admin.connect();
});
afterEach(async () => {
  await admin?.disconnect();
  await b?.stop();
});
afterAll(removeTempDirs);

async function seed(bindings: Array<Pick<AclBinding, 'resourceType' | 'resourceName' | 'operation'>>) {
  const results = await b.broker.core.authorizer.create(
    bindings.map((x) => ({
      principal: 'User:ANONYMOUS',
      host: '*',
      patternType: 'literal',
      permission: 'allow',
      ...x,
    })),
  );
  expect(results.every((r) => r.ok)).toBe(true);
}

function allow(resourceType: number, resourceName: string, operation: number, extra: Record<string, unknown> = {}) {
  return {
    resourceType,
    resourceName,
    resourcePatternType: ResourcePatternTypes.LITERAL,
    principal: 'User:ANONYMOUS',
    host: '*',
    operation,
    permissionType: AclPermissionTypes.ALLOW,
    ...extra,
  };
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error: any) {
    return error.type ?? error.cause?.type ?? error.errors?.[0]?.type ?? String(error);
  }
  throw new Error('expected a failure');
}

describe('ACL management with kafkajs', () => {
  it('creates, describes (with filters) and deletes ACLs', async () => {
    await admin.createAcls({
      acl: [
        allow(AclResourceTypes.TOPIC, 'orders', AclOperationTypes.READ),
        allow(AclResourceTypes.TOPIC, 'logs.', AclOperationTypes.WRITE, {
          resourcePatternType: ResourcePatternTypes.PREFIXED,
        }),
        allow(AclResourceTypes.GROUP, 'billing', AclOperationTypes.ALL, { permissionType: AclPermissionTypes.DENY }),
      ],
    });
    const topics = await admin.describeAcls({
      resourceType: AclResourceTypes.TOPIC,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    expect(
      topics.resources
        .map((r: any) => [r.resourceName, r.resourcePatternType, r.acls.map((a: any) => a.operation)])
        .sort(),
    ).toEqual([
      ['logs.', ResourcePatternTypes.PREFIXED, [AclOperationTypes.WRITE]],
      ['orders', ResourcePatternTypes.LITERAL, [AclOperationTypes.READ]],
    ]);
    const matching = await admin.describeAcls({
      resourceType: AclResourceTypes.TOPIC,
      resourceName: 'logs.app',
      resourcePatternType: ResourcePatternTypes.MATCH,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    expect(matching.resources.map((r: any) => r.resourceName)).toEqual(['logs.']);
    const deleted = await admin.deleteAcls({
      filters: [
        {
          resourceType: AclResourceTypes.ANY,
          resourcePatternType: ResourcePatternTypes.ANY,
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.DENY,
        },
      ],
    });
    expect(deleted.filterResponses[0].matchingAcls).toEqual([
      expect.objectContaining({ resourceType: AclResourceTypes.GROUP, resourceName: 'billing', errorCode: 0 }),
    ]);
    const groups = await admin.describeAcls({
      resourceType: AclResourceTypes.GROUP,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    expect(groups.resources).toEqual([]);
  });

  it('refuses a principal without Alter on the cluster (CLUSTER_AUTHORIZATION_FAILED)', async () => {
    await b.broker.core.authorizer.delete([{ resourceType: 'cluster', operation: 'Alter' }]);
    const type = await failure(admin.createAcls({ acl: [allow(AclResourceTypes.TOPIC, 'x', AclOperationTypes.READ)] }));
    expect(type).toBe('CLUSTER_AUTHORIZATION_FAILED');
  });
});

describe('the denial matrix with kafkajs (Kafka wire)', () => {
  it('topics: Create to create, Describe to see, Write to produce, Read to consume, Delete to delete', async () => {
    expect(await failure(admin.createTopics({ topics: [{ topic: 'orders' }] }))).toBe('TOPIC_AUTHORIZATION_FAILED');
    await admin.createAcls({ acl: [allow(AclResourceTypes.TOPIC, 'orders', AclOperationTypes.CREATE)] });
    // kafkajs waits for the new topic's leaders in Metadata, which it may not Describe yet.
    expect(await admin.createTopics({ topics: [{ topic: 'orders' }], waitForLeaders: false })).toBe(true);
    await seed([{ resourceType: 'cluster', resourceName: 'kafka-cluster', operation: 'Create' }]);
    expect(await admin.createTopics({ topics: [{ topic: 'hidden' }], waitForLeaders: false })).toBe(true);
    expect(await admin.listTopics()).toEqual([]);
    await admin.createAcls({ acl: [allow(AclResourceTypes.TOPIC, 'orders', AclOperationTypes.DESCRIBE)] });
    expect(await admin.listTopics()).toEqual(['orders']);

    const producer = kafka.producer();
    await producer.connect();
    try {
      const send = () => producer.send({ topic: 'orders', messages: [{ value: 'one' }] });
      expect(await failure(send())).toBe('TOPIC_AUTHORIZATION_FAILED');
      await admin.createAcls({ acl: [allow(AclResourceTypes.TOPIC, 'orders', AclOperationTypes.WRITE)] });
      expect((await send())[0].errorCode).toBe(0);
    } finally {
      await producer.disconnect();
    }

    expect(await failure(admin.deleteTopics({ topics: ['orders'], timeout: 2000 }))).toBe('TOPIC_AUTHORIZATION_FAILED');
    await admin.createAcls({ acl: [allow(AclResourceTypes.TOPIC, 'orders', AclOperationTypes.DELETE)] });
    await admin.deleteTopics({ topics: ['orders'] });
  });

  it('groups: a consumer needs Read on its group and on the topic; a deny beats a prefixed allow', async () => {
    await seed([
      { resourceType: 'cluster', resourceName: 'kafka-cluster', operation: 'Create' },
      { resourceType: 'topic', resourceName: 'events', operation: 'All' },
    ]);
    await admin.createTopics({ topics: [{ topic: 'events' }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'events', messages: [{ value: 'hello' }] });
    await producer.disconnect();

    const consumeOne = async (groupId: string) => {
      const consumer = kafka.consumer({ groupId, retry: { retries: 0 } });
      try {
        await consumer.connect();
        await consumer.subscribe({ topic: 'events', fromBeginning: true });
        const first = new Promise<string>((resolve, reject) => {
          consumer.on(consumer.events.CRASH, (e: any) => reject(e.payload.error));
          consumer.run({ eachMessage: async ({ message }: any) => resolve(message.value.toString()) }).catch(reject);
        });
        return await first;
      } finally {
        await consumer.disconnect();
      }
    };
    // FindCoordinator needs Describe on the group; kafkajs reports its refusal as "coordinator not found".
    expect(await failure(consumeOne('team-a'))).toMatch(/Failed to find group coordinator/);
    await admin.createAcls({ acl: [allow(AclResourceTypes.GROUP, 'team-a', AclOperationTypes.DESCRIBE)] });
    expect(await failure(consumeOne('team-a'))).toBe('GROUP_AUTHORIZATION_FAILED');
    await admin.createAcls({
      acl: [
        allow(AclResourceTypes.GROUP, 'team-', AclOperationTypes.READ, {
          resourcePatternType: ResourcePatternTypes.PREFIXED,
        }),
        allow(AclResourceTypes.GROUP, 'team-b', AclOperationTypes.READ, { permissionType: AclPermissionTypes.DENY }),
      ],
    });
    expect(await consumeOne('team-a')).toBe('hello');
    expect(await failure(consumeOne('team-b'))).toBe('GROUP_AUTHORIZATION_FAILED');
    const listed = await admin.listGroups();
    expect(listed.groups.map((g: any) => g.groupId)).toEqual(['team-a']);
  });
});
