// The consumer's instrumentation event names (kafkajs's), and the payloads of those the fetcher and the
// runner emit:
//   FETCH_START          { nodeId }                                    a fetch to that broker goes out
//   FETCH                { numberOfBatches, duration, nodeId }         its response was read (numberOfBatches:
//                                                                      the partitions that returned records)
//   START_BATCH_PROCESS  { topic, partition, highWatermark, offsetLag, offsetLagLow, batchSize, firstOffset,
//                          lastOffset }                                a batch goes to eachMessage / eachBatch
//   END_BATCH_PROCESS    the same + { duration }                       the handler is done with it (not after
//                                                                      it threw)
// They are built only while someone listens (InstrumentationEmitter.listening).
import { networkEvents } from '../network-events.js';
import { GroupEvents } from './group/events.js';

export const ConsumerEvents = {
  CONNECT: 'consumer.connect',
  DISCONNECT: 'consumer.disconnect',
  STOP: 'consumer.stop',
  CRASH: 'consumer.crash',
  FETCH_START: 'consumer.fetch_start',
  FETCH: 'consumer.fetch',
  START_BATCH_PROCESS: 'consumer.start_batch_process',
  END_BATCH_PROCESS: 'consumer.end_batch_process',
  ...GroupEvents,
  ...networkEvents('consumer'),
} as const;

export type ConsumerEventName = (typeof ConsumerEvents)[keyof typeof ConsumerEvents];

/** What the fetcher and the runner need of the consumer's emitter. */
export interface ConsumerEventSink {
  listening(type: ConsumerEventName): boolean;
  emit<T>(type: ConsumerEventName, payload: T): void;
}
