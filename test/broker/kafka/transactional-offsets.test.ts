// A transaction's group offsets on the Kafka listener as KIP-447 has them: a TxnOffsetCommit that names its
// member (v3, librdkafka's send_offsets_to_transaction with the consumer's group metadata) is refused unless
// that member is in the group at that generation, and an OffsetFetch with require_stable (v7+, a librdkafka
// read_committed consumer) is answered UNSTABLE_OFFSET_COMMIT for a partition whose offset an open transaction
// is committing, until that transaction ends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/index.js';
import {
  AddOffsetsToTxn,
  EndTxn,
  InitProducerId,
  JoinGroup,
  OffsetCommit,
  OffsetFetch,
  SyncGroup,
  TxnOffsetCommit,
} from '../../../src/protocol/kafka/index.js';
import { createTopic } from '../../helpers/broker.js';
import { removeTempDirs } from '../../helpers/temp-dir.js';
import { type KafkaTestBroker, startKafkaBroker } from './helpers.js';
import { KafkaWireClient } from './kafka-wire-client.js';

let b: KafkaTestBroker;
let wire: KafkaWireClient;

beforeAll(async () => {
  b = await startKafkaBroker({ groups: { initialRebalanceDelayMs: 0 } });
  const admin = await b.client();
  await createTopic(admin, 'txn-in', 2);
  wire = await KafkaWireClient.connect(b.kafkaPort);
});
afterAll(async () => {
  wire?.destroy();
  await b?.stop();
  await removeTempDirs();
});

/** A transactional producer's id and epoch, with a transaction open that may commit offsets of `groupId`. */
async function openTransaction(transactionalId: string, groupId: string) {
  const init = await wire.request(InitProducerId, 1, { transactionalId, transactionTimeoutMs: 60_000 });
  expect(init.errorCode).toBe(ErrorCode.NONE);
  const producer = { transactionalId, producerId: init.producerId, producerEpoch: init.producerEpoch };
  const added = await wire.request(AddOffsetsToTxn, 3, { ...producer, groupId });
  expect(added.errorCode).toBe(ErrorCode.NONE);
  return producer;
}

/** One member joined and synced into `groupId`: its member id and generation. */
async function joinAlone(groupId: string) {
  const joined = await wire.request(JoinGroup, 5, {
    groupId,
    sessionTimeoutMs: 30_000,
    rebalanceTimeoutMs: 30_000,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
  });
  expect(joined.errorCode).toBe(ErrorCode.NONE);
  const synced = await wire.request(SyncGroup, 3, {
    groupId,
    generationId: joined.generationId,
    memberId: joined.memberId,
    groupInstanceId: null,
    assignments: [{ memberId: joined.memberId, assignment: Buffer.alloc(0) }],
  });
  expect(synced.errorCode).toBe(ErrorCode.NONE);
  return { memberId: joined.memberId, generationId: joined.generationId };
}

function txnCommit(
  producer: Awaited<ReturnType<typeof openTransaction>>,
  groupId: string,
  member: { generationId: number; memberId: string },
  offset: number,
) {
  return wire.request(TxnOffsetCommit, 3, {
    ...producer,
    groupId,
    generationId: member.generationId,
    memberId: member.memberId,
    groupInstanceId: null,
    topics: [
      {
        name: 'txn-in',
        partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }],
      },
    ],
  });
}

/** What OffsetFetch v7 answers for txn-in partitions 0 and 1 of `groupId`. */
async function fetched(groupId: string, requireStable: boolean) {
  const answer = await wire.request(OffsetFetch, 7, {
    groupId,
    topics: [{ name: 'txn-in', partitionIndexes: [0, 1] }],
    requireStable,
  });
  expect(answer.errorCode).toBe(ErrorCode.NONE);
  return answer.topics[0]!.partitions.map((p) => ({
    partition: p.partitionIndex,
    offset: Number(p.committedOffset),
    errorCode: p.errorCode,
  }));
}

const errorOf = (answer: { topics: Array<{ partitions: Array<{ errorCode: number }> }> }) =>
  answer.topics[0]!.partitions[0]!.errorCode;

describe("a transaction's group offsets (KIP-447)", () => {
  it('TxnOffsetCommit naming a member is refused unless that member is in the group at that generation', async () => {
    const member = await joinAlone('fenced-group');
    const producer = await openTransaction('fencing-txn', 'fenced-group');
    const unknown = await txnCommit(producer, 'fenced-group', { ...member, memberId: 'not-a-member' }, 5);
    expect(errorOf(unknown)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const stale = await txnCommit(producer, 'fenced-group', { ...member, generationId: member.generationId - 1 }, 5);
    expect(errorOf(stale)).toBe(ErrorCode.ILLEGAL_GENERATION);
    const inOtherGroup = await txnCommit(producer, 'fenced-group-2', member, 5);
    expect(errorOf(inOtherGroup)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    // kafkajs and versions 0-2 name no member: not checked, as in Kafka.
    const anonymous = await txnCommit(producer, 'fenced-group', { generationId: -1, memberId: '' }, 6);
    expect(errorOf(anonymous)).toBe(ErrorCode.NONE);
    const current = await txnCommit(producer, 'fenced-group', member, 7);
    expect(errorOf(current)).toBe(ErrorCode.NONE);
    expect((await wire.request(EndTxn, 3, { ...producer, committed: true })).errorCode).toBe(ErrorCode.NONE);
    // Only what the accepted requests committed reached the group: the last one's offset.
    expect(await fetched('fenced-group', true)).toEqual([
      { partition: 0, offset: 7, errorCode: ErrorCode.NONE },
      { partition: 1, offset: -1, errorCode: ErrorCode.NONE },
    ]);
  });

  it('OffsetFetch with require_stable is answered UNSTABLE_OFFSET_COMMIT while a transaction commits the offset', async () => {
    const committed = await wire.request(OffsetCommit, 2, {
      groupId: 'stable-group',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      retentionTimeMs: -1,
      topics: [{ name: 'txn-in', partitions: [{ partitionIndex: 0, committedOffset: 3, committedMetadata: null }] }],
    });
    expect(errorOf(committed)).toBe(ErrorCode.NONE);
    const producer = await openTransaction('stable-txn', 'stable-group');
    expect(errorOf(await txnCommit(producer, 'stable-group', { generationId: -1, memberId: '' }, 10))).toBe(
      ErrorCode.NONE,
    );
    // Open: the partition the transaction commits is unstable; the other one, and a reader not asking for
    // stable offsets, get what the group has.
    expect(await fetched('stable-group', true)).toEqual([
      { partition: 0, offset: -1, errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT },
      { partition: 1, offset: -1, errorCode: ErrorCode.NONE },
    ]);
    expect((await fetched('stable-group', false))[0]).toEqual({ partition: 0, offset: 3, errorCode: ErrorCode.NONE });
    expect((await wire.request(EndTxn, 3, { ...producer, committed: true })).errorCode).toBe(ErrorCode.NONE);
    expect((await fetched('stable-group', true))[0]).toEqual({ partition: 0, offset: 10, errorCode: ErrorCode.NONE });

    // Aborted, the transaction's offset never reaches the group, and the partition is stable again.
    const next = await openTransaction('stable-txn', 'stable-group');
    expect(errorOf(await txnCommit(next, 'stable-group', { generationId: -1, memberId: '' }, 20))).toBe(ErrorCode.NONE);
    expect((await fetched('stable-group', true))[0]!.errorCode).toBe(ErrorCode.UNSTABLE_OFFSET_COMMIT);
    expect((await wire.request(EndTxn, 3, { ...next, committed: false })).errorCode).toBe(ErrorCode.NONE);
    expect((await fetched('stable-group', true))[0]).toEqual({ partition: 0, offset: 10, errorCode: ErrorCode.NONE });
  });
});
