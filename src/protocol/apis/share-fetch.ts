// ShareFetch: acquires records for a share-group member, each under a lock, up to maxRecords and the
// member's free maxInFlight slots, from the partitions of its topics; with none available it long-polls
// up to maxWaitMs (woken by appends, lock expiries, due retries and delays, records given back). Records
// travel decoded, one entry per acquired record, with the delivery count (1 on the first delivery).
// Version 1 carries acknowledgements too (as Kafka's ShareFetch does): they are settled before records are
// acquired, so the slots they free count; each has its result in `acks`, and a request with
// acknowledgements is answered without long-polling.
// Version 2: acknowledgements may cover ranges of offsets and the answer lists only the offsets that failed
// (as ShareAcknowledge v1).
// Version 3: records travel as they lie in the log instead of one decoded entry each: `slices`, each a run
// of consecutive records of one batch with the same delivery count, its bytes (RecordBatch v2 records,
// deltas from the batch's baseOffset and baseTimestamp; decompressed when the batch is compressed) in the
// frame's tail. `records` stays empty.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, bytes, int, message, type MessageValue, records, string, struct } from '../schema.js';
import { errorCode, errorMessage, groupId, partitionIndex, topicName, throttleTimeMs } from './fields.js';
import { shareAckEntry, shareAckResult } from './share-acknowledge.js';
import { shareOffset, SHARE_MAX_RECORDS, shareMemberId } from './share-fields.js';

const MAX_WAIT_LIMIT_MS = 10 * 60_000;

export const ShareFetchRequestDef = message({
  name: 'ShareFetchRequest',
  type: 'request',
  apiKey: ApiKey.ShareFetch,
  validVersions: '0-3',
  fields: {
    groupId: groupId(),
    memberId: shareMemberId(),
    maxRecords: int({ min: 1, max: SHARE_MAX_RECORDS, default: 500 }),
    maxWaitMs: int({ min: 0, max: MAX_WAIT_LIMIT_MS, default: 500 }),
    acks: array(shareAckEntry('2+'), { versions: '1+', maxItems: SHARE_MAX_RECORDS, default: [] }),
  },
});

export const ShareFetchResponseDef = message({
  name: 'ShareFetchResponse',
  type: 'response',
  apiKey: ApiKey.ShareFetch,
  validVersions: '0-3',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    errorCode: errorCode(),
    errorMessage: errorMessage(),
    acks: array(shareAckResult(), {
      versions: '1+',
      default: [],
      doc: 'v1: one per acknowledgement; v2: the failed offsets only',
    }),
    records: array(
      struct({
        topic: topicName(),
        partition: partitionIndex(),
        offset: shareOffset(),
        deliveryCount: int({ min: 1 }),
        timestamp: int(),
        key: bytes({ nullableVersions: '0+' }),
        value: bytes({ nullableVersions: '0+' }),
        headers: array(struct({ key: string(), value: bytes({ nullableVersions: '0+' }) }), { default: [] }),
      }),
      { default: [], doc: 'v0-2 (v3: empty)' },
    ),
    slices: array(
      struct({
        topic: topicName(),
        partition: partitionIndex(),
        baseOffset: shareOffset(),
        baseTimestamp: int(),
        appendTimestamp: int({
          nullableVersions: '0+',
          doc: "the batch's maxTimestamp, every record's timestamp in a LogAppendTime batch; else nil",
        }),
        deliveryCount: int({ min: 1 }),
        recordCount: int({ min: 1, max: SHARE_MAX_RECORDS }),
        records: records({ doc: 'the records, as in a RecordBatch v2 records section' }),
      }),
      { versions: '3+', default: [], maxItems: SHARE_MAX_RECORDS },
    ),
  },
});

export type ShareFetchRequest = MessageValue<typeof ShareFetchRequestDef>;
export type ShareFetchResponse = MessageValue<typeof ShareFetchResponseDef>;
export type ShareFetchedRecord = ShareFetchResponse['records'][number];
export type ShareFetchedSlice = ShareFetchResponse['slices'][number];

export const ShareFetchApi = defineApi({
  key: ApiKey.ShareFetch,
  name: 'ShareFetch',
  request: ShareFetchRequestDef,
  response: ShareFetchResponseDef,
});
