// ListPartitionReassignments (Kafka's key 46): the reassignments under way, each with the replica set now
// and the replicas being added and removed.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, int, message, type MessageValue, struct } from '../schema.js';
import { errorCode, errorMessage, partitionIndex, throttleTimeMs, topicName } from './fields.js';

const brokerIds = () => array(int({ min: 0 }));

export const ListPartitionReassignmentsRequestDef = message({
  name: 'ListPartitionReassignmentsRequest',
  type: 'request',
  apiKey: ApiKey.ListPartitionReassignments,
  validVersions: '0',
  fields: {
    timeoutMs: int({ min: 0, default: 30_000 }),
    topics: array(struct({ name: topicName(), partitions: array(partitionIndex(), { maxItems: 100_000 }) }), {
      nullableVersions: '0+',
      maxItems: 10_000,
      doc: 'nil: every reassignment under way',
    }),
  },
});

export const ListPartitionReassignmentsResponseDef = message({
  name: 'ListPartitionReassignmentsResponse',
  type: 'response',
  apiKey: ApiKey.ListPartitionReassignments,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    errorCode: errorCode(),
    errorMessage: errorMessage(),
    topics: array(
      struct({
        name: topicName(),
        partitions: array(
          struct({
            partition: partitionIndex(),
            replicas: brokerIds(),
            addingReplicas: brokerIds(),
            removingReplicas: brokerIds(),
          }),
        ),
      }),
    ),
  },
});

export type ListPartitionReassignmentsRequest = MessageValue<typeof ListPartitionReassignmentsRequestDef>;
export type ListPartitionReassignmentsResponse = MessageValue<typeof ListPartitionReassignmentsResponseDef>;

export const ListPartitionReassignmentsApi = defineApi({
  key: ApiKey.ListPartitionReassignments,
  name: 'ListPartitionReassignments',
  request: ListPartitionReassignmentsRequestDef,
  response: ListPartitionReassignmentsResponseDef,
});
