// A share consumer's acknowledgements. Outcomes wait in one queue; the fetch loop carries them in its
// next ShareFetch (v1) when it is about to send one, as Kafka's share consumer does, so a member that
// handles records quickly costs one round trip and one state write per batch, not two. When no fetch is
// coming soon (one is in flight, the consumer is stopping, or the entry is a lock renewal, which frees
// no slot), they go in a ShareAcknowledge of their own: whatever is queued while one is in flight goes in
// the next. Each queued outcome's `done` is called once the broker answered for its record (the outcome
// object is the caller's own: the share consumer queues the record it delivered, no object is made here).
// On the wire, outcomes of consecutive offsets of a partition that are alike travel as one range
// (`ackRanges`); the broker answers only for the offsets it could not settle.
import { ShareAcknowledgeApi } from '../../protocol/index.js';
import { errorInfo } from '../../protocol/errors.js';
import type { Connection } from '../connection.js';
import { SluiceProtocolError } from '../errors.js';

export type AckType = 'ack' | 'release' | 'reject' | 'fail' | 'renew';

export interface PendingAck {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly type: AckType;
  readonly errorMessage: string | null;
  done(error: Error | null): void;
}

/** Read at each use (the member id changes when the consumer joins again). */
export interface AckTarget {
  connection(): Promise<Connection>;
  readonly groupId: string;
  readonly memberId: string;
  /** Whether the fetch loop will send a ShareFetch soon and can carry an outcome of this type. */
  readonly fetchWillCarry: (type: AckType) => boolean;
}

export class Acknowledger {
  #pending: PendingAck[] = [];
  /** The ShareAcknowledge loop under way (it sends until nothing is queued). */
  #sending: Promise<void> | undefined;
  readonly #target: AckTarget;

  constructor(target: AckTarget) {
    this.#target = target;
  }

  /** Queues an outcome; its `done` gets null once stored, or the broker's error for it (e.g. its lock expired). */
  queue(ack: PendingAck): void {
    this.#pending.push(ack);
    if (!this.#sending && !this.#target.fetchWillCarry(ack.type)) void this.#flush();
  }

  /** The same as a promise: resolves with null once stored, or with the broker's error for this record. */
  settle(
    topic: string,
    partition: number,
    offset: number,
    type: AckType,
    errorMessage: string | null = null,
  ): Promise<Error | null> {
    return new Promise((resolve) => this.queue({ topic, partition, offset, type, errorMessage, done: resolve }));
  }

  /** The queued outcomes, for the fetch loop to carry (it reports each result with `answer`). */
  take(): PendingAck[] {
    const taken = this.#pending;
    this.#pending = [];
    return taken;
  }

  /** Sends whatever is queued now, in ShareAcknowledge requests; resolves once every one was answered. */
  async flush(): Promise<void> {
    while (this.#sending !== undefined || this.#pending.length > 0) await (this.#sending ?? this.#flush());
  }

  #flush(): Promise<void> {
    this.#sending = this.#send().finally(() => {
      this.#sending = undefined;
    });
    return this.#sending;
  }

  async #send(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.take();
      const { connection, groupId, memberId } = this.#target;
      try {
        const response = await (await connection()).send(ShareAcknowledgeApi, {
          groupId,
          memberId,
          acks: ackRanges(batch),
        });
        if (response.errorCode !== 0) {
          answerAll(batch, new SluiceProtocolError(response.errorCode, response.errorMessage ?? undefined));
          continue;
        }
        answer(batch, response.results);
      } catch (error) {
        answerAll(batch, error as Error);
      }
    }
  }
}

export interface AckRange {
  topic: string;
  partition: number;
  offset: number;
  lastOffset: number | null;
  type: AckType;
  errorMessage: string | null;
}

/**
 * The outcomes as ranges: sorted by partition and offset (stable, so two outcomes of one record keep their
 * order), consecutive offsets with the same outcome and message merged into one entry.
 */
export function ackRanges(batch: readonly PendingAck[]): AckRange[] {
  // Handlers mostly finish in delivery order: then the outcomes are in order already (no copy, no sort).
  const sorted = inOrder(batch) ? batch : [...batch].sort(compareAcks);
  const ranges: AckRange[] = [];
  let last: AckRange | undefined;
  for (const { topic, partition, offset, type, errorMessage } of sorted) {
    if (
      last !== undefined &&
      last.topic === topic &&
      last.partition === partition &&
      last.type === type &&
      last.errorMessage === errorMessage &&
      (last.lastOffset ?? last.offset) + 1 === offset
    ) {
      last.lastOffset = offset;
      continue;
    }
    last = { topic, partition, offset, lastOffset: null, type, errorMessage };
    ranges.push(last);
  }
  return ranges;
}

function compareAcks(a: PendingAck, b: PendingAck): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition || a.offset - b.offset;
}

function inOrder(batch: readonly PendingAck[]): boolean {
  for (let i = 1; i < batch.length; i++) if (compareAcks(batch[i - 1]!, batch[i]!) > 0) return false;
  return true;
}

/**
 * Resolves each acknowledgement with its result: the broker lists the offsets it could not settle (one
 * entry per offset; an older answer lists every offset, 0 for success); every other one is stored.
 */
export function answer(
  batch: readonly PendingAck[],
  results: ReadonlyArray<{
    topic: string;
    partition: number;
    offset: number;
    errorCode: number;
    errorMessage: string | null;
  }>,
): void {
  if (results.length === 0) {
    for (const ack of batch) ack.done(null);
    return;
  }
  const failed = new Map<string, { errorCode: number; errorMessage: string | null }>();
  for (const r of results) if (r.errorCode !== 0) failed.set(`${r.topic}\0${r.partition}\0${r.offset}`, r);
  for (const ack of batch) {
    const result = failed.size === 0 ? undefined : failed.get(`${ack.topic}\0${ack.partition}\0${ack.offset}`);
    if (!result) ack.done(null);
    else
      ack.done(new SluiceProtocolError(result.errorCode, result.errorMessage ?? errorInfo(result.errorCode).message));
  }
}

export function answerAll(batch: readonly PendingAck[], error: Error): void {
  for (const ack of batch) ack.done(error);
}
