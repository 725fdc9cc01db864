// What a dead-lettered record says about its failure: the headers a share group adds to it
// (src/records/queue-headers.ts) read into named fields, and which topics are dead-letter topics. Read by
// `sluice dlq` and by the HTTP door's DLQ routes, from a record's header pairs.
import { DLQ_HEADERS } from '../../records/queue-headers.js';

/** The consumer group whose committed offsets on a DLQ topic record what a requeue has moved. */
export const REQUEUE_GROUP = 'sluice-dlq-requeue';

export type HeaderPairList = ReadonlyArray<readonly [string, Buffer | null]>;

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

/** The last value of a header as text: null if absent (or null). */
export function headerText(headers: HeaderPairList, name: string): string | null {
  let found: string | null = null;
  for (const [k, v] of headers) if (k === name && v !== null) found = v.toString('utf8');
  return found;
}

function headerInteger(headers: HeaderPairList, name: string): number | null {
  const text = headerText(headers, name);
  if (text === null || !/^-?\d+$/.test(text.trim())) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

export function failureOf(headers: HeaderPairList): Failure {
  return {
    sourceTopic: headerText(headers, DLQ_HEADERS.sourceTopic),
    sourcePartition: headerInteger(headers, DLQ_HEADERS.sourcePartition),
    sourceOffset: headerInteger(headers, DLQ_HEADERS.sourceOffset),
    group: headerText(headers, DLQ_HEADERS.group),
    attempts: headerInteger(headers, DLQ_HEADERS.attempts),
    error: headerText(headers, DLQ_HEADERS.error),
    time: headerInteger(headers, DLQ_HEADERS.time),
    requeuedFrom: headerText(headers, DLQ_HEADERS.requeuedFrom),
  };
}

/** A record a share group dead-lettered carries at least the source-topic header. */
export function isDeadLettered(headers: HeaderPairList): boolean {
  return headerText(headers, DLQ_HEADERS.sourceTopic) !== null;
}

/** Named like a dead-letter topic (the default `<topic>.dlq`). */
export function hasDlqName(topic: string): boolean {
  return topic.endsWith('.dlq') && topic.length > '.dlq'.length;
}
