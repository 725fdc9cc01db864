// A share consumer's acknowledgements. Outcomes wait in one queue; the fetch loop carries them in its
// next ShareFetch (v1) when it is about to send one, as Kafka's share consumer does, so a member that
// handles records quickly costs one round trip and one state write per batch, not two. When no fetch is
// coming soon (one is in flight, the consumer is stopping, or the entry is a lock renewal, which frees
// no slot), they go in a ShareAcknowledge of their own: whatever is queued while one is in flight goes in
// the next. Each settle resolves once the broker answered for its record.
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

export interface AckTarget {
  connection(): Promise<Connection>;
  readonly groupId: string;
  readonly memberId: string;
  /** Whether the fetch loop will send a ShareFetch soon and can carry an outcome of this type. */
  readonly fetchWillCarry: (type: AckType) => boolean;
}

export class Acknowledger {
  #pending: PendingAck[] = [];
  #sending = false;
  readonly #target: () => AckTarget;

  constructor(target: () => AckTarget) {
    this.#target = target;
  }

  /** Resolves with null once stored, or with the broker's error for this record (e.g. its lock expired). */
  settle(
    topic: string,
    partition: number,
    offset: number,
    type: AckType,
    errorMessage: string | null = null,
  ): Promise<Error | null> {
    return new Promise((resolve) => {
      this.#pending.push({ topic, partition, offset, type, errorMessage, done: resolve });
      if (!this.#sending && !this.#target().fetchWillCarry(type)) void this.#flush();
    });
  }

  /** The queued outcomes, for the fetch loop to carry (it reports each result with `answer`). */
  take(): PendingAck[] {
    const taken = this.#pending;
    this.#pending = [];
    return taken;
  }

  /** Sends whatever is queued now, in ShareAcknowledge requests (the consumer is stopping). */
  flush(): Promise<void> {
    return this.#sending || this.#pending.length === 0 ? Promise.resolve() : this.#flush();
  }

  async #flush(): Promise<void> {
    this.#sending = true;
    try {
      while (this.#pending.length > 0) {
        const batch = this.take();
        const { connection, groupId, memberId } = this.#target();
        try {
          const response = await (await connection()).send(ShareAcknowledgeApi, {
            groupId,
            memberId,
            acks: batch.map(({ topic, partition, offset, type, errorMessage }) => ({
              topic,
              partition,
              offset,
              type,
              errorMessage,
            })),
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
    } finally {
      this.#sending = false;
    }
  }
}

/** Resolves each acknowledgement with its result (by position), null for success. */
export function answer(
  batch: readonly PendingAck[],
  results: ReadonlyArray<{ errorCode: number; errorMessage: string | null }>,
): void {
  batch.forEach((ack, i) => {
    const result = results[i];
    if (!result || result.errorCode === 0) ack.done(null);
    else
      ack.done(new SluiceProtocolError(result.errorCode, result.errorMessage ?? errorInfo(result.errorCode).message));
  });
}

export function answerAll(batch: readonly PendingAck[], error: Error): void {
  for (const ack of batch) ack.done(error);
}
