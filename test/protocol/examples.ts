// One valid request and response value for every API, for the protocol tests.
import { ApiKey } from '../../src/protocol/index.js';
import { buildRecordBatchSync } from '../../src/records/index.js';

const batch = buildRecordBatchSync([{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: 1_700_000_000_000 }]);
/** Partition 0 of topic 'a' answered with `batch`: in a Fetch response and in a FetchPush frame alike. */
const fetchedPartition = {
  partition: 0,
  errorCode: 0,
  errorMessage: null,
  highWatermark: 1,
  lastStableOffset: 1,
  abortedTransactions: null,
  logStartOffset: 0,
  records: [batch],
};
const bin = Buffer.from([1, 2, 3]);
const aclBinding = {
  principal: 'User:alice',
  host: '*',
  resourceType: 'topic',
  resourceName: 'orders',
  patternType: 'prefixed',
  operation: 'Read',
  permission: 'allow',
};
const aclFilter = {
  principal: null,
  host: null,
  resourceType: 'topic',
  resourceName: 'orders',
  patternType: 'match',
  operation: null,
  permission: 'deny',
};

export const EXAMPLES: Record<number, { request: unknown; response: unknown }> = {
  [ApiKey.ApiVersions]: {
    request: {},
    response: { errorCode: 0, apiVersions: [{ apiKey: 0, minVersion: 0, maxVersion: 0 }], brokerVersion: '0.1.0' },
  },
  [ApiKey.Metadata]: {
    request: { topics: ['a'], allowAutoTopicCreation: true, includeInternal: false },
    response: {
      throttleTimeMs: 0,
      brokers: [{ nodeId: 0, host: '127.0.0.1', port: 9650 }],
      clusterId: 'c',
      controllerId: 0,
      topics: [
        {
          name: 'a',
          errorCode: 0,
          errorMessage: null,
          isInternal: false,
          partitions: [{ partition: 0, errorCode: 0, leader: 0, replicas: [0], isr: [0] }],
        },
      ],
    },
  },
  [ApiKey.CreateTopics]: {
    request: {
      topics: [{ name: 'a', numPartitions: 2, replicationFactor: 1, configs: { 'retention.ms': '1000' } }],
      timeoutMs: 100,
      validateOnly: false,
    },
    response: { throttleTimeMs: 0, topics: [{ name: 'a', errorCode: 0, errorMessage: null }] },
  },
  [ApiKey.DeleteTopics]: {
    request: { topics: ['a'], timeoutMs: 100 },
    response: { throttleTimeMs: 0, topics: [{ name: 'a', errorCode: 3, errorMessage: 'gone' }] },
  },
  [ApiKey.CreatePartitions]: {
    request: { topics: [{ name: 'a', count: 4, assignments: [[0], [0]] }], timeoutMs: 100, validateOnly: true },
    response: { throttleTimeMs: 0, topics: [{ name: 'a', errorCode: 37, errorMessage: 'already has 4 partitions' }] },
  },
  [ApiKey.DeleteRecords]: {
    request: { topics: [{ name: 'a', partitions: [{ partition: 0, offset: -1 }] }], timeoutMs: 100 },
    response: {
      throttleTimeMs: 0,
      topics: [{ name: 'a', partitions: [{ partition: 0, errorCode: 0, errorMessage: null, lowWatermark: 12 }] }],
    },
  },
  [ApiKey.DescribeConfigs]: {
    request: { resources: [{ type: 'topic', name: 'a', configNames: ['flush'] }] },
    response: {
      throttleTimeMs: 0,
      resources: [
        {
          type: 'topic',
          name: 'a',
          errorCode: 0,
          errorMessage: null,
          configs: [
            { name: 'flush', value: 'os', readOnly: false, isDefault: true, source: 'default', isSensitive: false },
          ],
        },
      ],
    },
  },
  [ApiKey.IncrementalAlterConfigs]: {
    request: {
      resources: [
        {
          type: 'topic',
          name: 'a',
          configs: [
            { name: 'cleanup.policy', operation: 'append', value: 'compact' },
            { name: 'retention.ms', operation: 'delete', value: null },
          ],
        },
      ],
      validateOnly: false,
    },
    response: { throttleTimeMs: 0, resources: [{ type: 'topic', name: 'a', errorCode: 0, errorMessage: null }] },
  },
  [ApiKey.ElectLeaders]: {
    request: { electionType: 'preferred', topics: [{ name: 'a', partitions: [0, 1] }], timeoutMs: 1000 },
    response: {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      topics: [{ name: 'a', partitions: [{ partition: 0, errorCode: 84, errorMessage: 'led already' }] }],
    },
  },
  [ApiKey.AlterPartitionReassignments]: {
    request: {
      timeoutMs: 1000,
      topics: [
        {
          name: 'a',
          partitions: [
            { partition: 0, replicas: [2, 3] },
            { partition: 1, replicas: null },
          ],
        },
      ],
      throttleBytesPerSecond: 100_000,
    },
    response: {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      topics: [{ name: 'a', partitions: [{ partition: 0, errorCode: 0, errorMessage: null }] }],
    },
  },
  [ApiKey.ListPartitionReassignments]: {
    request: { timeoutMs: 1000, topics: null },
    response: {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      topics: [
        { name: 'a', partitions: [{ partition: 0, replicas: [1, 2, 3], addingReplicas: [3], removingReplicas: [1] }] },
      ],
    },
  },
  [ApiKey.AlterConfigs]: {
    request: {
      resources: [{ type: 'topic', name: 'a', configs: { flush: 'always', 'retention.ms': null } }],
      validateOnly: false,
    },
    response: { throttleTimeMs: 0, resources: [{ type: 'topic', name: 'a', errorCode: 0, errorMessage: null }] },
  },
  [ApiKey.Produce]: {
    request: { acks: -1, timeoutMs: 100, topics: [{ name: 'a', partitions: [{ partition: 0, records: batch }] }] },
    response: {
      topics: [
        {
          name: 'a',
          partitions: [
            { partition: 0, errorCode: 0, errorMessage: null, baseOffset: 5, logAppendTime: -1, logStartOffset: 0 },
          ],
        },
      ],
      throttleTimeMs: 0,
    },
  },
  [ApiKey.Fetch]: {
    request: {
      maxWaitMs: 100,
      minBytes: 1,
      maxBytes: 1000,
      isolationLevel: 0,
      topics: [{ name: 'a', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 100 }] }],
    },
    response: {
      throttleTimeMs: 0,
      errorCode: 0,
      topics: [
        {
          name: 'a',
          partitions: [fetchedPartition],
        },
      ],
    },
  },
  [ApiKey.FetchPush]: {
    request: {
      maxIdleMs: 5000,
      maxBytes: 1000,
      creditBytes: 4096,
      isolationLevel: 0,
      topics: [{ name: 'a', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 100 }] }],
    },
    response: {
      throttleTimeMs: 0,
      errorCode: 0,
      final: false,
      topics: [
        {
          name: 'a',
          partitions: [fetchedPartition],
        },
      ],
    },
  },
  [ApiKey.FetchPushCredit]: {
    request: { streamId: 7, creditBytes: 65_536, end: false },
    response: { throttleTimeMs: 0 },
  },
  [ApiKey.ListOffsets]: {
    request: { isolationLevel: 0, topics: [{ name: 'a', partitions: [{ partition: 0, timestamp: -1 }] }] },
    response: {
      throttleTimeMs: 0,
      topics: [
        { name: 'a', partitions: [{ partition: 0, errorCode: 0, errorMessage: null, timestamp: -1, offset: 7 }] },
      ],
    },
  },
  [ApiKey.InitProducerId]: {
    request: { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 },
    response: { throttleTimeMs: 0, errorCode: 0, errorMessage: null, producerId: 4000, producerEpoch: 0 },
  },
  [ApiKey.AddPartitionsToTxn]: {
    request: { transactionalId: 'tx', producerId: 4000, producerEpoch: 1, topics: [{ name: 'a', partitions: [0, 1] }] },
    response: {
      throttleTimeMs: 0,
      results: [{ name: 'a', partitions: [{ partition: 0, errorCode: 0, errorMessage: null }] }],
    },
  },
  [ApiKey.AddOffsetsToTxn]: {
    request: { transactionalId: 'tx', producerId: 4000, producerEpoch: 1, groupId: 'g' },
    response: { throttleTimeMs: 0, errorCode: 0, errorMessage: null },
  },
  [ApiKey.EndTxn]: {
    request: { transactionalId: 'tx', producerId: 4000, producerEpoch: 1, committed: true },
    response: { throttleTimeMs: 0, errorCode: 0, errorMessage: null },
  },
  [ApiKey.TxnOffsetCommit]: {
    request: {
      transactionalId: 'tx',
      groupId: 'g',
      producerId: 4000,
      producerEpoch: 1,
      generationId: 3,
      memberId: 'm',
      groupInstanceId: null,
      topics: [{ name: 'a', partitions: [{ partition: 0, offset: 12, metadata: null }] }],
    },
    response: {
      throttleTimeMs: 0,
      topics: [{ name: 'a', partitions: [{ partition: 0, errorCode: 0, errorMessage: null }] }],
    },
  },
  [ApiKey.FindCoordinator]: {
    request: { key: 'g', keyType: 0 },
    response: { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 0, host: 'h', port: 1 },
  },
  [ApiKey.JoinGroup]: {
    request: {
      groupId: 'g',
      sessionTimeoutMs: 1000,
      rebalanceTimeoutMs: 1000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: bin }],
      reason: null,
    },
    response: {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      generationId: 1,
      protocolType: 'consumer',
      protocolName: 'range',
      leader: 'm',
      memberId: 'm',
      members: [{ memberId: 'm', groupInstanceId: null, metadata: bin }],
    },
  },
  [ApiKey.SyncGroup]: {
    request: {
      groupId: 'g',
      generationId: 1,
      memberId: 'm',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [{ memberId: 'm', assignment: bin }],
    },
    response: {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      protocolType: 'consumer',
      protocolName: 'range',
      assignment: bin,
    },
  },
  [ApiKey.SaslHandshake]: {
    request: { mechanism: 'SCRAM-SHA-256' },
    response: { errorCode: 0, errorMessage: null, mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'] },
  },
  [ApiKey.Authenticate]: {
    request: { authBytes: Buffer.from('n,,n=alice,r=abc') },
    response: { errorCode: 0, errorMessage: null, authBytes: Buffer.from('v=c2lnbmF0dXJl'), sessionLifetimeMs: 0 },
  },
  [ApiKey.Heartbeat]: {
    request: { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null },
    response: { throttleTimeMs: 0, errorCode: 0, errorMessage: null },
  },
  [ApiKey.LeaveGroup]: {
    request: { groupId: 'g', members: [{ memberId: 'm', groupInstanceId: null, reason: null }] },
    response: {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      members: [{ memberId: 'm', groupInstanceId: null, errorCode: 0 }],
    },
  },
  [ApiKey.OffsetCommit]: {
    request: {
      groupId: 'g',
      generationId: 1,
      memberId: 'm',
      groupInstanceId: null,
      topics: [{ name: 'a', partitions: [{ partition: 0, offset: 3, leaderEpoch: -1, metadata: null }] }],
    },
    response: {
      throttleTimeMs: 0,
      topics: [{ name: 'a', partitions: [{ partition: 0, errorCode: 0, errorMessage: null }] }],
    },
  },
  [ApiKey.OffsetFetch]: {
    request: { groupId: 'g', topics: [{ name: 'a', partitions: [0] }], requireStable: true },
    response: {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      topics: [
        { name: 'a', partitions: [{ partition: 0, offset: 3, metadata: null, errorCode: 0, logEndOffset: 5, lag: 2 }] },
      ],
    },
  },
  [ApiKey.ListGroups]: {
    request: { statesFilter: ['Stable'] },
    response: {
      throttleTimeMs: 0,
      errorCode: 0,
      groups: [{ groupId: 'g', protocolType: 'consumer', groupState: 'Stable' }],
    },
  },
  [ApiKey.DescribeGroups]: {
    request: { groups: ['g'] },
    response: {
      throttleTimeMs: 0,
      groups: [
        {
          errorCode: 0,
          errorMessage: null,
          groupId: 'g',
          groupState: 'Stable',
          protocolType: 'consumer',
          protocolData: 'range',
          members: [
            {
              memberId: 'm',
              groupInstanceId: null,
              clientId: 'c',
              clientHost: 'h',
              memberMetadata: bin,
              memberAssignment: bin,
            },
          ],
        },
      ],
    },
  },
  [ApiKey.DeleteGroups]: {
    request: { groups: ['g'] },
    response: { throttleTimeMs: 0, results: [{ groupId: 'g', errorCode: 0, errorMessage: null }] },
  },
  [ApiKey.ShareGroupHeartbeat]: {
    request: {
      groupId: 'g',
      memberId: '',
      leave: false,
      topics: ['jobs'],
      maxInFlight: 10,
      startFrom: 'earliest',
      lockTimeoutMs: 30_000,
      retry: {
        maxAttempts: 5,
        backoffType: 'exponential',
        initialMs: 100,
        multiplierMilli: 2000,
        maxMs: 5000,
        jitterPercent: 10,
      },
      deadLetterTopic: null,
    },
    response: {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      memberId: 'm-1',
      heartbeatIntervalMs: 5000,
      sessionTimeoutMs: 45_000,
      lockTimeoutMs: 30_000,
    },
  },
  [ApiKey.ShareFetch]: {
    request: {
      groupId: 'g',
      memberId: 'm-1',
      maxRecords: 10,
      maxWaitMs: 500,
      acks: [{ topic: 'jobs', partition: 0, offset: 6, lastOffset: 9, type: 'ack', errorMessage: null }],
    },
    response: {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      acks: [{ topic: 'jobs', partition: 0, offset: 6, errorCode: 0, errorMessage: null }],
      records: [
        {
          topic: 'jobs',
          partition: 0,
          offset: 7,
          deliveryCount: 2,
          timestamp: 1_700_000_000_000,
          key: null,
          value: bin,
          headers: [{ key: 'h', value: bin }],
        },
      ],
      slices: [
        {
          topic: 'jobs',
          partition: 0,
          baseOffset: 8,
          baseTimestamp: 1_700_000_000_000,
          appendTimestamp: null,
          deliveryCount: 1,
          recordCount: 1,
          records: Buffer.from([0x10, 0, 0, 0, 1, 2, 0x61, 0]),
        },
      ],
    },
  },
  [ApiKey.ShareAcknowledge]: {
    request: {
      groupId: 'g',
      memberId: 'm-1',
      acks: [{ topic: 'jobs', partition: 0, offset: 7, lastOffset: null, type: 'fail', errorMessage: 'boom' }],
    },
    response: {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      results: [{ topic: 'jobs', partition: 0, offset: 7, errorCode: 121, errorMessage: 'not held' }],
    },
  },
  [ApiKey.ShareGroupDescribe]: {
    request: { groupIds: ['g'] },
    response: {
      throttleTimeMs: 0,
      groups: [
        {
          groupId: 'g',
          errorCode: 0,
          errorMessage: null,
          state: 'Stable',
          config: {
            maxAttempts: 5,
            backoffType: 'fixed',
            initialMs: 100,
            multiplierMilli: 1000,
            maxMs: 100,
            jitterPercent: 0,
            lockTimeoutMs: 30_000,
            deadLetterTopic: 'jobs.dlq',
          },
          members: [
            { memberId: 'm-1', clientId: 'c', clientHost: '127.0.0.1', topics: ['jobs'], maxInFlight: 10, held: 1 },
          ],
          partitions: [
            {
              topic: 'jobs',
              partition: 0,
              startOffset: 7,
              logEndOffset: 9,
              available: 1,
              acquired: 1,
              waiting: 0,
              deadLettering: 0,
              deliveryCounts: [{ deliveryCount: 2, records: 1 }],
              oldestTimestamp: 1_700_000_000_000,
            },
          ],
        },
      ],
    },
  },
  [ApiKey.AlterShareGroupOffsets]: {
    request: { groupId: 'g', topic: 'jobs', partitions: [0], to: 'timestamp', timestamp: 1_700_000_000_000 },
    response: { throttleTimeMs: 0, errorCode: 0, errorMessage: null, partitions: [{ partition: 0, startOffset: 3 }] },
  },
  [ApiKey.ListShareGroups]: {
    request: {},
    response: {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      groups: [{ groupId: 'g', state: 'Empty', members: 0 }],
    },
  },
  [ApiKey.DeleteShareGroups]: {
    request: { groupIds: ['g'] },
    response: { throttleTimeMs: 0, results: [{ groupId: 'g', errorCode: 0, errorMessage: null }] },
  },
  [ApiKey.CreateAcls]: {
    request: { acls: [aclBinding] },
    response: { throttleTimeMs: 0, results: [{ errorCode: 0, errorMessage: null }] },
  },
  [ApiKey.DescribeAcls]: {
    request: { filter: aclFilter },
    response: { throttleTimeMs: 0, errorCode: 0, errorMessage: null, acls: [aclBinding] },
  },
  [ApiKey.DeleteAcls]: {
    request: { filters: [aclFilter] },
    response: { throttleTimeMs: 0, results: [{ errorCode: 0, errorMessage: null, deleted: [aclBinding] }] },
  },
  [ApiKey.DescribeClientQuotas]: {
    request: { components: [{ entityType: 'user', matchType: 'exact', match: 'alice' }], strict: false },
    response: {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      entries: [
        {
          entity: [{ entityType: 'user', entityName: 'alice' }],
          values: [{ key: 'producer_byte_rate', value: 1048576 }],
        },
      ],
    },
  },
  [ApiKey.AlterClientQuotas]: {
    request: {
      entries: [
        {
          entity: [{ entityType: 'client-id', entityName: null }],
          ops: [{ key: 'request_rate', value: 100, remove: false }],
        },
      ],
      validateOnly: false,
    },
    response: {
      throttleTimeMs: 0,
      entries: [{ errorCode: 0, errorMessage: null, entity: [{ entityType: 'client-id', entityName: null }] }],
    },
  },
  [ApiKey.DescribeUserScramCredentials]: {
    request: { users: ['alice'] },
    response: {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      results: [
        {
          user: 'alice',
          errorCode: 0,
          errorMessage: null,
          credentials: [{ mechanism: 'SCRAM-SHA-256', iterations: 8192 }],
        },
      ],
    },
  },
  [ApiKey.AlterUserScramCredentials]: {
    request: {
      deletions: [{ name: 'bob', mechanism: 'SCRAM-SHA-512' }],
      upsertions: [
        {
          name: 'alice',
          mechanism: 'SCRAM-SHA-256',
          iterations: 8192,
          salt: Buffer.alloc(32, 1),
          saltedPassword: Buffer.alloc(32, 2),
        },
      ],
    },
    response: { throttleTimeMs: 0, results: [{ user: 'alice', errorCode: 0, errorMessage: null }] },
  },
  [ApiKey.DescribeTransactions]: {
    request: { transactionalIds: ['tx', 'other'] },
    response: {
      throttleTimeMs: 0,
      transactionStates: [
        {
          errorCode: 0,
          errorMessage: null,
          transactionalId: 'tx',
          transactionState: 'Ongoing',
          transactionTimeoutMs: 60_000,
          transactionStartTimeMs: 1_700_000_000_000,
          producerId: 4000,
          producerEpoch: 1,
          topics: [{ topic: 'a', partitions: [0, 1] }],
        },
      ],
    },
  },
  [ApiKey.ListTransactions]: {
    request: { stateFilters: ['Ongoing'], producerIdFilters: [4000], durationFilter: -1 },
    response: {
      throttleTimeMs: 0,
      errorCode: 0,
      unknownStateFilters: [],
      transactionStates: [{ transactionalId: 'tx', producerId: 4000, transactionState: 'Ongoing' }],
    },
  },
  [ApiKey.ReplicaFetch]: {
    request: {
      replicaId: 2,
      maxWaitMs: 500,
      maxBytes: 1_048_576,
      topics: [
        {
          name: 'a',
          partitions: [
            { partition: 0, currentLeaderEpoch: 3, fetchOffset: 7, lastFetchedEpoch: 2, partitionMaxBytes: 65_536 },
          ],
        },
      ],
    },
    response: {
      topics: [
        {
          name: 'a',
          partitions: [
            { partition: 0, errorCode: 0, errorMessage: null, highWatermark: 7, logStartOffset: 0, records: [batch] },
          ],
        },
      ],
    },
  },
  [ApiKey.OffsetForLeaderEpoch]: {
    request: {
      replicaId: 2,
      topics: [{ name: 'a', partitions: [{ partition: 0, currentLeaderEpoch: 3, leaderEpoch: 2 }] }],
    },
    response: {
      topics: [
        { name: 'a', partitions: [{ partition: 0, errorCode: 0, errorMessage: null, leaderEpoch: 2, endOffset: 9 }] },
      ],
    },
  },
  [ApiKey.WriteTxnMarkers]: {
    request: {
      producerId: 7,
      producerEpoch: 1,
      commit: true,
      coordinatorEpoch: 3,
      topics: [{ name: 'a', partitions: [0, 2] }],
    },
    response: {
      results: [
        {
          name: 'a',
          partitions: [
            { partition: 0, errorCode: 0, errorMessage: null },
            { partition: 2, errorCode: 6, errorMessage: 'broker 1 does not lead a-2' },
          ],
        },
      ],
    },
  },
  [ApiKey.WriteTxnOffsets]: {
    request: {
      groupId: 'g',
      topics: [{ name: 'a', partitions: [{ partition: 0, offset: 12, metadata: null }] }],
    },
    response: { errorCode: 0, errorMessage: null },
  },
  [ApiKey.VerifyTxnWrite]: {
    request: { producerId: 7, producerEpoch: 1, topics: [{ name: 'a', partitions: [1] }] },
    response: {
      results: [
        { name: 'a', partitions: [{ partition: 1, errorCode: 48, errorMessage: 'not added to the transaction' }] },
      ],
    },
  },
};
