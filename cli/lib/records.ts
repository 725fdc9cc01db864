// How records look on the terminal and in JSON. Text is shown as text; bytes that are not valid
// UTF-8 are base64 in JSON (with an "encoding" field saying so) and escaped in text.
import { isUtf8 } from 'node:buffer';

export type HeaderMap = Record<string, Buffer | string | null | undefined | Array<Buffer | string | null | undefined>>;

export interface PrintableRecord {
  topic: string;
  partition: number;
  offset: number | string;
  timestamp: number | string;
  key: Buffer | null | undefined;
  value: Buffer | null | undefined;
  headers?: HeaderMap | Array<[string, Buffer | null]>;
}

export function isText(buf: Buffer): boolean {
  return isUtf8(buf);
}

/** Pairs in order, from either kafkajs's header object or storage's pair list. */
export function headerPairs(headers: PrintableRecord['headers']): Array<[string, Buffer | null]> {
  if (!headers) return [];
  if (Array.isArray(headers)) return headers;
  const out: Array<[string, Buffer | null]> = [];
  for (const [k, v] of Object.entries(headers)) {
    const values = Array.isArray(v) ? v : [v];
    for (const x of values)
      out.push([k, x === null || x === undefined ? null : Buffer.isBuffer(x) ? x : Buffer.from(String(x))]);
  }
  return out;
}

/** Text for one line: UTF-8 as is, with control characters (newlines, tabs) escaped; other bytes as \xNN. */
export function textOf(buf: Buffer | null | undefined, nullText = ''): string {
  if (buf === null || buf === undefined) return nullText;
  if (isUtf8(buf)) {
    const s = buf.toString('utf8');
    // eslint-disable-next-line no-control-regex
    return /[\x00-\x1f\x7f]/.test(s) ? s.replace(/[\x00-\x1f\x7f]/g, (c) => escapeControl(c)) : s;
  }
  let out = '';
  for (const byte of buf)
    out +=
      byte >= 0x20 && byte < 0x7f && byte !== 0x5c
        ? String.fromCharCode(byte)
        : `\\x${byte.toString(16).padStart(2, '0')}`;
  return out;
}

function escapeControl(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/** JSON form of bytes: a string (UTF-8) or base64, and which of the two. */
export function jsonBytes(buf: Buffer | null | undefined): { text: string | null; binary: boolean } {
  if (buf === null || buf === undefined) return { text: null, binary: false };
  return isUtf8(buf) ? { text: buf.toString('utf8'), binary: false } : { text: buf.toString('base64'), binary: true };
}

/** One JSON object per record: topic, partition, offset, timestamp (ms), key, value, headers. */
export function recordToJson(r: PrintableRecord): Record<string, unknown> {
  const key = jsonBytes(r.key);
  const value = jsonBytes(r.value);
  const headers: Record<string, string | null | Array<string | null>> = {};
  let binaryHeaders = false;
  for (const [k, v] of headerPairs(r.headers)) {
    const j = jsonBytes(v);
    binaryHeaders ||= j.binary;
    const prev = headers[k];
    if (prev === undefined) headers[k] = j.text;
    else if (Array.isArray(prev)) prev.push(j.text);
    else headers[k] = [prev, j.text];
  }
  const out: Record<string, unknown> = {
    topic: r.topic,
    partition: r.partition,
    offset: Number(r.offset),
    timestamp: Number(r.timestamp),
    key: key.text,
    value: value.text,
    headers,
  };
  const base64 = [key.binary && 'key', value.binary && 'value', binaryHeaders && 'headers'].filter(Boolean);
  if (base64.length > 0) out.base64 = base64;
  return out;
}

export function headersText(headers: PrintableRecord['headers']): string {
  return headerPairs(headers)
    .map(([k, v]) => `${k}=${textOf(v, '(null)')}`)
    .join(',');
}
