// Produce: appends record batches to partitions. The record bytes travel in the frame tail, untouched.
import { ApiKey, defineApi, type EncodedMessage } from '../api-keys.js';
import { int, type MessageInput, type MessageValue, message, oneOf, records } from '../schema.js';
import { errorCode, errorMessage, partitionIndex, topicPartitions, throttleTimeMs } from './fields.js';

export const ProduceRequestDef = message({
  name: 'ProduceRequest',
  type: 'request',
  apiKey: ApiKey.Produce,
  validVersions: '0',
  fields: {
    acks: oneOf([-1, 0, 1], { doc: '0: no response at all; 1: after the append; -1: after the flush policy' }),
    timeoutMs: int({ min: 0, default: 30_000 }),
    topics: topicPartitions({
      partition: partitionIndex(),
      records: records({ doc: 'one or more complete RecordBatch v2 batches' }),
    }),
  },
});

export const ProduceResponseDef = message({
  name: 'ProduceResponse',
  type: 'response',
  apiKey: ApiKey.Produce,
  validVersions: '0',
  fields: {
    topics: topicPartitions({
      partition: partitionIndex(),
      errorCode: errorCode(),
      errorMessage: errorMessage(),
      baseOffset: int({ doc: 'offset given to the first record, -1 on error' }),
      logAppendTime: int({
        default: -1,
        doc: 'the time the broker stamped every record with, on a message.timestamp.type=LogAppendTime topic',
      }),
      logStartOffset: int({ default: -1 }),
    }),
    throttleTimeMs: throttleTimeMs(),
  },
});

export type Acks = -1 | 0 | 1;
/** A decoded produce request: each partition's records are one view of the frame's tail. */
export type ProduceRequest = MessageValue<typeof ProduceRequestDef>;
/** What the encoder takes: each partition's batches as one buffer or several (never copied). */
export type ProduceRequestInput = MessageInput<typeof ProduceRequestDef>;
export type ProduceResponse = MessageValue<typeof ProduceResponseDef>;
export type ProducePartitionResult = ProduceResponse['topics'][number]['partitions'][number];
export type { RecordsInput } from '../schema.js';

export const ProduceApi = defineApi({
  key: ApiKey.Produce,
  name: 'Produce',
  request: ProduceRequestDef,
  response: ProduceResponseDef,
});

/**
 * ProduceApi's encoder, typed for all it accepts: several batches per partition (what the producer sends),
 * each written as its own tail chunk, never copied.
 */
export function encodeProduceRequest(request: ProduceRequestInput): EncodedMessage {
  return ProduceApi.encodeRequest(request as ProduceRequest);
}
