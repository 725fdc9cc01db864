// A record from its delivery to its settlement, as one object: the handler's payload and message, the
// lock renewer's held record, and the outcome the acknowledger queues and the broker answers. A handler
// that returns at once costs these few objects per record and nothing else (no promise per outcome, no
// per-record timer or closure beyond the message's reject and release).
import { type DecodedHeaders, NoHeaders, pairsToHeaders, plainObjectConstructor } from '../../records/index.js';
import type { AckType, PendingAck } from './acknowledger.js';
import type { DeliveredRecord } from './delivered.js';
import type { HeldRecord } from './lock-renewer.js';
import type { EachShareMessagePayload, ShareMessage } from './types.js';

export class InFlightRecord implements PendingAck, HeldRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  renewedAt: number;
  /** The outcome: the handler's (resolved: ack, threw: fail) unless the message decided it first. */
  type: AckType = 'ack';
  errorMessage: string | null = null;
  /** message.reject() or message.release() was called: the handler's result does not change the outcome. */
  #decided = false;
  readonly payload: EachShareMessagePayload;
  readonly #refused: (record: InFlightRecord, error: Error) => void;

  constructor(record: DeliveredRecord, now: number, refused: (record: InFlightRecord, error: Error) => void) {
    this.topic = record.topic;
    this.partition = record.partition;
    this.offset = record.offset;
    this.renewedAt = now;
    this.#refused = refused;
    const message = new Message(
      record.key,
      record.value,
      record.headers.length === 0 ? new NoHeaders() : pairsToHeaders(record.headers),
      record.offsetString,
      record.timestampString,
      record.deliveryCount,
      (reason?: string) => this.#decide('reject', reason ?? 'rejected'),
      () => this.#decide('release', null),
    );
    this.payload = new Payload(record.topic, record.partition, message);
  }

  /** The handler's result, unless the message decided the outcome already. */
  handled(type: 'ack' | 'fail', errorMessage: string | null): void {
    if (this.#decided) return;
    this.type = type;
    this.errorMessage = errorMessage;
  }

  /** The broker's answer (PendingAck): null once stored, else why it did not take the outcome. */
  done(error: Error | null): void {
    if (error !== null) this.#refused(this, error);
  }

  #decide(type: AckType, errorMessage: string | null): void {
    this.#decided = true;
    this.type = type;
    this.errorMessage = errorMessage;
  }
}

/**
 * The handler's payload and its message: plain objects made by constructors (records/plain-objects.ts), never
 * pretenured; a user's destructured `reject` and `release` are own closures, as with literals.
 */
const Message = plainObjectConstructor(function PlainMessage(
  this: ShareMessage,
  key: Buffer | null,
  value: Buffer | null,
  headers: DecodedHeaders,
  offset: string,
  timestamp: string,
  deliveryAttempt: number,
  reject: (reason?: string) => void,
  release: () => void,
) {
  this.key = key;
  this.value = value;
  this.headers = headers;
  this.offset = offset;
  this.timestamp = timestamp;
  this.deliveryAttempt = deliveryAttempt;
  this.reject = reject;
  this.release = release;
});

const Payload = plainObjectConstructor(function PlainPayload(
  this: EachShareMessagePayload,
  topic: string,
  partition: number,
  message: ShareMessage,
) {
  this.topic = topic;
  this.partition = partition;
  this.message = message;
});
