// The same requests and responses written twice: once as kafkajs 2.2.4's protocol modules take or give
// them, once as Sluice's Kafka definitions do. kafkajs is an independent encoder (requests) and decoder
// (responses) for every version it implements; kafkajs.test.ts checks the two agree byte for byte.
import {
  AlterConfigs,
  ApiVersions,
  CreatePartitions,
  CreateTopics,
  DeleteGroups,
  DeleteRecords,
  DeleteTopics,
  DescribeConfigs,
  DescribeGroups,
  Fetch,
  FindCoordinator,
  Heartbeat,
  InitProducerId,
  JoinGroup,
  type KafkaApi,
  LeaveGroup,
  ListGroups,
  ListOffsets,
  Metadata,
  OffsetCommit,
  OffsetFetch,
  Produce,
  SaslAuthenticate,
  SaslHandshake,
  SyncGroup,
} from '../../../src/protocol/kafka/index.js';

export interface KafkajsCase {
  api: KafkaApi;
  /** Folder under kafkajs/src/protocol/requests. */
  dir: string;
  versions: number[];
  /** kafkajs request module arguments and the same request as Sluice's value. */
  request(version: number): { kafkajs: unknown; ours: Record<string, unknown> };
  /** A response as Sluice's value, and what kafkajs's decoder must read from its bytes. */
  response(version: number): { ours: Record<string, unknown>; kafkajs: Record<string, unknown> };
}

const range = (min: number, max: number) => Array.from({ length: max - min + 1 }, (_, i) => min + i);
const metadataBytes = Buffer.from('member-metadata');
const assignmentBytes = Buffer.from([0, 1, 0, 0, 0, 1, 0, 1, 116]);
/** 2^40 + 7: needs both int64 halves. */
const big = 1099511627783;

export const KAFKAJS_CASES: KafkajsCase[] = [
  {
    api: ApiVersions,
    dir: 'apiVersions',
    versions: range(0, 2),
    request: () => ({ kafkajs: undefined, ours: {} }),
    response: (v) => {
      const apiKeys = [
        { apiKey: 0, minVersion: 3, maxVersion: 7 },
        { apiKey: 18, minVersion: 0, maxVersion: 3 },
      ];
      return {
        ours: { errorCode: 0, apiKeys, throttleTimeMs: 12 },
        kafkajs: { errorCode: 0, apiVersions: apiKeys, ...(v >= 1 ? { throttleTime: 12 } : {}) },
      };
    },
  },
  {
    api: Metadata,
    dir: 'metadata',
    versions: range(0, 6),
    request: (v) => ({
      kafkajs: { topics: ['alpha', 'beta'], allowAutoTopicCreation: false },
      ours: { topics: [{ name: 'alpha' }, { name: 'beta' }], allowAutoTopicCreation: v < 4 },
    }),
    response: (v) => ({
      ours: {
        throttleTimeMs: 3,
        brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: v >= 1 ? 'r1' : null }],
        clusterId: v >= 2 ? 'cluster-x' : null,
        controllerId: 1,
        topics: [
          {
            errorCode: 0,
            name: 'alpha',
            isInternal: false,
            partitions: [
              {
                errorCode: 0,
                partitionIndex: 0,
                leaderId: 1,
                replicaNodes: [1],
                isrNodes: [1],
                offlineReplicas: v >= 5 ? [4] : [],
              },
            ],
          },
        ],
      },
      kafkajs: {
        brokers: [{ nodeId: 1, host: 'localhost', port: 9092, ...(v >= 1 ? { rack: 'r1' } : {}) }],
        ...(v >= 1 ? { controllerId: 1 } : {}),
        ...(v >= 2 ? { clusterId: 'cluster-x' } : {}),
        ...(v >= 3 ? { throttleTime: 3 } : {}),
        topicMetadata: [
          {
            topicErrorCode: 0,
            topic: 'alpha',
            ...(v >= 1 ? { isInternal: false } : {}),
            partitionMetadata: [
              {
                partitionErrorCode: 0,
                partitionId: 0,
                leader: 1,
                replicas: [1],
                isr: [1],
                ...(v >= 5 ? { offlineReplicas: [4] } : {}),
              },
            ],
          },
        ],
      },
    }),
  },
  {
    api: Produce,
    dir: 'produce',
    versions: range(3, 7),
    request: () => ({
      kafkajs: {
        acks: -1,
        timeout: 30000,
        transactionalId: null,
        topicData: [
          {
            topic: 'alpha',
            partitions: [
              { partition: 2, messages: [{ key: 'k', value: 'v', headers: { h: 'x' }, timestamp: 1700000000000 }] },
            ],
          },
        ],
      },
      // records: filled in from kafkajs's own batch (its bytes are its own encoding, opaque here)
      ours: {
        transactionalId: null,
        acks: -1,
        timeoutMs: 30000,
        topicData: [{ name: 'alpha', partitionData: [{ index: 2 }] }],
      },
    }),
    response: (v) => ({
      ours: {
        responses: [
          {
            name: 'alpha',
            partitionResponses: [{ index: 2, errorCode: 0, baseOffset: big, logAppendTimeMs: -1, logStartOffset: 5 }],
          },
        ],
        throttleTimeMs: 4,
      },
      kafkajs: {
        topics: [
          {
            topicName: 'alpha',
            partitions: [
              {
                partition: 2,
                errorCode: 0,
                baseOffset: String(big),
                logAppendTime: '-1',
                ...(v >= 5 ? { logStartOffset: '5' } : {}),
              },
            ],
          },
        ],
        throttleTime: 4,
      },
    }),
  },
  {
    api: Fetch,
    dir: 'fetch',
    versions: range(4, 11),
    request: (v) => ({
      kafkajs: {
        replicaId: -1,
        maxWaitTime: 500,
        minBytes: 1,
        maxBytes: 10485760,
        isolationLevel: 1,
        topics: [{ topic: 'alpha', partitions: [{ partition: 0, fetchOffset: big, maxBytes: 1048576 }] }],
      },
      ours: {
        replicaId: -1,
        maxWaitMs: 500,
        minBytes: 1,
        maxBytes: 10485760,
        isolationLevel: 1,
        ...(v >= 7 ? { sessionId: 0, sessionEpoch: -1, forgottenTopicsData: [] } : {}),
        topics: [{ topic: 'alpha', partitions: [{ partition: 0, fetchOffset: big, partitionMaxBytes: 1048576 }] }],
        ...(v >= 11 ? { rackId: '' } : {}),
      },
    }),
    response: (v) => ({
      ours: {
        throttleTimeMs: 0,
        errorCode: 0,
        sessionId: 0,
        responses: [
          {
            topic: 'alpha',
            partitions: [
              {
                partitionIndex: 0,
                errorCode: 0,
                highWatermark: big,
                lastStableOffset: big - 1,
                logStartOffset: 3,
                abortedTransactions: [{ producerId: 77, firstOffset: 9 }],
                preferredReadReplica: -1,
                records: Buffer.alloc(0),
              },
            ],
          },
        ],
      },
      kafkajs: {
        ...(v >= 7 ? { errorCode: 0, sessionId: 0 } : {}),
        responses: [
          {
            topicName: 'alpha',
            partitions: [
              {
                partition: 0,
                errorCode: 0,
                highWatermark: String(big),
                lastStableOffset: String(big - 1),
                ...(v >= 5 ? { lastStartOffset: '3' } : {}),
                abortedTransactions: [{ producerId: '77', firstOffset: '9' }],
                ...(v >= 11 ? { preferredReadReplica: -1 } : {}),
                messages: [],
              },
            ],
          },
        ],
      },
    }),
  },
  {
    api: ListOffsets,
    dir: 'listOffsets',
    versions: range(0, 3),
    request: (v) => ({
      kafkajs: {
        replicaId: -1,
        isolationLevel: 1,
        topics: [{ topic: 'alpha', partitions: [{ partition: 1, timestamp: -2 }] }],
      },
      ours: {
        replicaId: -1,
        isolationLevel: v >= 2 ? 1 : 0,
        topics: [{ name: 'alpha', partitions: [{ partitionIndex: 1, timestamp: -2, maxNumOffsets: 1 }] }],
      },
    }),
    response: (v) => ({
      ours: {
        throttleTimeMs: 2,
        topics: [
          {
            name: 'alpha',
            partitions: [
              v === 0
                ? { partitionIndex: 1, errorCode: 0, oldStyleOffsets: [big] }
                : { partitionIndex: 1, errorCode: 0, timestamp: 1700000000000, offset: big },
            ],
          },
        ],
      },
      kafkajs: {
        ...(v >= 2 ? { throttleTime: 2 } : {}),
        responses: [
          {
            topic: 'alpha',
            partitions: [
              v === 0
                ? { partition: 1, errorCode: 0, offsets: [String(big)] }
                : { partition: 1, errorCode: 0, timestamp: '1700000000000', offset: String(big) },
            ],
          },
        ],
      },
    }),
  },
  {
    api: FindCoordinator,
    dir: 'findCoordinator',
    versions: range(0, 2),
    request: (v) => ({
      kafkajs: v === 0 ? { groupId: 'g1' } : { coordinatorKey: 'g1', coordinatorType: 1 },
      ours: { key: 'g1', keyType: v === 0 ? 0 : 1 },
    }),
    response: (v) => ({
      ours: {
        throttleTimeMs: 5,
        errorCode: 0,
        errorMessage: v >= 1 ? 'fine' : null,
        nodeId: 1,
        host: 'localhost',
        port: 9092,
      },
      kafkajs: {
        ...(v >= 1 ? { throttleTime: 5, errorMessage: 'fine' } : {}),
        errorCode: 0,
        coordinator: { nodeId: 1, host: 'localhost', port: 9092 },
      },
    }),
  },
  {
    api: JoinGroup,
    dir: 'joinGroup',
    versions: range(0, 5),
    request: (v) => ({
      kafkajs: {
        groupId: 'g1',
        sessionTimeout: 30000,
        rebalanceTimeout: 60000,
        memberId: '',
        groupInstanceId: 'instance-1',
        protocolType: 'consumer',
        groupProtocols: [{ name: 'range', metadata: metadataBytes }],
      },
      ours: {
        groupId: 'g1',
        sessionTimeoutMs: 30000,
        rebalanceTimeoutMs: v >= 1 ? 60000 : -1,
        memberId: '',
        groupInstanceId: v >= 5 ? 'instance-1' : null,
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: metadataBytes }],
      },
    }),
    response: (v) => ({
      ours: {
        throttleTimeMs: 6,
        errorCode: 0,
        generationId: 3,
        protocolName: 'range',
        leader: 'm-1',
        memberId: 'm-2',
        members: [{ memberId: 'm-1', groupInstanceId: v >= 5 ? 'i-1' : null, metadata: metadataBytes }],
      },
      kafkajs: {
        ...(v >= 2 ? { throttleTime: 6 } : {}),
        errorCode: 0,
        generationId: 3,
        groupProtocol: 'range',
        leaderId: 'm-1',
        memberId: 'm-2',
        members: [{ memberId: 'm-1', ...(v >= 5 ? { groupInstanceId: 'i-1' } : {}), memberMetadata: metadataBytes }],
      },
    }),
  },
  {
    api: SyncGroup,
    dir: 'syncGroup',
    versions: range(0, 3),
    request: (v) => ({
      kafkajs: {
        groupId: 'g1',
        generationId: 3,
        memberId: 'm-1',
        groupInstanceId: 'i-1',
        groupAssignment: [{ memberId: 'm-1', memberAssignment: assignmentBytes }],
      },
      ours: {
        groupId: 'g1',
        generationId: 3,
        memberId: 'm-1',
        groupInstanceId: v >= 3 ? 'i-1' : null,
        assignments: [{ memberId: 'm-1', assignment: assignmentBytes }],
      },
    }),
    response: (v) => ({
      ours: { throttleTimeMs: 7, errorCode: 0, assignment: assignmentBytes },
      kafkajs: { ...(v >= 1 ? { throttleTime: 7 } : {}), errorCode: 0, memberAssignment: assignmentBytes },
    }),
  },
  {
    api: Heartbeat,
    dir: 'heartbeat',
    versions: range(0, 3),
    request: (v) => ({
      kafkajs: { groupId: 'g1', groupGenerationId: 3, memberId: 'm-1', groupInstanceId: 'i-1' },
      ours: { groupId: 'g1', generationId: 3, memberId: 'm-1', groupInstanceId: v >= 3 ? 'i-1' : null },
    }),
    response: (v) => ({
      ours: { throttleTimeMs: 8, errorCode: 27 },
      kafkajs: { ...(v >= 1 ? { throttleTime: 8 } : {}), errorCode: 27 },
    }),
  },
  {
    api: LeaveGroup,
    dir: 'leaveGroup',
    versions: range(0, 3),
    request: (v) => ({
      kafkajs:
        v >= 3
          ? { groupId: 'g1', members: [{ memberId: 'm-1', groupInstanceId: 'i-1' }] }
          : { groupId: 'g1', memberId: 'm-1' },
      ours:
        v >= 3
          ? { groupId: 'g1', members: [{ memberId: 'm-1', groupInstanceId: 'i-1' }] }
          : { groupId: 'g1', memberId: 'm-1' },
    }),
    response: (v) => ({
      ours: {
        throttleTimeMs: 9,
        errorCode: 0,
        members: v >= 3 ? [{ memberId: 'm-1', groupInstanceId: 'i-1', errorCode: 0 }] : [],
      },
      kafkajs:
        v >= 3
          ? {
              clientSideThrottleTime: 9,
              errorCode: 0,
              members: [{ memberId: 'm-1', groupInstanceId: 'i-1', errorCode: 0 }],
            }
          : { ...(v >= 1 ? { throttleTime: 9 } : {}), errorCode: 0 },
    }),
  },
  {
    api: OffsetCommit,
    dir: 'offsetCommit',
    versions: range(0, 5),
    request: (v) => ({
      kafkajs: {
        groupId: 'g1',
        groupGenerationId: 3,
        memberId: 'm-1',
        retentionTime: -1,
        topics: [
          {
            topic: 'alpha',
            partitions: [{ partition: 0, offset: String(big), timestamp: 1700000000000, metadata: null }],
          },
        ],
      },
      ours: {
        groupId: 'g1',
        generationIdOrMemberEpoch: v >= 1 ? 3 : -1,
        memberId: v >= 1 ? 'm-1' : '',
        retentionTimeMs: -1,
        topics: [
          {
            name: 'alpha',
            partitions: [
              {
                partitionIndex: 0,
                committedOffset: big,
                commitTimestamp: v === 1 ? 1700000000000 : -1,
                committedMetadata: null,
              },
            ],
          },
        ],
      },
    }),
    response: (v) => ({
      ours: { throttleTimeMs: 10, topics: [{ name: 'alpha', partitions: [{ partitionIndex: 0, errorCode: 0 }] }] },
      kafkajs: {
        ...(v >= 3 ? { throttleTime: 10 } : {}),
        responses: [{ topic: 'alpha', partitions: [{ partition: 0, errorCode: 0 }] }],
      },
    }),
  },
  {
    api: OffsetFetch,
    dir: 'offsetFetch',
    versions: range(1, 4),
    request: () => ({
      kafkajs: { groupId: 'g1', topics: [{ topic: 'alpha', partitions: [{ partition: 0 }, { partition: 1 }] }] },
      ours: { groupId: 'g1', topics: [{ name: 'alpha', partitionIndexes: [0, 1] }] },
    }),
    response: (v) => ({
      ours: {
        throttleTimeMs: 11,
        topics: [
          { name: 'alpha', partitions: [{ partitionIndex: 0, committedOffset: big, metadata: 'meta', errorCode: 0 }] },
        ],
        errorCode: 0,
      },
      kafkajs: {
        ...(v >= 3 ? { throttleTime: 11 } : {}),
        responses: [
          { topic: 'alpha', partitions: [{ partition: 0, offset: String(big), metadata: 'meta', errorCode: 0 }] },
        ],
        ...(v >= 2 ? { errorCode: 0 } : {}),
      },
    }),
  },
  {
    api: ListGroups,
    dir: 'listGroups',
    versions: range(0, 2),
    request: () => ({ kafkajs: undefined, ours: {} }),
    response: (v) => ({
      ours: { throttleTimeMs: 13, errorCode: 0, groups: [{ groupId: 'g1', protocolType: 'consumer' }] },
      kafkajs: {
        ...(v >= 1 ? { throttleTime: 13 } : {}),
        errorCode: 0,
        groups: [{ groupId: 'g1', protocolType: 'consumer' }],
      },
    }),
  },
  {
    api: DescribeGroups,
    dir: 'describeGroups',
    versions: range(0, 2),
    request: () => ({ kafkajs: { groupIds: ['g1', 'g2'] }, ours: { groups: ['g1', 'g2'] } }),
    response: (v) => ({
      ours: {
        throttleTimeMs: 14,
        groups: [
          {
            errorCode: 0,
            groupId: 'g1',
            groupState: 'Stable',
            protocolType: 'consumer',
            protocolData: 'range',
            members: [
              {
                memberId: 'm-1',
                clientId: 'c-1',
                clientHost: '/127.0.0.1',
                memberMetadata: metadataBytes,
                memberAssignment: assignmentBytes,
              },
            ],
          },
        ],
      },
      kafkajs: {
        ...(v >= 1 ? { throttleTime: 14 } : {}),
        groups: [
          {
            errorCode: 0,
            groupId: 'g1',
            state: 'Stable',
            protocolType: 'consumer',
            protocol: 'range',
            members: [
              {
                memberId: 'm-1',
                clientId: 'c-1',
                clientHost: '/127.0.0.1',
                memberMetadata: metadataBytes,
                memberAssignment: assignmentBytes,
              },
            ],
          },
        ],
      },
    }),
  },
  {
    api: DeleteGroups,
    dir: 'deleteGroups',
    versions: range(0, 1),
    request: () => ({ kafkajs: ['g1', 'g2'], ours: { groupsNames: ['g1', 'g2'] } }),
    response: () => ({
      ours: { throttleTimeMs: 15, results: [{ groupId: 'g1', errorCode: 69 }] },
      kafkajs: { throttleTimeMs: 15, results: [{ groupId: 'g1', errorCode: 69 }] },
    }),
  },
  {
    api: CreateTopics,
    dir: 'createTopics',
    versions: range(0, 3),
    request: (v) => ({
      kafkajs: {
        timeout: 5000,
        validateOnly: true,
        topics: [
          {
            topic: 'alpha',
            numPartitions: 3,
            replicationFactor: 1,
            replicaAssignment: [{ partition: 0, replicas: [1] }],
            configEntries: [{ name: 'retention.ms', value: '1000' }],
          },
        ],
      },
      ours: {
        topics: [
          {
            name: 'alpha',
            numPartitions: 3,
            replicationFactor: 1,
            assignments: [{ partitionIndex: 0, brokerIds: [1] }],
            configs: [{ name: 'retention.ms', value: '1000' }],
          },
        ],
        timeoutMs: 5000,
        validateOnly: v >= 1,
      },
    }),
    response: (v) => ({
      ours: { throttleTimeMs: 16, topics: [{ name: 'alpha', errorCode: 36, errorMessage: v >= 1 ? 'exists' : null }] },
      kafkajs: {
        ...(v >= 2 ? { throttleTime: 16 } : {}),
        topicErrors: [{ topic: 'alpha', errorCode: 36, ...(v >= 1 ? { errorMessage: 'exists' } : {}) }],
      },
    }),
  },
  {
    api: DeleteTopics,
    dir: 'deleteTopics',
    versions: range(0, 1),
    request: () => ({
      kafkajs: { topics: ['alpha'], timeout: 5000 },
      ours: { topicNames: ['alpha'], timeoutMs: 5000 },
    }),
    response: (v) => ({
      ours: { throttleTimeMs: 17, responses: [{ name: 'alpha', errorCode: 3 }] },
      kafkajs: { ...(v >= 1 ? { throttleTime: 17 } : {}), topicErrors: [{ topic: 'alpha', errorCode: 3 }] },
    }),
  },
  {
    api: CreatePartitions,
    dir: 'createPartitions',
    versions: range(0, 1),
    request: () => ({
      kafkajs: {
        timeout: 5000,
        validateOnly: false,
        topicPartitions: [{ topic: 'alpha', count: 6, assignments: [[1], [1]] }],
      },
      ours: {
        topics: [{ name: 'alpha', count: 6, assignments: [{ brokerIds: [1] }, { brokerIds: [1] }] }],
        timeoutMs: 5000,
        validateOnly: false,
      },
    }),
    response: () => ({
      ours: { throttleTimeMs: 18, results: [{ name: 'alpha', errorCode: 37, errorMessage: 'no' }] },
      kafkajs: { throttleTime: 18, topicErrors: [{ topic: 'alpha', errorCode: 37, errorMessage: 'no' }] },
    }),
  },
  {
    api: DescribeConfigs,
    dir: 'describeConfigs',
    versions: range(0, 2),
    request: (v) => ({
      kafkajs: { resources: [{ type: 2, name: 'alpha', configNames: ['retention.ms'] }], includeSynonyms: true },
      ours: {
        resources: [{ resourceType: 2, resourceName: 'alpha', configurationKeys: ['retention.ms'] }],
        includeSynonyms: v >= 1,
      },
    }),
    response: (v) => ({
      ours: {
        throttleTimeMs: 19,
        results: [
          {
            errorCode: 0,
            errorMessage: null,
            resourceType: 2,
            resourceName: 'alpha',
            configs: [
              {
                name: 'retention.ms',
                value: '1000',
                readOnly: false,
                isDefault: v === 0,
                configSource: 1,
                isSensitive: false,
                synonyms: v >= 1 ? [{ name: 'retention.ms', value: '1000', source: 1 }] : [],
              },
            ],
          },
        ],
      },
      kafkajs: {
        throttleTime: 19,
        resources: [
          {
            errorCode: 0,
            errorMessage: null,
            resourceType: 2,
            resourceName: 'alpha',
            configEntries: [
              {
                configName: 'retention.ms',
                configValue: '1000',
                readOnly: false,
                isDefault: v === 0 || false,
                isSensitive: false,
                ...(v >= 1
                  ? {
                      configSource: 1,
                      configSynonyms: [{ configName: 'retention.ms', configValue: '1000', configSource: 1 }],
                    }
                  : {}),
              },
            ],
          },
        ],
      },
    }),
  },
  {
    api: AlterConfigs,
    dir: 'alterConfigs',
    versions: range(0, 1),
    request: () => ({
      kafkajs: {
        validateOnly: true,
        resources: [{ type: 2, name: 'alpha', configEntries: [{ name: 'retention.ms', value: '5' }] }],
      },
      ours: {
        resources: [{ resourceType: 2, resourceName: 'alpha', configs: [{ name: 'retention.ms', value: '5' }] }],
        validateOnly: true,
      },
    }),
    response: () => ({
      ours: {
        throttleTimeMs: 20,
        responses: [{ errorCode: 40, errorMessage: 'bad', resourceType: 2, resourceName: 'alpha' }],
      },
      kafkajs: {
        throttleTime: 20,
        resources: [{ errorCode: 40, errorMessage: 'bad', resourceType: 2, resourceName: 'alpha' }],
      },
    }),
  },
  {
    api: DeleteRecords,
    dir: 'deleteRecords',
    versions: range(0, 1),
    request: () => ({
      kafkajs: { timeout: 5000, topics: [{ topic: 'alpha', partitions: [{ partition: 0, offset: String(big) }] }] },
      ours: { topics: [{ name: 'alpha', partitions: [{ partitionIndex: 0, offset: big }] }], timeoutMs: 5000 },
    }),
    response: () => ({
      ours: {
        throttleTimeMs: 21,
        topics: [{ name: 'alpha', partitions: [{ partitionIndex: 0, lowWatermark: big, errorCode: 0 }] }],
      },
      kafkajs: {
        throttleTime: 21,
        topics: [{ topic: 'alpha', partitions: [{ partition: 0, lowWatermark: String(big), errorCode: 0 }] }],
      },
    }),
  },
  {
    api: InitProducerId,
    dir: 'initProducerId',
    versions: range(0, 1),
    request: () => ({
      kafkajs: { transactionalId: null, transactionTimeout: 60000 },
      ours: { transactionalId: null, transactionTimeoutMs: 60000 },
    }),
    response: () => ({
      ours: { throttleTimeMs: 22, errorCode: 0, producerId: big, producerEpoch: 4 },
      kafkajs: { throttleTime: 22, errorCode: 0, producerId: String(big), producerEpoch: 4 },
    }),
  },
  {
    api: SaslHandshake,
    dir: 'saslHandshake',
    versions: range(0, 1),
    request: () => ({ kafkajs: { mechanism: 'PLAIN' }, ours: { mechanism: 'PLAIN' } }),
    response: () => ({
      ours: { errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-256'] },
      kafkajs: { errorCode: 0, enabledMechanisms: ['PLAIN', 'SCRAM-SHA-256'] },
    }),
  },
  {
    api: SaslAuthenticate,
    dir: 'saslAuthenticate',
    versions: range(0, 1),
    // kafkajs hands the mechanism's already length-prefixed bytes (an Encoder's writeBytes) to writeBuffer.
    request: () => ({
      kafkajs: { authBytes: Buffer.from([0, 0, 0, 3, 0x61, 0x00, 0x62]) },
      ours: { authBytes: Buffer.from([0x61, 0x00, 0x62]) },
    }),
    response: (v) => ({
      ours: { errorCode: 0, errorMessage: null, authBytes: Buffer.from('server-first'), sessionLifetimeMs: 3600000 },
      kafkajs: {
        errorCode: 0,
        errorMessage: null,
        // kafkajs re-prefixes the bytes with their int32 length for its mechanisms.
        authBytes: Buffer.concat([Buffer.from([0, 0, 0, 12]), Buffer.from('server-first')]),
        ...(v >= 1 ? { sessionLifetimeMs: '3600000' } : {}),
      },
    }),
  },
];
