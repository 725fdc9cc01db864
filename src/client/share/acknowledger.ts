// Sends a share consumer's acknowledgements: whatever handlers settle while a ShareAcknowledge is in
// flight goes in the next one (one request at a time, so a burst of handlers costs a few requests, not
// one each). Each settle resolves once the broker answered for its record.
import { ShareAcknowledgeApi } from '../../protocol/index.js';
import { errorInfo } from '../../protocol/errors.js';
import type { Connection } from '../connection.js';
import { SluiceProtocolError } from '../errors.js';

export type AckType = 'ack' | 'release' | 'reject' | 'fail' | 'renew';

interface PendingAck {
  topic: string;
  partition: number;
  offset: number;
  type: AckType;
  errorMessage: string | null;
  done(error: Error | null): void;
}

export class Acknowledger {
  #pending: PendingAck[] = [];
  #sending = false;

  constructor(
    private readonly target: () => { connection: () => Promise<Connection>; groupId: string; memberId: string },
  ) {}

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
      if (!this.#sending) void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    this.#sending = true;
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending;
        this.#pending = [];
        const { connection, groupId, memberId } = this.target();
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
            const error = new SluiceProtocolError(response.errorCode, response.errorMessage ?? undefined);
            for (const ack of batch) ack.done(error);
            continue;
          }
          batch.forEach((ack, i) => {
            const result = response.results[i];
            if (!result || result.errorCode === 0) ack.done(null);
            else
              ack.done(
                new SluiceProtocolError(result.errorCode, result.errorMessage ?? errorInfo(result.errorCode).message),
              );
          });
        } catch (error) {
          for (const ack of batch) ack.done(error as Error);
        }
      }
    } finally {
      this.#sending = false;
    }
  }
}
