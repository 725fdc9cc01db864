// A message's queue options (delayMs, deliverAt, priority) become the record headers share groups act
// on (src/records/queue-headers.ts). They are checked and turned into headers when send() is called, so a
// delay counts from the call, not from when metadata or the producer id arrived; a bad value fails the
// whole send before any of its records is appended.
import { DELIVER_AT_HEADER, MAX_PRIORITY, MIN_PRIORITY, PRIORITY_HEADER } from '../../records/queue-headers.js';
import { SluiceNonRetriableError } from '../errors.js';
import type { IHeaders, Message } from './types.js';

/** The longest delay a message may ask for: 90 days. A later time is almost surely a unit mistake (µs, ns). */
export const MAX_DELIVERY_DELAY_MS = 90 * 24 * 60 * 60 * 1000;

const given = (v: unknown): boolean => v !== undefined && v !== null;

/** True when the message sets delayMs, deliverAt or priority (the only messages that need normalising). */
export function hasQueueOptions(m: Message): boolean {
  return given(m.delayMs) || given(m.deliverAt) || given(m.priority);
}

/**
 * The message with its queue options turned into headers (a new object: the caller's message is not
 * changed). Throws a non-retriable error naming the topic and the bad value.
 */
export function withQueueHeaders(m: Message, topic: string, now: number): Message {
  const extra: IHeaders = {};
  const deliverAt = deliveryTime(m, topic, now);
  if (deliverAt !== null) extra[DELIVER_AT_HEADER] = String(deliverAt);
  if (given(m.priority)) extra[PRIORITY_HEADER] = String(checkPriority(m.priority, topic));
  const headers = m.headers ?? {};
  for (const name of Object.keys(extra)) {
    if (Object.hasOwn(headers, name))
      throw invalid(topic, `it sets both the ${name} header and the option that writes it; set one`);
  }
  return {
    key: m.key,
    value: m.value,
    partition: m.partition,
    // Not `{ ...headers, ...extra }`: V8 (Node 20) builds a spread-and-add in a slow shape whose objects
    // outlive scavenges (bench/RESULTS.md, "A spread with a field added").
    headers: Object.assign({}, headers, extra),
    timestamp: m.timestamp,
  };
}

/** ms since the epoch the record becomes available to share groups, or null when the message has no delay. */
function deliveryTime(m: Message, topic: string, now: number): number | null {
  if (given(m.delayMs) && given(m.deliverAt)) throw invalid(topic, 'it sets both delayMs and deliverAt; set one');
  if (given(m.delayMs)) {
    const delay = m.delayMs as unknown;
    if (typeof delay !== 'number' || !Number.isInteger(delay) || delay < 0 || delay > MAX_DELIVERY_DELAY_MS) {
      throw invalid(
        topic,
        `delayMs ${describe(delay)} is not an integer number of milliseconds from 0 to ${MAX_DELIVERY_DELAY_MS} (90 days)`,
      );
    }
    return now + delay;
  }
  if (given(m.deliverAt)) {
    const at = m.deliverAt as unknown;
    const ms = at instanceof Date ? at.getTime() : at;
    if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0)
      throw invalid(topic, `deliverAt ${describe(at)} is not a valid Date or integer milliseconds since the epoch`);
    if (ms > now + MAX_DELIVERY_DELAY_MS)
      throw invalid(topic, `deliverAt ${new Date(ms).toISOString()} is more than 90 days ahead`);
    return ms;
  }
  return null;
}

function checkPriority(priority: unknown, topic: string): number {
  if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < MIN_PRIORITY || priority > MAX_PRIORITY)
    throw invalid(topic, `priority ${describe(priority)} is not an integer from ${MIN_PRIORITY} to ${MAX_PRIORITY}`);
  return priority;
}

function describe(v: unknown): string {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

function invalid(topic: string, why: string): SluiceNonRetriableError {
  return new SluiceNonRetriableError(`Invalid message for topic "${topic}": ${why}`);
}
