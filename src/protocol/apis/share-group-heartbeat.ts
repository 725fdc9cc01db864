// ShareGroupHeartbeat: joins a share group (memberId ''), keeps a member's session, changes its
// subscription and prefetch, or leaves (leave: true, its locks released at once). A joining member
// declares the group's settings (lock timeout, retry policy, dead-letter topic); nil keeps the group's.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, bool, int, message, type MessageValue, oneOf, string, struct } from '../schema.js';
import { errorCode, errorMessage, groupId, topicName, throttleTimeMs } from './fields.js';
import { shareMemberId } from './share-fields.js';

export const ShareGroupHeartbeatRequestDef = message({
  name: 'ShareGroupHeartbeatRequest',
  type: 'request',
  apiKey: ApiKey.ShareGroupHeartbeat,
  validVersions: '0',
  fields: {
    groupId: groupId(),
    memberId: shareMemberId(),
    leave: bool({ default: false }),
    topics: array(topicName(), { maxItems: 10_000, default: [] }),
    maxInFlight: int({ min: 1, max: 1_000_000, default: 1, doc: 'records acquired and not yet settled' }),
    startFrom: oneOf(['earliest', 'latest'] as const, {
      default: 'latest',
      doc: 'where a partition the group never read starts',
    }),
    lockTimeoutMs: int({ min: 0, nullableVersions: '0+' }),
    retry: struct(
      {
        maxAttempts: int({ min: 0, nullableVersions: '0+' }),
        backoffType: oneOf(['fixed', 'exponential'] as const, { nullableVersions: '0+' }),
        initialMs: int({ min: 0, nullableVersions: '0+' }),
        multiplierMilli: int({ min: 0, nullableVersions: '0+', doc: 'the multiplier × 1000 (2000 = ×2)' }),
        maxMs: int({ min: 0, nullableVersions: '0+' }),
        jitterPercent: int({ min: 0, nullableVersions: '0+', doc: '0..100' }),
      },
      { nullableVersions: '0+' },
    ),
    deadLetterTopic: string({ maxLength: 249 * 4, nullableVersions: '0+', doc: 'nil: <topic>.dlq' }),
  },
});

export const ShareGroupHeartbeatResponseDef = message({
  name: 'ShareGroupHeartbeatResponse',
  type: 'response',
  apiKey: ApiKey.ShareGroupHeartbeat,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    errorCode: errorCode(),
    errorMessage: errorMessage(),
    memberId: string({ default: '' }),
    heartbeatIntervalMs: int({ default: 0 }),
    sessionTimeoutMs: int({ default: 0 }),
    lockTimeoutMs: int({ default: 0 }),
  },
});

export type ShareGroupHeartbeatRequest = MessageValue<typeof ShareGroupHeartbeatRequestDef>;
export type ShareGroupHeartbeatResponse = MessageValue<typeof ShareGroupHeartbeatResponseDef>;

export const ShareGroupHeartbeatApi = defineApi({
  key: ApiKey.ShareGroupHeartbeat,
  name: 'ShareGroupHeartbeat',
  request: ShareGroupHeartbeatRequestDef,
  response: ShareGroupHeartbeatResponseDef,
});
