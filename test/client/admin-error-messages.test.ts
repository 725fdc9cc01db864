// An admin call's error names what it is about once: as the broker's reason does when it names the topic
// or partition already (`topic "nope" does not exist`), else with the name put in front (`topic "y": …`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Admin, ConfigResourceTypes } from '../../src/client/index.js';
import { ErrorCode } from '../../src/protocol/index.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { type SdkBroker, sdkClient, startSdkBroker } from './helpers.js';

let broker: SdkBroker;
let admin: Admin;
beforeAll(async () => {
  broker = await startSdkBroker();
  admin = sdkClient(broker.port, { retries: 0 }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'named', numPartitions: 2 }] });
});
afterAll(async () => {
  await admin.disconnect();
  await broker.stop();
  await removeTempDirs();
});

const messageOf = (call: Promise<unknown>): Promise<string> =>
  call.then(
    () => 'resolved',
    (error: Error) => error.message,
  );

describe('admin errors name their topic or partition once', () => {
  it('a reason that names the topic is kept as it is', async () => {
    expect(await messageOf(admin.deleteTopics({ topics: ['nope'] }))).toBe('topic "nope" does not exist');
    expect(await messageOf(admin.createPartitions({ topicPartitions: [{ topic: 'named', count: 2 }] }))).toBe(
      'topic "named" already has 2 partitions',
    );
    expect(
      await messageOf(
        admin.describeConfigs({
          resources: [{ type: ConfigResourceTypes.TOPIC, name: 'nope' }],
          includeSynonyms: false,
        }),
      ),
    ).toBe('topic "nope" does not exist');
  });

  it('a reason that does not name the topic gets it in front', async () => {
    expect(await messageOf(admin.createTopics({ topics: [{ topic: 'fresh', numPartitions: 0 }] }))).toBe(
      'topic "fresh": numPartitions must be between 1 and 10000, got 0',
    );
    const alter = admin.alterConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'named', configEntries: [{ name: 'nope', value: '1' }] }],
    });
    expect(await messageOf(alter)).toMatch(/^topic "named": unknown topic config "nope" \(known: /);
  });

  it('partitions: a reassignment and a records deletion name the partition once', async () => {
    const reassign = admin.alterPartitionReassignments({
      topics: [{ topic: 'nope', partitionAssignment: [{ partition: 0, replicas: [0] }] }],
    });
    expect(await messageOf(reassign)).toBe('no partition nope-0');
    const deletion = admin.deleteTopicRecords({ topic: 'named', partitions: [{ partition: 0, offset: '5' }] });
    expect(await messageOf(deletion)).toBe(
      'Error while deleting records of topic named: cannot delete records of named-0 below offset 5: give an offset from 0 to the high watermark 0, or -1 for all',
    );
  });

  it("a transaction's partition error names the partition once", async () => {
    // The broker's own answer for a partition it does not have: "<topic>-<partition> does not exist".
    broker.broker.intercept('AddPartitionsToTxn', () => ({
      respond: {
        throttleTimeMs: 0,
        results: [
          {
            name: 'named',
            partitions: [
              { partition: 0, errorCode: ErrorCode.INVALID_TXN_STATE, errorMessage: 'named-0 does not exist' },
            ],
          },
        ],
      },
    }));
    const producer = sdkClient(broker.port, { retries: 0 }).producer({
      transactionalId: 'named-once',
      idempotent: true,
    });
    await producer.connect();
    const txn = await producer.transaction();
    const error = await txn.send({ topic: 'named', messages: [{ partition: 0, value: 'v' }] }).catch((e: Error) => e);
    await txn.abort().catch(() => {});
    await producer.disconnect();
    expect((error as Error).message).toBe('named-0 does not exist');
  });
});
