// Produce: appends record batches to partitions. The record bytes travel in the frame tail, untouched.
import { ApiKey, type ApiSpec, type EncodedMessage } from '../api-keys.js';
import { int, nullableString, object, oneOf, optionalInt, topicPartitions } from '../validate.js';
import { TailReader } from './tail.js';

export type Acks = -1 | 0 | 1;

/** Record bytes on encode: one buffer, or several batches written back to back as separate tail chunks. */
export type RecordsInput = Buffer | readonly Buffer[];

interface ProduceRequestOf<Records> {
  /** 0: no response at all; 1: after the leader's append; -1: after the flush policy (and ISR). */
  acks: Acks;
  timeoutMs: number;
  topics: Array<{
    name: string;
    partitions: Array<{
      partition: number;
      /** One or more complete RecordBatch v2 batches. */
      records: Records;
    }>;
  }>;
}

/** A decoded produce request: each partition's records are one view of the frame's tail. */
export type ProduceRequest = ProduceRequestOf<Buffer>;
/** What the encoder takes: each partition's batches as one buffer or several (never copied). */
export type ProduceRequestInput = ProduceRequestOf<RecordsInput>;

export interface ProducePartitionResult {
  partition: number;
  errorCode: number;
  errorMessage: string | null;
  /** Offset given to the first record, -1 on error. */
  baseOffset: number;
  /** -1 unless the topic uses log-append time. */
  logAppendTime: number;
  logStartOffset: number;
}

export interface ProduceResponse {
  topics: Array<{ name: string; partitions: ProducePartitionResult[] }>;
  throttleTimeMs: number;
}

/**
 * ProduceApi's encoder, typed for what it accepts: several batches per partition (the producer's), each
 * written as its own tail chunk, never copied. The tail follows the body's order: topics, partitions
 * within each topic, batches in order.
 */
export function encodeProduceRequest(request: ProduceRequestInput): EncodedMessage {
  const tail: Buffer[] = [];
  const topics = request.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => {
      const records = p.records;
      if (Buffer.isBuffer(records)) {
        tail.push(records);
        return { partition: p.partition, recordsBytes: records.length };
      }
      let recordsBytes = 0;
      for (const batch of records) {
        tail.push(batch);
        recordsBytes += batch.length;
      }
      return { partition: p.partition, recordsBytes };
    }),
  }));
  return { body: { acks: request.acks, timeoutMs: request.timeoutMs, topics }, tail };
}

export const ProduceApi: ApiSpec<ProduceRequest, ProduceResponse> = {
  key: ApiKey.Produce,
  name: 'Produce',
  minVersion: 0,
  maxVersion: 0,
  encodeRequest: encodeProduceRequest,
  decodeRequest(body, tailBytes) {
    const b = object(body, 'body');
    const tail = new TailReader(tailBytes);
    const request: ProduceRequest = {
      acks: oneOf(b.acks, 'acks', [-1, 0, 1] as const),
      timeoutMs: optionalInt(b.timeoutMs, 'timeoutMs', 30_000, 0),
      topics: topicPartitions(b.topics, 'topics', (po, q) => {
        const partition = int(po.partition, `${q}.partition`, 0);
        const length = int(po.recordsBytes, `${q}.recordsBytes`, 0);
        return { partition, records: tail.take(length, `${q}.recordsBytes`) };
      }),
    };
    tail.finish();
    return request;
  },
  encodeResponse: (response) => ({ body: response, tail: [] }),
  decodeResponse(body) {
    const b = object(body, 'body');
    return {
      throttleTimeMs: optionalInt(b.throttleTimeMs, 'throttleTimeMs', 0),
      topics: topicPartitions(b.topics, 'topics', (po, q) => ({
        partition: int(po.partition, `${q}.partition`, 0),
        errorCode: int(po.errorCode, `${q}.errorCode`),
        errorMessage: nullableString(po.errorMessage, `${q}.errorMessage`),
        baseOffset: int(po.baseOffset, `${q}.baseOffset`),
        logAppendTime: optionalInt(po.logAppendTime, `${q}.logAppendTime`, -1),
        logStartOffset: optionalInt(po.logStartOffset, `${q}.logStartOffset`, -1),
      })),
    };
  },
};
