// Every error class kafkajs 2.2.4 exports exists in Sluice under the same name, built from the same
// arguments gives the same `name`, `retriable` and class relationships, so kafkajs programs that
// construct, catch or compare errors (`error.name === 'KafkaJSNumberOfRetriesExceeded'`) keep working.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as sluice from '../../src/client/index.js';

const require = createRequire(import.meta.url);
const kafkajs = require('kafkajs') as Record<string, any>;
// kafkajs defines isRebalancing and isKafkaJSError in src/errors.js but leaves them out of its index.
const kafkajsErrorsModule = require('kafkajs/src/errors') as Record<string, any>;

const cause = new Error('boom');
// Arguments each class is built with, in kafkajs's forms (the same for both libraries).
const ARGS: Record<string, unknown[]> = {
  KafkaJSError: ['plain error'],
  KafkaJSNonRetriableError: ['not retriable'],
  KafkaJSPartialMessageError: ['partial'],
  KafkaJSBrokerNotFound: ['no broker'],
  KafkaJSProtocolError: [{ message: 'topic gone', type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: true }],
  KafkaJSConnectionError: ['refused', { broker: 'h:1', code: 'ECONNREFUSED' }],
  KafkaJSConnectionClosedError: ['closed', { host: 'h', port: 1 }],
  KafkaJSRequestTimeoutError: [
    'slow',
    { broker: 'h:1', correlationId: 7, createdAt: 1, sentAt: 2, pendingDuration: 1 },
  ],
  KafkaJSSASLAuthenticationError: ['sasl'],
  KafkaJSNumberOfRetriesExceeded: [cause, { retryCount: 5, retryTime: 300 }],
  KafkaJSOffsetOutOfRange: [
    { message: 'range', type: 'OFFSET_OUT_OF_RANGE', code: 1 },
    { topic: 't', partition: 2 },
  ],
  KafkaJSMemberIdRequired: [{ message: 'member', type: 'MEMBER_ID_REQUIRED', code: 79 }, { memberId: 'm-1' }],
  KafkaJSGroupCoordinatorNotFound: ['coordinator'],
  KafkaJSNotImplemented: ['later'],
  KafkaJSMetadataNotLoaded: ['metadata'],
  KafkaJSTopicMetadataNotLoaded: ['topic metadata', { topic: 't' }],
  KafkaJSStaleTopicMetadataAssignment: ['stale', { topic: 't', unknownPartitions: [] }],
  KafkaJSDeleteGroupsError: ['groups', [{ groupId: 'g', errorCode: 69 }]],
  KafkaJSTimeout: ['timeout'],
  KafkaJSLockTimeout: ['lock'],
  KafkaJSServerDoesNotSupportApiKey: ['api', { apiKey: 21, apiName: 'DeleteRecords' }],
  KafkaJSUnsupportedMagicByteInMessageSet: ['magic'],
  KafkaJSDeleteTopicRecordsError: [{ topic: 't', partitions: [{ partition: 0, offset: '5', error: cause }] }],
  KafkaJSInvariantViolation: ['broken'],
  KafkaJSInvalidVarIntError: ['varint'],
  KafkaJSInvalidLongError: ['long'],
  KafkaJSCreateTopicError: [{ message: 'exists', type: 'TOPIC_ALREADY_EXISTS', code: 36 }, 't'],
  KafkaJSAggregateError: ['several', [cause]],
  KafkaJSFetcherRebalanceError: [],
  KafkaJSNoBrokerAvailableError: [],
  KafkaJSAlterPartitionReassignmentsError: [{ message: 'reassign', type: 'INVALID_REPLICA_ASSIGNMENT', code: 39 }],
};

const kafkajsErrorNames = Object.keys(kafkajs).filter((name) => name.startsWith('KafkaJS'));

describe('kafkajs error classes', () => {
  it('exports every class kafkajs exports (31 in 2.2.4)', () => {
    expect(kafkajsErrorNames).toHaveLength(31);
    expect(kafkajsErrorNames.filter((name) => typeof (sluice as Record<string, unknown>)[name] !== 'function')).toEqual(
      [],
    );
    expect(Object.keys(ARGS).sort()).toEqual([...kafkajsErrorNames].sort());
  });

  it.each(kafkajsErrorNames)('%s: same name, retriable and base classes as kafkajs', (name) => {
    const Theirs = kafkajs[name];
    const Ours = (sluice as Record<string, any>)[name];
    const theirs = new Theirs(...ARGS[name]!);
    const ours = new Ours(...ARGS[name]!);
    expect(ours.name).toBe(theirs.name);
    expect(ours.retriable).toBe(theirs.retriable);
    expect(ours).toBeInstanceOf(Error);
    for (const base of ['KafkaJSError', 'KafkaJSNonRetriableError', 'KafkaJSProtocolError', 'KafkaJSConnectionError']) {
      if (theirs instanceof kafkajs[base]) expect(ours).toBeInstanceOf((sluice as Record<string, any>)[base]);
    }
    expect(typeof ours.message).toBe('string');
  });

  it('keeps the fields kafkajs code reads', () => {
    const retries = new sluice.KafkaJSNumberOfRetriesExceeded(cause, { retryCount: 5, retryTime: 300 });
    expect([retries.retryCount, retries.retryTime, retries.cause]).toEqual([5, 300, cause]);
    const range = new sluice.KafkaJSOffsetOutOfRange('range', { topic: 't', partition: 2 });
    expect([range.topic, range.partition, range.type, range.code]).toEqual(['t', 2, 'OFFSET_OUT_OF_RANGE', 1]);
    const protocol = new sluice.KafkaJSProtocolError({ message: 'gone', type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3 });
    expect([protocol.type, protocol.code, protocol.retriable, protocol.message]).toEqual([
      'UNKNOWN_TOPIC_OR_PARTITION',
      3,
      true,
      'gone',
    ]);
    const connection = new sluice.KafkaJSConnectionError('refused', { broker: 'h:1', code: 'ECONNREFUSED' });
    expect([connection.broker, connection.code]).toEqual(['h:1', 'ECONNREFUSED']);
    const records = new sluice.KafkaJSDeleteTopicRecordsError({
      topic: 't',
      partitions: [{ partition: 0, offset: '5', error: new sluice.KafkaJSProtocolError('UNKNOWN_TOPIC_OR_PARTITION') }],
    });
    expect([records.retriable, records.partitions[0]!.partition]).toEqual([true, 0]);
  });

  it("the SDK's own errors carry kafkajs names (checks like error.name === 'KafkaJSNumberOfRetriesExceeded')", async () => {
    const retry = sluice.Kafka.prototype; // the class exists; the retrier's error is built below as the SDK builds it
    expect(retry).toBeDefined();
    const error = new sluice.SluiceNumberOfRetriesExceeded(new sluice.SluiceConnectionError('refused', 'h:1'), 5, 300);
    expect(error.name).toBe('KafkaJSNumberOfRetriesExceeded');
    expect(new sluice.SluiceProtocolError('UNKNOWN_TOPIC_OR_PARTITION').name).toBe('KafkaJSProtocolError');
    expect(new sluice.SluiceConnectionError('refused', 'h:1').name).toBe('KafkaJSConnectionError');
  });

  it('isRebalancing and isKafkaJSError behave as kafkajs’s', () => {
    const samples = [
      new sluice.KafkaJSProtocolError('REBALANCE_IN_PROGRESS'),
      new sluice.KafkaJSProtocolError('ILLEGAL_GENERATION'),
      new sluice.KafkaJSProtocolError('UNKNOWN_TOPIC_OR_PARTITION'),
      { type: 'NOT_COORDINATOR_FOR_GROUP' },
      new Error('plain'),
      new sluice.KafkaJSAggregateError('several', []),
    ];
    expect(samples.map((e) => sluice.isRebalancing(e))).toEqual(
      samples.map((e) => kafkajsErrorsModule.isRebalancing(e)),
    );
    expect(samples.map((e) => sluice.isKafkaJSError(e))).toEqual([true, true, true, false, false, false]);
    expect(kafkajsErrorsModule.isKafkaJSError(new kafkajs.KafkaJSError('x'))).toBe(true);
  });
});
