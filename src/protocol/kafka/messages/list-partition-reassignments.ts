// ListPartitionReassignments (46): the reassignments under way (of the partitions named, or all with null
// topics). Flexible from v0.
import { api } from '../api.js';
import { array, int16, int32, message, string, struct } from '../schema.js';

export const ListPartitionReassignmentsRequest = message({
  name: 'ListPartitionReassignmentsRequest',
  type: 'request',
  apiKey: 46,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    timeoutMs: int32({ default: 60_000 }),
    topics: array(struct({ name: string(), partitionIndexes: array(int32()) }), {
      nullableVersions: '0+',
      default: null,
    }),
  },
});

export const ListPartitionReassignmentsResponse = message({
  name: 'ListPartitionReassignmentsResponse',
  type: 'response',
  apiKey: 46,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: string({ nullableVersions: '0+' }),
    topics: array(
      struct({
        name: string(),
        partitions: array(
          struct({
            partitionIndex: int32(),
            replicas: array(int32()),
            addingReplicas: array(int32()),
            removingReplicas: array(int32()),
          }),
        ),
      }),
    ),
  },
});

export const ListPartitionReassignments = api({
  key: 46,
  name: 'ListPartitionReassignments',
  request: ListPartitionReassignmentsRequest,
  response: ListPartitionReassignmentsResponse,
  served: '0',
  why: 'kafkajs 2 (admin.listPartitionReassignments) and Kafka 2.4+ tools send v0',
});
