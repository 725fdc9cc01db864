// AlterPartitionReassignments (Kafka's key 45): moves partitions to new replica sets (the new replicas
// catch up, throttled when asked, then the old ones leave), replaces a reassignment under way, or with nil
// replicas cancels it (the partition goes back to the replicas it had). Answered once the controller has
// the request, not when the move is done: ListPartitionReassignments shows what is under way.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, int, message, type MessageValue, struct } from '../schema.js';
import { errorCode, errorMessage, partitionIndex, throttleTimeMs, topicName } from './fields.js';

export const AlterPartitionReassignmentsRequestDef = message({
  name: 'AlterPartitionReassignmentsRequest',
  type: 'request',
  apiKey: ApiKey.AlterPartitionReassignments,
  validVersions: '0',
  fields: {
    timeoutMs: int({ min: 0, default: 30_000 }),
    topics: array(
      struct({
        name: topicName(),
        partitions: array(
          struct({
            partition: partitionIndex(),
            replicas: array(int({ min: 0 }), {
              nullableVersions: '0+',
              maxItems: 1000,
              doc: 'broker ids, the first the preferred leader; nil cancels the reassignment under way',
            }),
          }),
          { maxItems: 100_000 },
        ),
      }),
      { maxItems: 10_000 },
    ),
    throttleBytesPerSecond: int({
      min: 1,
      nullableVersions: '0+',
      doc: 'bytes/s the leader serves the new replicas while they catch up; nil: unthrottled',
    }),
  },
});

export const AlterPartitionReassignmentsResponseDef = message({
  name: 'AlterPartitionReassignmentsResponse',
  type: 'response',
  apiKey: ApiKey.AlterPartitionReassignments,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    errorCode: errorCode(),
    errorMessage: errorMessage(),
    topics: array(
      struct({
        name: topicName(),
        partitions: array(
          struct({ partition: partitionIndex(), errorCode: errorCode(), errorMessage: errorMessage() }),
        ),
      }),
    ),
  },
});

export type AlterPartitionReassignmentsRequest = MessageValue<typeof AlterPartitionReassignmentsRequestDef>;
export type AlterPartitionReassignmentsResponse = MessageValue<typeof AlterPartitionReassignmentsResponseDef>;

export const AlterPartitionReassignmentsApi = defineApi({
  key: ApiKey.AlterPartitionReassignments,
  name: 'AlterPartitionReassignments',
  request: AlterPartitionReassignmentsRequestDef,
  response: AlterPartitionReassignmentsResponseDef,
});
