// Record headers with a meaning for queues (share groups). They are ordinary headers: consumer groups and
// every Kafka client see them as such; only share groups and the DLQ tools act on them.

/** When a record becomes available to share groups: milliseconds since the epoch, as a decimal string. */
export const DELIVER_AT_HEADER = 'sluice-deliver-at';
/** A record's priority for share groups: "0" (default) to "9" (first). */
export const PRIORITY_HEADER = 'sluice-priority';
export const MIN_PRIORITY = 0;
export const MAX_PRIORITY = 9;

/** Headers a share group adds to a record it dead-letters (the record's own key, value and headers are kept). */
export const DLQ_HEADERS = Object.freeze({
  sourceTopic: 'sluice-dlq-source-topic',
  sourcePartition: 'sluice-dlq-source-partition',
  sourceOffset: 'sluice-dlq-source-offset',
  group: 'sluice-dlq-group',
  /** Delivery attempts made, decimal. */
  attempts: 'sluice-dlq-attempts',
  /** The last failure's message (or the reject reason). */
  error: 'sluice-dlq-error',
  /** When it was dead-lettered: milliseconds since the epoch, decimal. */
  time: 'sluice-dlq-time',
  /** Set by `sluice dlq requeue` on the copy it writes back: the DLQ topic and offset it came from. */
  requeuedFrom: 'sluice-requeued-from',
});

/** The dead-letter topic of a share group when none is configured. */
export function defaultDeadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}
