// ShareAcknowledge: settles records a member holds: ack (done), release (available again now, the
// delivery not counted), reject (to the dead-letter topic now), fail (retried after the group's backoff,
// dead-lettered after its last attempt), renew (the lock extended by the group's lock timeout). Answered
// once the new states are stored as durably as the broker's flush policy promises; each record has its
// own result (INVALID_RECORD_STATE: not held by this member, e.g. its lock expired).
import { ApiKey, defineApi } from '../api-keys.js';
import { array, message, type MessageValue, oneOf, string, struct } from '../schema.js';
import { errorCode, errorMessage, groupId, partitionIndex, topicName, throttleTimeMs } from './fields.js';
import { shareOffset, SHARE_ERROR_MESSAGE_MAX, SHARE_MAX_RECORDS, shareMemberId } from './share-fields.js';

export const SHARE_ACK_TYPES = ['ack', 'release', 'reject', 'fail', 'renew'] as const;

/** One acknowledgement (also carried by ShareFetch v1). */
export const shareAckEntry = () =>
  struct({
    topic: topicName(),
    partition: partitionIndex(),
    offset: shareOffset(),
    type: oneOf(SHARE_ACK_TYPES),
    errorMessage: string({ maxLength: SHARE_ERROR_MESSAGE_MAX, nullableVersions: '0+', doc: 'fail, reject' }),
  });

/** The answer for one acknowledgement. */
export const shareAckResult = () =>
  struct({
    topic: topicName(),
    partition: partitionIndex(),
    offset: shareOffset(),
    errorCode: errorCode(),
    errorMessage: errorMessage(),
  });

export const ShareAcknowledgeRequestDef = message({
  name: 'ShareAcknowledgeRequest',
  type: 'request',
  apiKey: ApiKey.ShareAcknowledge,
  validVersions: '0',
  fields: {
    groupId: groupId(),
    memberId: shareMemberId(),
    acks: array(shareAckEntry(), { maxItems: SHARE_MAX_RECORDS }),
  },
});

export const ShareAcknowledgeResponseDef = message({
  name: 'ShareAcknowledgeResponse',
  type: 'response',
  apiKey: ApiKey.ShareAcknowledge,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    errorCode: errorCode(),
    errorMessage: errorMessage(),
    results: array(shareAckResult(), { default: [] }),
  },
});

export type ShareAcknowledgeRequest = MessageValue<typeof ShareAcknowledgeRequestDef>;
export type ShareAcknowledgeResponse = MessageValue<typeof ShareAcknowledgeResponseDef>;

export const ShareAcknowledgeApi = defineApi({
  key: ApiKey.ShareAcknowledge,
  name: 'ShareAcknowledge',
  request: ShareAcknowledgeRequestDef,
  response: ShareAcknowledgeResponseDef,
});
