// The share consumer's options and the message its handler gets.
import type { DecodedHeaders } from '../../records/index.js';

export interface ShareBackoff {
  /** Default 'exponential'. */
  type?: 'fixed' | 'exponential';
  /** Default 1000. */
  initialMs?: number;
  /** Default 2 (exponential only). */
  multiplier?: number;
  /** Default 60000. */
  maxMs?: number;
  /** 0..1; default 0.1 (exponential), 0 (fixed). */
  jitter?: number;
}

export interface ShareConsumerConfig {
  groupId: string;
  /** Records acquired and not yet settled, at most (prefetch). Default 10. */
  maxInFlight?: number;
  /** How long a record stays acquired without an answer (locks of running handlers are renewed). Default: the group's, else 30 s. */
  lockTimeoutMs?: number;
  /** The group's retry policy (the broker's default: 5 attempts, exponential from 1 s). */
  retry?: { maxAttempts?: number; backoff?: ShareBackoff };
  /** Where records go after their last attempt or a reject. Default `<topic>.dlq`. */
  deadLetterTopic?: string;
  /** How long one ShareFetch waits for records on the broker. Default 5000. */
  maxWaitTimeInMs?: number;
}

export interface ShareMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers: DecodedHeaders;
  /** The record's offset, a decimal string (kafkajs style). */
  offset: string;
  timestamp: string;
  /** 1 on the first delivery, 2 on the first retry, … */
  deliveryAttempt: number;
  /** Settle the record by sending it to the dead-letter topic now (once the handler returns). */
  reject(reason?: string): void;
  /** Give the record back: available again now, to any member, the attempt not counted. */
  release(): void;
}

export interface EachShareMessagePayload {
  topic: string;
  partition: number;
  message: ShareMessage;
}

export interface ShareRunConfig {
  /** Resolves: ack. Throws: fail (retried after the backoff, dead-lettered after the last attempt). */
  eachMessage(payload: EachShareMessagePayload): Promise<void>;
}
