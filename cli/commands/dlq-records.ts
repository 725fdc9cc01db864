// What the DLQ commands know about a dead-lettered record: its failure headers (src/records/queue-headers.ts)
// read into named fields, and which topics are dead-letter topics.
import { DLQ_HEADERS } from '../../src/records/queue-headers.js';
import { headerPairs } from '../lib/records.js';
import type { KafkaMessage } from '../lib/sdk.js';

/** The consumer group whose committed offsets on a DLQ topic record what `sluice dlq requeue` has moved. */
export const REQUEUE_GROUP = 'sluice-dlq-requeue';

export interface Failure {
  sourceTopic: string | null;
  sourcePartition: number | null;
  sourceOffset: number | null;
  group: string | null;
  attempts: number | null;
  error: string | null;
  /** When it was dead-lettered, ms since the epoch. */
  time: number | null;
  /** Set when this record is itself a requeued copy: where it came from. */
  requeuedFrom: string | null;
}

const DLQ_HEADER_NAMES: ReadonlySet<string> = new Set(Object.values(DLQ_HEADERS));

/** True for a header the DLQ adds (or requeue adds), which a requeued copy drops. */
export function isDlqHeader(name: string): boolean {
  return DLQ_HEADER_NAMES.has(name);
}

/** The last value of a header as text, or null. */
function headerText(message: KafkaMessage, name: string): string | null {
  let found: string | null = null;
  for (const [k, v] of headerPairs(message.headers)) if (k === name && v !== null) found = v.toString('utf8');
  return found;
}

function headerInteger(message: KafkaMessage, name: string): number | null {
  const text = headerText(message, name);
  if (text === null || !/^-?\d+$/.test(text.trim())) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

export function failureOf(message: KafkaMessage): Failure {
  return {
    sourceTopic: headerText(message, DLQ_HEADERS.sourceTopic),
    sourcePartition: headerInteger(message, DLQ_HEADERS.sourcePartition),
    sourceOffset: headerInteger(message, DLQ_HEADERS.sourceOffset),
    group: headerText(message, DLQ_HEADERS.group),
    attempts: headerInteger(message, DLQ_HEADERS.attempts),
    error: headerText(message, DLQ_HEADERS.error),
    time: headerInteger(message, DLQ_HEADERS.time),
    requeuedFrom: headerText(message, DLQ_HEADERS.requeuedFrom),
  };
}

/** A record a share group dead-lettered carries at least the source-topic header. */
export function isDeadLettered(message: KafkaMessage): boolean {
  return headerText(message, DLQ_HEADERS.sourceTopic) !== null;
}

/** Named like a dead-letter topic (the default `<topic>.dlq`). */
export function hasDlqName(topic: string): boolean {
  return topic.endsWith('.dlq') && topic.length > '.dlq'.length;
}

/** The value of a header by name, for --filter: the last one if repeated, null if absent. */
export function headerValue(message: KafkaMessage, name: string): string | null {
  return headerText(message, name);
}
