// kafkajs's Batch: the messages one fetch returned for one partition (records below the fetch offset
// already dropped), plus lag helpers. Offsets are decimal strings; arithmetic is done on numbers, which
// are exact up to 2^53 offsets.
import type { MessageOffsets } from './message-offsets.js';
import type { Batch, KafkaMessage } from './types.js';

export class FetchedBatch implements Batch {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly highWatermark: string,
    readonly messages: KafkaMessage[],
    /** The offset the fetch asked for. */
    readonly fetchedOffset: number,
    /** messages[i]'s offset as a number (internal: the runner's position arithmetic, no string parsing). */
    readonly offsets: MessageOffsets,
  ) {}

  /** The messages from `offset` on, as a batch of their own (to deliver again what was not consumed). */
  from(offset: number): FetchedBatch {
    const index = this.offsets.indexFrom(offset);
    return new FetchedBatch(
      this.topic,
      this.partition,
      this.highWatermark,
      this.messages.slice(index),
      this.fetchedOffset,
      this.offsets.slice(index),
    );
  }

  isEmpty(): boolean {
    return this.messages.length === 0;
  }

  firstOffset(): string | null {
    return this.messages.length === 0 ? null : this.messages[0]!.offset;
  }

  lastOffset(): string {
    if (this.messages.length === 0) return String(Number(this.highWatermark) - 1);
    return this.messages[this.messages.length - 1]!.offset;
  }

  /** Lag after the last message of the batch. */
  offsetLag(): string {
    return String(Number(this.highWatermark) - 1 - Number(this.lastOffset()));
  }

  /** Lag from the first message of the batch. */
  offsetLagLow(): string {
    if (this.messages.length === 0) return '0';
    return String(Number(this.highWatermark) - 1 - Number(this.firstOffset()));
  }
}
