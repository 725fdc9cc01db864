// CreatePartitions: raises a topic's partition count (Kafka's CreatePartitions, apiKey 37). Counts only
// grow: existing partitions keep their data and keys that hash by partition count may move, as in Kafka.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, bool, int, message, type MessageValue, struct } from '../schema.js';
import { topicName, topicResults, throttleTimeMs } from './fields.js';

export const CreatePartitionsRequestDef = message({
  name: 'CreatePartitionsRequest',
  type: 'request',
  apiKey: ApiKey.CreatePartitions,
  validVersions: '0',
  fields: {
    topics: array(
      struct({
        name: topicName(),
        count: int({ min: 1, max: 1_000_000, doc: 'the new total' }),
        assignments: array(array(int({ min: 0 }), { maxItems: 1000 }), {
          nullableVersions: '0+',
          doc: 'broker ids for each new partition; nil = the broker decides',
        }),
      }),
      { maxItems: 10_000 },
    ),
    timeoutMs: int({ min: 0, default: 30_000 }),
    validateOnly: bool({ default: false }),
  },
});

export const CreatePartitionsResponseDef = message({
  name: 'CreatePartitionsResponse',
  type: 'response',
  apiKey: ApiKey.CreatePartitions,
  validVersions: '0',
  fields: { throttleTimeMs: throttleTimeMs(), topics: topicResults() },
});

export type CreatePartitionsRequest = MessageValue<typeof CreatePartitionsRequestDef>;
export type CreatePartitionsResponse = MessageValue<typeof CreatePartitionsResponseDef>;
export type CreatePartitionsTopic = CreatePartitionsRequest['topics'][number];

export const CreatePartitionsApi = defineApi({
  key: ApiKey.CreatePartitions,
  name: 'CreatePartitions',
  request: CreatePartitionsRequestDef,
  response: CreatePartitionsResponseDef,
});
