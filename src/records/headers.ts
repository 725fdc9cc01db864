// Conversions between kafkajs's header objects and the ordered (key, value) pairs a record stores.
// Kafka headers are an ordered list in which a key may repeat; kafkajs models that as an object whose
// value is an array for repeated keys. Values: strings are sent as UTF-8 bytes, null/undefined as a
// null header value (length -1), as kafkajs's encoder does.
import type { HeaderPairs } from './record.js';
import { plainObjectConstructor } from './plain-objects.js';

export type HeaderValue = Buffer | string | null | undefined;
export type HeadersInput = { [key: string]: HeaderValue | HeaderValue[] };
export type DecodedHeaders = { [key: string]: Buffer | null | Array<Buffer | null> };

function toBytes(value: HeaderValue): Buffer | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

/** kafkajs `message.headers` → pairs in object key order; an array value gives one pair per element. */
export function headersToPairs(headers: HeadersInput | undefined | null): HeaderPairs {
  const pairs: HeaderPairs = [];
  if (!headers) return pairs;
  for (const key of Object.keys(headers)) {
    const value = headers[key];
    if (Array.isArray(value)) for (const v of value) pairs.push([key, toBytes(v)]);
    else pairs.push([key, toBytes(value)]);
  }
  return pairs;
}

/** Pairs → kafkajs-style object: a key seen once maps to its value, a repeated key to an array in order. */
export function pairsToHeaders(pairs: HeaderPairs): DecodedHeaders {
  const out: DecodedHeaders = {};
  for (const [key, value] of pairs) {
    const existing = Object.hasOwn(out, key) ? out[key] : undefined;
    let next: Buffer | null | Array<Buffer | null>;
    if (existing === undefined) next = value;
    else if (Array.isArray(existing)) {
      existing.push(value);
      continue;
    } else next = [existing, value];
    // defineProperty so a header named "__proto__" becomes a plain own property.
    Object.defineProperty(out, key, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The headers of a record that has none: `new NoHeaders()` is a plain empty object (plain-objects.ts). */
export const NoHeaders = plainObjectConstructor(function EmptyHeaders(this: DecodedHeaders): void {});
