// CreateTopics (19): new topics with a partition count (or an explicit assignment) and configs.
import { api } from '../api.js';
import { array, bool, int8, int16, int32, message, string, struct, uuid } from '../schema.js';

export const CreateTopicsRequest = message({
  name: 'CreateTopicsRequest',
  type: 'request',
  apiKey: 19,
  validVersions: '0-7',
  flexibleVersions: '5+',
  fields: {
    topics: array(
      struct({
        name: string(),
        numPartitions: int32(),
        replicationFactor: int16(),
        assignments: array(struct({ partitionIndex: int32(), brokerIds: array(int32()) })),
        configs: array(struct({ name: string(), value: string({ nullableVersions: '0+' }) })),
      }),
    ),
    timeoutMs: int32({ default: 60000 }),
    validateOnly: bool({ versions: '1+', default: false }),
  },
});

export const CreateTopicsResponse = message({
  name: 'CreateTopicsResponse',
  type: 'response',
  apiKey: 19,
  validVersions: '0-7',
  flexibleVersions: '5+',
  fields: {
    throttleTimeMs: int32({ versions: '2+', ignorable: true }),
    topics: array(
      struct({
        name: string(),
        topicId: uuid({ versions: '7+', ignorable: true }),
        errorCode: int16(),
        errorMessage: string({ versions: '1+', nullableVersions: '0+', ignorable: true }),
        topicConfigErrorCode: int16({ versions: '5+', taggedVersions: '5+', tag: 0, ignorable: true }),
        numPartitions: int32({ versions: '5+', default: -1, ignorable: true }),
        replicationFactor: int16({ versions: '5+', default: -1, ignorable: true }),
        configs: array(
          struct({
            name: string({ versions: '5+' }),
            value: string({ versions: '5+', nullableVersions: '5+' }),
            readOnly: bool({ versions: '5+' }),
            configSource: int8({ versions: '5+', default: -1, ignorable: true }),
            isSensitive: bool({ versions: '5+' }),
          }),
          { versions: '5+', nullableVersions: '5+', ignorable: true },
        ),
      }),
    ),
  },
});

export const CreateTopics = api({
  key: 19,
  name: 'CreateTopics',
  request: CreateTopicsRequest,
  response: CreateTopicsResponse,
  served: '0-7',
  why: 'librdkafka 2.0.2 sends v4, kafkajs v3, @platformatic/kafka v7 (flexible, its only one; Sluice has no topic ids: the zero uuid)',
});
