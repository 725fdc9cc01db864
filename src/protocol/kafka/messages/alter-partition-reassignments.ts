// AlterPartitionReassignments (45): moves partitions to new replica sets; null replicas cancel the
// reassignment under way. Flexible from v0.
import { api } from '../api.js';
import { array, int16, int32, message, string, struct } from '../schema.js';

export const AlterPartitionReassignmentsRequest = message({
  name: 'AlterPartitionReassignmentsRequest',
  type: 'request',
  apiKey: 45,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    timeoutMs: int32({ default: 60_000 }),
    topics: array(
      struct({
        name: string(),
        partitions: array(
          struct({ partitionIndex: int32(), replicas: array(int32(), { nullableVersions: '0+', default: null }) }),
        ),
      }),
    ),
  },
});

export const AlterPartitionReassignmentsResponse = message({
  name: 'AlterPartitionReassignmentsResponse',
  type: 'response',
  apiKey: 45,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: string({ nullableVersions: '0+' }),
    responses: array(
      struct({
        name: string(),
        partitions: array(
          struct({ partitionIndex: int32(), errorCode: int16(), errorMessage: string({ nullableVersions: '0+' }) }),
        ),
      }),
    ),
  },
});

export const AlterPartitionReassignments = api({
  key: 45,
  name: 'AlterPartitionReassignments',
  request: AlterPartitionReassignmentsRequest,
  response: AlterPartitionReassignmentsResponse,
  served: '0',
  why: 'kafkajs 2 (admin.alterPartitionReassignments) and Kafka 2.4+ tools send v0; v1 (KIP-1074) is not defined here',
});
