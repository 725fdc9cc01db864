// OffsetForLeaderEpoch (broker to broker; Kafka's key 23 semantics, KIP-101/279): before it fetches, a follower
// asks the leader where the epoch of its own last batch ends in the leader's log. The answer is the largest
// epoch of the leader's log at or below the one asked for and that epoch's end offset (the first offset of
// the next epoch, or the log end); the follower truncates to the lower of that and its own end of the same
// epoch, so its log never keeps batches the leader does not have.
import { ApiKey, defineApi } from '../api-keys.js';
import { int, message, type MessageValue } from '../schema.js';
import { errorCode, errorMessage, partitionIndex, topicPartitions } from './fields.js';

export const OffsetForLeaderEpochRequestDef = message({
  name: 'OffsetForLeaderEpochRequest',
  type: 'request',
  apiKey: ApiKey.OffsetForLeaderEpoch,
  validVersions: '0',
  fields: {
    replicaId: int({ min: 0, doc: 'the asking broker' }),
    topics: topicPartitions({
      partition: partitionIndex(),
      currentLeaderEpoch: int({ min: 0, doc: 'the epoch the follower believes the leader has' }),
      leaderEpoch: int({ min: -1, doc: "the epoch of the follower's last batch" }),
    }),
  },
});

export const OffsetForLeaderEpochResponseDef = message({
  name: 'OffsetForLeaderEpochResponse',
  type: 'response',
  apiKey: ApiKey.OffsetForLeaderEpoch,
  validVersions: '0',
  fields: {
    topics: topicPartitions({
      partition: partitionIndex(),
      errorCode: errorCode(),
      errorMessage: errorMessage(),
      leaderEpoch: int({ doc: "the largest epoch of the leader's log at or below the one asked for (-1: none)" }),
      endOffset: int({ doc: 'where that epoch ends in the leader log (-1 with epoch -1)' }),
    }),
  },
});

export type OffsetForLeaderEpochRequest = MessageValue<typeof OffsetForLeaderEpochRequestDef>;
export type OffsetForLeaderEpochResponse = MessageValue<typeof OffsetForLeaderEpochResponseDef>;

export const OffsetForLeaderEpochApi = defineApi({
  key: ApiKey.OffsetForLeaderEpoch,
  name: 'OffsetForLeaderEpoch',
  request: OffsetForLeaderEpochRequestDef,
  response: OffsetForLeaderEpochResponseDef,
});
