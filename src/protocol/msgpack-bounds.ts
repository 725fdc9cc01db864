// Bounds of an untrusted msgpack document, checked before it is decoded. The decoder allocates as it
// goes (an array per level, a string or object per value), so a small document can cost a lot: 4 MiB of
// 0x91 ("an array of one element") nests 4 million levels and cost ~3.6 s and ~480 MiB on the event loop,
// and 1 MiB of 0x80 (empty maps) is a million objects. This scan walks the bytes once, allocates nothing
// per value, and stops at the first limit passed, so its cost is bounded by min(values, maxHeaderItems)
// steps whatever the document's size; after it passes, decoding is bounded too (time and memory grow with
// the values and bytes, both capped).
//
// Values are counted as the decoder makes them: every array, map, map key and scalar is one. Depth is
// the nesting of arrays and maps: the top-level map is depth 1, a map inside its `body` depth 2, …
//
// The scan also remembers a top-level `correlationId` (a map key "correlationId" followed by an integer,
// at depth 1) seen before the limit was passed, so a request whose header is too large or too deep can
// still be answered with an error for its correlationId (the SDK encodes correlationId before body).

/** What one msgpack header may be. */
export interface HeaderLimits {
  /** Largest document, in bytes. */
  readonly maxHeaderBytes: number;
  /** Most values (arrays, maps, map keys, scalars) in the document. */
  readonly maxHeaderItems: number;
  /** Deepest nesting of arrays and maps; the top-level map is depth 1. */
  readonly maxHeaderDepth: number;
}

export interface ScanResult {
  /** Which limit the document passes (a sentence), or null. */
  readonly exceeded: string | null;
  /** Why the bytes are not one msgpack document (truncated, an invalid byte, bytes after it), or null. */
  readonly malformed: string | null;
  /** The top-level correlationId when one was seen before the scan stopped. */
  readonly correlationId: number | undefined;
}

const CORRELATION_ID = Buffer.from('correlationId');

/** Per open container: values still to come, and whether it is a map. Reused: scans are synchronous. */
let remaining = new Float64Array(64);
let isMap = new Uint8Array(64);

function u16(b: Uint8Array, p: number): number {
  return (b[p]! << 8) | b[p + 1]!;
}

function u32(b: Uint8Array, p: number): number {
  return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
}

function isCorrelationKey(b: Uint8Array, start: number, length: number): boolean {
  if (length !== CORRELATION_ID.length || start + length > b.length) return false;
  for (let i = 0; i < length; i++) if (b[start + i] !== CORRELATION_ID[i]) return false;
  return true;
}

/** The integer at `p` (type byte included) when it is one that fits a safe integer, else undefined. */
function intAt(b: Uint8Array, p: number): number | undefined {
  const t = b[p]!;
  if (t <= 0x7f) return t;
  if (t >= 0xe0) return t - 0x100;
  switch (t) {
    case 0xcc:
      return b[p + 1];
    case 0xcd:
      return u16(b, p + 1);
    case 0xce:
      return u32(b, p + 1);
    case 0xd0:
      return (b[p + 1]! << 24) >> 24;
    case 0xd1:
      return (u16(b, p + 1) << 16) >> 16;
    case 0xd2:
      return u32(b, p + 1) | 0;
    case 0xcf:
    case 0xd3: {
      const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
      const n = Number(t === 0xcf ? view.getBigUint64(p + 1) : view.getBigInt64(p + 1));
      return Number.isSafeInteger(n) ? n : undefined;
    }
    default:
      return undefined;
  }
}

function outcome(exceeded: string | null, malformed: string | null, correlationId: number | undefined): ScanResult {
  return { exceeded, malformed, correlationId };
}

/**
 * Walks `doc` as one msgpack document against `limits`. Never throws and allocates nothing per value;
 * the caller decides what a passed limit or malformed bytes mean (close the connection, or answer an
 * error for `correlationId`). The byte limit is reported only when nothing else was.
 */
export function scanMsgpack(doc: Uint8Array, limits: HeaderLimits): ScanResult {
  const { maxHeaderItems, maxHeaderDepth } = limits;
  if (remaining.length < maxHeaderDepth + 2) {
    remaining = new Float64Array(maxHeaderDepth + 2);
    isMap = new Uint8Array(maxHeaderDepth + 2);
  }
  const left = remaining;
  const maps = isMap;
  const end = doc.length;
  let correlationId: number | undefined;
  let pos = 0;
  let depth = 0;
  let items = 0;
  let correlationNext = false;
  left[0] = 1;
  maps[0] = 0;
  while (depth > 0 || left[0]! > 0) {
    if (left[depth] === 0) {
      depth--;
      continue;
    }
    if (pos >= end) return outcome(null, `it ends inside a value after ${end} bytes`, correlationId);
    if (++items > maxHeaderItems)
      return outcome(`holds more than maxHeaderItems (${maxHeaderItems}) values`, null, correlationId);
    // A key of the top-level map comes when that map has an even number of values left.
    const topKey = depth === 1 && maps[1] === 1 && left[1]! % 2 === 0;
    const isCorrelationValue = correlationNext;
    correlationNext = false;
    left[depth]!--;
    const t = doc[pos]!;
    /** Bytes the value takes (type byte included); for a container, its header only. */
    let size: number;
    /** Values inside a container starting here (a map's keys and values), or -1 for a scalar. */
    let children = -1;
    let map = 0;
    /** For a string: where its bytes start and how many. */
    let strStart = -1;
    let strLength = 0;
    if (t <= 0x7f || t >= 0xe0) size = 1;
    else if (t <= 0x8f) {
      size = 1;
      children = (t & 0x0f) * 2;
      map = 1;
    } else if (t <= 0x9f) {
      size = 1;
      children = t & 0x0f;
    } else if (t <= 0xbf) {
      strStart = pos + 1;
      strLength = t & 0x1f;
      size = 1 + strLength;
    } else {
      // Fixed-size head of the remaining types: [head bytes, length field bytes (0 = no length)].
      let head: number;
      let lengthBytes = 0;
      switch (t) {
        case 0xc0:
        case 0xc2:
        case 0xc3:
          head = 1;
          break;
        case 0xc4:
        case 0xd9:
          head = 2;
          lengthBytes = 1;
          break;
        case 0xc5:
        case 0xda:
          head = 3;
          lengthBytes = 2;
          break;
        case 0xc6:
        case 0xdb:
          head = 5;
          lengthBytes = 4;
          break;
        case 0xc7:
          head = 3;
          lengthBytes = 1;
          break;
        case 0xc8:
          head = 4;
          lengthBytes = 2;
          break;
        case 0xc9:
          head = 6;
          lengthBytes = 4;
          break;
        case 0xca:
        case 0xce:
        case 0xd2:
          head = 5;
          break;
        case 0xcb:
        case 0xcf:
        case 0xd3:
          head = 9;
          break;
        case 0xcc:
        case 0xd0:
          head = 2;
          break;
        case 0xcd:
        case 0xd1:
          head = 3;
          break;
        case 0xd4:
          head = 3;
          break;
        case 0xd5:
          head = 4;
          break;
        case 0xd6:
          head = 6;
          break;
        case 0xd7:
          head = 10;
          break;
        case 0xd8:
          head = 18;
          break;
        case 0xdc:
          head = 3;
          children = -2;
          break;
        case 0xdd:
          head = 5;
          children = -2;
          break;
        case 0xde:
          head = 3;
          children = -2;
          map = 1;
          break;
        case 0xdf:
          head = 5;
          children = -2;
          map = 1;
          break;
        default:
          return outcome(null, `byte 0x${t.toString(16)} at ${pos} is not a msgpack type`, correlationId);
      }
      if (pos + head > end) return outcome(null, `it ends inside a value after ${end} bytes`, correlationId);
      size = head;
      if (children === -2) {
        const n = head === 3 ? u16(doc, pos + 1) : u32(doc, pos + 1);
        children = map ? n * 2 : n;
      } else if (lengthBytes > 0) {
        const length = lengthBytes === 1 ? doc[pos + 1]! : lengthBytes === 2 ? u16(doc, pos + 1) : u32(doc, pos + 1);
        size += length;
        if (t >= 0xd9) {
          strStart = pos + head;
          strLength = length;
        }
      }
    }
    if (isCorrelationValue && children < 0 && strStart < 0) correlationId = intAt(doc, pos);
    if (topKey && strStart >= 0) correlationNext = isCorrelationKey(doc, strStart, strLength);
    pos += size;
    if (pos > end) return outcome(null, `it ends inside a value after ${end} bytes`, correlationId);
    if (children >= 0) {
      if (depth + 1 > maxHeaderDepth)
        return outcome(`nests deeper than maxHeaderDepth (${maxHeaderDepth}) levels`, null, correlationId);
      if (children > 0) {
        depth++;
        left[depth] = children;
        maps[depth] = map;
      }
    }
  }
  if (pos < end) return outcome(null, `${end - pos} bytes follow the document`, correlationId);
  if (end > limits.maxHeaderBytes)
    return outcome(`of ${end} bytes exceeds maxHeaderBytes (${limits.maxHeaderBytes})`, null, correlationId);
  return outcome(null, null, correlationId);
}
