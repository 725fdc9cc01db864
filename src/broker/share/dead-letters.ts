// Writes a share group's dead letters: the source record's key, value and headers, plus the DLQ headers
// (src/records/queue-headers.ts) naming where it came from, who gave up on it, after how many attempts,
// why and when. The dead-letter topic is created (broker defaults) when missing; the copy goes to the
// source's partition number modulo the DLQ's partition count, so one source partition's dead letters keep
// their order.
import { buildRecordBatchSync, DLQ_HEADERS, defaultDeadLetterTopic, type HeaderPairs } from '../../records/index.js';
import { TopicError } from '../registries/errors.js';
import type { TopicRegistry } from '../registries/topics.js';
import type { DeadLetter } from './share-partition.js';

/** The longest error message kept in a dead-letter header. */
export const MAX_DLQ_ERROR_LENGTH = 4096;

export interface DeadLetterSource {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  /** The group's configured dead-letter topic, or null for `<topic>.dlq`. */
  readonly deadLetterTopic: string | null;
}

export class DeadLetterWriter {
  readonly #topics: TopicRegistry;
  readonly #notify: (topic: string, partition: number) => void;
  readonly #now: () => number;

  constructor(topics: TopicRegistry, notify: (topic: string, partition: number) => void, now: () => number) {
    this.#topics = topics;
    this.#notify = notify;
    this.#now = now;
  }

  /** Appends the dead letters (one batch); resolves once the DLQ partition acknowledged them. */
  async write(source: DeadLetterSource, letters: readonly DeadLetter[]): Promise<{ topic: string; partition: number }> {
    const name = source.deadLetterTopic ?? defaultDeadLetterTopic(source.topic);
    const topic = await this.#ensure(name);
    const partition = source.partition % topic.partitions;
    const log = this.#topics.log(name, partition);
    if (!log)
      throw new TopicError('unknown-topic', `dead-letter topic "${name}" partition ${partition} is not available`);
    const time = String(this.#now());
    // One batch per letter, appended together (the log keeps their order): a batch of many letters could
    // exceed the topic's max.message.bytes where each letter alone fits.
    await Promise.all(
      letters.map((letter) =>
        log.append(
          buildRecordBatchSync([
            {
              key: letter.record.key,
              value: letter.record.value,
              timestamp: letter.record.timestamp,
              headers: [...letter.record.headers, ...dlqHeaders(source, letter, time)],
            },
          ]),
          { maxBatchBytes: topic.maxMessageBytes },
        ),
      ),
    );
    this.#notify(name, partition);
    return { topic: name, partition };
  }

  async #ensure(name: string) {
    const existing = this.#topics.get(name);
    if (existing) return existing;
    try {
      return await this.#topics.create(name, -1, {});
    } catch (error) {
      if (error instanceof TopicError && error.problem === 'exists') {
        const raced = this.#topics.get(name);
        if (raced) return raced;
      }
      throw error;
    }
  }
}

function dlqHeaders(source: DeadLetterSource, letter: DeadLetter, time: string): HeaderPairs {
  const text = (value: string) => Buffer.from(value, 'utf8');
  return [
    [DLQ_HEADERS.sourceTopic, text(source.topic)],
    [DLQ_HEADERS.sourcePartition, text(String(source.partition))],
    [DLQ_HEADERS.sourceOffset, text(String(letter.record.offset))],
    [DLQ_HEADERS.group, text(source.groupId)],
    [DLQ_HEADERS.attempts, text(String(letter.deliveryCount))],
    [DLQ_HEADERS.error, text(letter.error.slice(0, MAX_DLQ_ERROR_LENGTH))],
    [DLQ_HEADERS.time, text(time)],
  ];
}
