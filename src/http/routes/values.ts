// Record keys, values and headers in JSON bodies, as Confluent REST Proxy v3 spells them:
//   { "type": "JSON" | "STRING" | "BINARY", "data": … }  — BINARY data is base64; header values are base64.
import type { HeaderPairs } from '../../records/index.js';
import { HttpError } from '../errors.js';

export type ValueType = 'JSON' | 'STRING' | 'BINARY';

export interface TypedValue {
  type?: ValueType;
  data?: unknown;
}

export const typedValueSchema = {
  type: ['object', 'null'],
  properties: {
    type: { type: 'string', enum: ['JSON', 'STRING', 'BINARY'], default: 'JSON' },
    data: {},
  },
  additionalProperties: false,
} as const;

export const headersSchema = {
  type: 'array',
  maxItems: 1000,
  items: {
    type: 'object',
    required: ['name'],
    properties: { name: { type: 'string', maxLength: 32767 }, value: { type: ['string', 'null'] } },
    additionalProperties: false,
  },
} as const;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function base64(data: string, what: string): Buffer {
  if (data.length % 4 !== 0 || !BASE64.test(data)) throw new HttpError(400, `${what} is not valid base64`);
  return Buffer.from(data, 'base64');
}

/**
 * JSON text of a parsed body's value. JSON.parse accepts nesting deeper than JSON.stringify's recursion
 * can write back (a RangeError for the stack): such a value is the client's error, not the broker's.
 */
function jsonText(data: unknown, what: string): string {
  try {
    return JSON.stringify(data);
  } catch (error) {
    if (error instanceof RangeError) throw new HttpError(400, `${what}.data nests too deeply to be stored as JSON`);
    throw error;
  }
}

/** The bytes of a key or value; null/absent is a null key or value. */
export function encodeValue(value: TypedValue | null | undefined, what: string): Buffer | null {
  if (value === null || value === undefined || value.data === undefined || value.data === null) return null;
  switch (value.type ?? 'JSON') {
    case 'JSON':
      return Buffer.from(jsonText(value.data, what));
    case 'STRING':
      if (typeof value.data !== 'string') throw new HttpError(400, `${what}.data must be a string for type STRING`);
      return Buffer.from(value.data, 'utf8');
    case 'BINARY':
      if (typeof value.data !== 'string')
        throw new HttpError(400, `${what}.data must be a base64 string for type BINARY`);
      return base64(value.data, `${what}.data`);
  }
}

export function encodeHeaders(headers: Array<{ name: string; value?: string | null }> | undefined): HeaderPairs {
  return (headers ?? []).map((h, i) => [
    h.name,
    h.value === null || h.value === undefined ? null : base64(h.value, `headers[${i}].value`),
  ]);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A stored key or value for a JSON answer. `auto` shows JSON when the bytes parse as JSON, else text when
 * they are UTF-8, else base64; the other formats force one type (BINARY always works).
 */
export function decodeValue(
  bytes: Buffer | null,
  format: 'auto' | ValueType,
): { type: ValueType; data: unknown; size: number } | null {
  if (bytes === null) return null;
  const size = bytes.length;
  if (format === 'BINARY') return { type: 'BINARY', data: bytes.toString('base64'), size };
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    if (format === 'auto') return { type: 'BINARY', data: bytes.toString('base64'), size };
    throw new HttpError(422, `a stored value is not UTF-8 text: read it with format=BINARY`);
  }
  if (format === 'STRING') return { type: 'STRING', data: text, size };
  try {
    return { type: 'JSON', data: JSON.parse(text), size };
  } catch {
    if (format === 'JSON') throw new HttpError(422, `a stored value is not JSON: read it with format=STRING or BINARY`);
    return { type: 'STRING', data: text, size };
  }
}

export function decodeHeaders(headers: HeaderPairs): Array<{ name: string; value: string | null }> {
  return headers.map(([name, value]) => ({ name, value: value === null ? null : value.toString('base64') }));
}

/** A timestamp given as epoch milliseconds or an ISO 8601 string. */
export function parseTimestamp(value: number | string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isSafeInteger(ms) || ms < 0)
    throw new HttpError(400, `${what} must be epoch milliseconds or an ISO 8601 date, got ${JSON.stringify(value)}`);
  return ms;
}
