// ShareGroupDescribe: a share group's settings, members and, per share-partition, the start offset and
// the records available, acquired, waiting (retry backoff or delivery time), being dead-lettered, the
// delivery-count histogram and the oldest unsettled record's timestamp.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, int, message, type MessageValue, string, struct } from '../schema.js';
import { errorCode, errorMessage, groupId, partitionIndex, topicName, throttleTimeMs } from './fields.js';

export const ShareGroupDescribeRequestDef = message({
  name: 'ShareGroupDescribeRequest',
  type: 'request',
  apiKey: ApiKey.ShareGroupDescribe,
  validVersions: '0',
  fields: { groupIds: array(groupId(), { maxItems: 1000 }) },
});

export const ShareGroupDescribeResponseDef = message({
  name: 'ShareGroupDescribeResponse',
  type: 'response',
  apiKey: ApiKey.ShareGroupDescribe,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    groups: array(
      struct({
        groupId: string(),
        errorCode: errorCode(),
        errorMessage: errorMessage(),
        state: string({ default: '' }),
        config: struct(
          {
            maxAttempts: int(),
            backoffType: string(),
            initialMs: int(),
            multiplierMilli: int(),
            maxMs: int(),
            jitterPercent: int(),
            lockTimeoutMs: int(),
            deadLetterTopic: string({ nullableVersions: '0+' }),
          },
          { nullableVersions: '0+' },
        ),
        members: array(
          struct({
            memberId: string(),
            clientId: string(),
            clientHost: string(),
            topics: array(string()),
            maxInFlight: int(),
            held: int(),
          }),
          { default: [] },
        ),
        partitions: array(
          struct({
            topic: topicName(),
            partition: partitionIndex(),
            startOffset: int(),
            logEndOffset: int(),
            available: int(),
            acquired: int(),
            waiting: int(),
            deadLettering: int(),
            deliveryCounts: array(struct({ deliveryCount: int(), records: int() })),
            oldestTimestamp: int({ nullableVersions: '0+' }),
          }),
          { default: [] },
        ),
      }),
    ),
  },
});

export type ShareGroupDescribeRequest = MessageValue<typeof ShareGroupDescribeRequestDef>;
export type ShareGroupDescribeResponse = MessageValue<typeof ShareGroupDescribeResponseDef>;

export const ShareGroupDescribeApi = defineApi({
  key: ApiKey.ShareGroupDescribe,
  name: 'ShareGroupDescribe',
  request: ShareGroupDescribeRequestDef,
  response: ShareGroupDescribeResponseDef,
});
