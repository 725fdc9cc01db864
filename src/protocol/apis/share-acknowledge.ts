// ShareAcknowledge: settles records a member holds: ack (done), release (available again now, the
// delivery not counted), reject (to the dead-letter topic now), fail (retried after the group's backoff,
// dead-lettered after its last attempt), renew (the lock extended by the group's lock timeout). Answered
// once the new states are stored as durably as the broker's flush policy promises; each record has its
// own result (INVALID_RECORD_STATE: not held by this member, e.g. its lock expired).
// Version 1: an acknowledgement may cover a range of offsets (`offset`..`lastOffset`, one outcome for all,
// as Kafka's acknowledgement batches do), at most SHARE_MAX_RECORDS offsets in all; and the answer lists
// only the offsets that failed, one entry each (every other offset acknowledged was settled).
import { ApiKey, defineApi } from '../api-keys.js';
import { array, int, message, type MessageValue, oneOf, string, struct } from '../schema.js';
import { errorCode, errorMessage, groupId, partitionIndex, topicName, throttleTimeMs } from './fields.js';
import { shareOffset, SHARE_ERROR_MESSAGE_MAX, SHARE_MAX_RECORDS, shareMemberId } from './share-fields.js';

export const SHARE_ACK_TYPES = ['ack', 'release', 'reject', 'fail', 'renew'] as const;

/** One acknowledgement (also carried by ShareFetch v1); `rangeVersions`: the versions that carry lastOffset. */
export const shareAckEntry = (rangeVersions: string) =>
  struct({
    topic: topicName(),
    partition: partitionIndex(),
    offset: shareOffset(),
    lastOffset: int({
      min: 0,
      versions: rangeVersions,
      nullableVersions: rangeVersions,
      doc: 'the last offset of the range from offset (nil: offset alone)',
    }),
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
  validVersions: '0-1',
  fields: {
    groupId: groupId(),
    memberId: shareMemberId(),
    acks: array(shareAckEntry('1+'), { maxItems: SHARE_MAX_RECORDS }),
  },
});

export const ShareAcknowledgeResponseDef = message({
  name: 'ShareAcknowledgeResponse',
  type: 'response',
  apiKey: ApiKey.ShareAcknowledge,
  validVersions: '0-1',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    errorCode: errorCode(),
    errorMessage: errorMessage(),
    results: array(shareAckResult(), { default: [], doc: 'v0: one per acknowledgement; v1: the failed offsets only' }),
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
