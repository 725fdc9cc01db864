// Native wire framing. One frame, in either direction:
//
//   off  len  field
//    0    4   frameLength   u32 BE: bytes that follow this field (headerLength field + header + tail)
//    4    4   headerLength  u32 BE: bytes of the msgpack document that follows
//    8    n   header        msgpack map (see below), n = headerLength
//  8+n    …   tail          raw bytes, frameLength - 4 - headerLength of them: record batches, never re-encoded
//
// Request header map:  { apiKey, apiVersion, correlationId, clientId, body }
// Response header map: { correlationId, body } or, when the request as a whole failed,
//                      { correlationId, error: { code, message } }
// The body says how the tail is cut (e.g. `recordsBytes` per partition, in order).
import { Decoder, Encoder } from '@msgpack/msgpack';
import { ProtocolError } from './errors.js';
import { type HeaderLimits, scanMsgpack } from './msgpack-bounds.js';
import { int, nullableString, object } from './validate.js';

export const FRAME_PREFIX_BYTES = 8;
export const DEFAULT_MAX_FRAME_BYTES = 100 * 1024 * 1024;
/**
 * Nesting of a header: the deepest legitimate one is 7 (header → body → topics → topic → partitions →
 * partition → replicas); group metadata and assignments are opaque `bin` values, not nested msgpack.
 */
export const MAX_HEADER_DEPTH = 32;
/**
 * What the broker accepts in a request header unless configured otherwise (maxHeaderBytes,
 * maxHeaderItems). 1 MiB holds a CreateTopics of thousands of topics, or a JoinGroup's metadata (Kafka's
 * effective bound on a group's metadata is its 1 MiB message.max.bytes); 131,072 values (~9 a topic) hold
 * a CreateTopics of 10,000 topics with a couple of configs each and decode in ~10-40 ms at worst.
 */
export const DEFAULT_REQUEST_HEADER_LIMITS: Readonly<HeaderLimits> = Object.freeze({
  maxHeaderBytes: 1024 * 1024,
  maxHeaderItems: 128 * 1024,
  maxHeaderDepth: MAX_HEADER_DEPTH,
});
/**
 * What the SDK accepts in a response header, against a broker that is hostile or broken. Responses may be
 * much larger than requests (Metadata of every topic: ~12 values a partition; the leader's JoinGroup
 * response: every member's metadata), so only depth and values are bounded: 2 Mi values decode to at most
 * ~130 MiB of heap.
 */
export const DEFAULT_RESPONSE_HEADER_LIMITS: Readonly<HeaderLimits> = Object.freeze({
  maxHeaderBytes: DEFAULT_MAX_FRAME_BYTES,
  maxHeaderItems: 2 * 1024 * 1024,
  maxHeaderDepth: MAX_HEADER_DEPTH,
});
/** Direct reads: the scratch buffer's size (Node's own socket read size), and the least a frame must still
 * miss to be read into directly (smaller rests go through scratch, a read then may take several frames). */
const SCRATCH_BYTES = 64 * 1024;
const DIRECT_READ_MIN_BYTES = 16 * 1024;

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export interface DecodedRequestFrame extends RequestHeader {
  body: unknown;
  tail: Buffer;
}

export interface DecodedResponseFrame {
  correlationId: number;
  body: unknown;
  error: { code: number; message: string } | null;
  tail: Buffer;
}

/** Thrown for bytes that are not a frame at all; the connection that sent them should be closed. */
export class FramingError extends Error {
  override name = 'FramingError';
}

/**
 * A header that passes one of its HeaderLimits. Not decoded; `correlationId` is set when the header
 * named one before the limit was passed (a request then gets an error answer instead of a closed connection).
 */
export class HeaderLimitError extends FramingError {
  override name = 'HeaderLimitError';
  constructor(
    message: string,
    readonly correlationId: number | undefined,
  ) {
    super(message);
  }
}

// One encoder/decoder per module is safe: encode()/decode() are synchronous and not re-entrant here.
const encoder = new Encoder({ ignoreUndefined: true });
const decoder = new Decoder();

/**
 * Encodes a frame whose tail is given as separate chunks, so record bytes are written to the socket
 * as they are (writev) instead of being copied into one buffer. Returns [prefix+header, ...tail].
 */
export function encodeFrame(header: object, tail: readonly Buffer[] = []): Buffer[] {
  // A view of the encoder's own buffer, valid until its next encode: copied into `head` right below
  // (encode() would copy it out first, one allocation and one copy more per frame).
  const doc = encoder.encodeSharedRef(header);
  let tailBytes = 0;
  for (const chunk of tail) tailBytes += chunk.length;
  const head = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + doc.length);
  head.writeUInt32BE(4 + doc.length + tailBytes, 0);
  head.writeUInt32BE(doc.length, 4);
  head.set(doc, FRAME_PREFIX_BYTES);
  return tail.length === 0 ? [head] : [head, ...tail];
}

export function encodeRequestFrame(header: RequestHeader, body: unknown, tail: readonly Buffer[] = []): Buffer[] {
  // Named field by field, not `{ ...header, body }`: in Node 20 copies of that shape (a spread with a field added)
  // outlive scavenges, which then copy and promote one per request. The order is the one the broker's direct
  // header read expects.
  const { apiKey, apiVersion, correlationId, clientId } = header;
  return encodeFrame({ apiKey, apiVersion, correlationId, clientId, body }, tail);
}

export function encodeResponseFrame(correlationId: number, body: unknown, tail: readonly Buffer[] = []): Buffer[] {
  return encodeFrame({ correlationId, body }, tail);
}

export function encodeErrorResponseFrame(correlationId: number, error: ProtocolError): Buffer[] {
  return encodeFrame({ correlationId, error: { code: error.code, message: error.message } });
}

/** The header of a complete frame payload (the bytes after frameLength), checked against `limits`, and its tail. */
function headerOf(payload: Buffer, limits: HeaderLimits, what: string): { header: Buffer; tail: Buffer } {
  if (payload.length < 4) throw new FramingError(`frame of ${payload.length} bytes has no header length`);
  const headerLength = payload.readUInt32BE(0);
  if (headerLength > payload.length - 4) {
    throw new FramingError(`header length ${headerLength} exceeds the ${payload.length - 4} bytes of the frame`);
  }
  const header = payload.subarray(4, 4 + headerLength);
  const scan = scanMsgpack(header, limits);
  if (scan.malformed) throw new FramingError(`frame header is not valid msgpack: ${scan.malformed}`);
  if (scan.exceeded) throw new HeaderLimitError(`${what} header ${scan.exceeded}`, scan.correlationId);
  return { header, tail: payload.subarray(4 + headerLength) };
}

/**
 * Splits a complete frame payload (the bytes after frameLength) into its msgpack document and tail. The
 * header is checked against `limits` before it is decoded (msgpack-bounds.ts).
 */
function splitPayload(
  payload: Buffer,
  limits: HeaderLimits,
  what: string,
): { doc: Record<string, unknown>; tail: Buffer } {
  const { header, tail } = headerOf(payload, limits, what);
  let doc: unknown;
  try {
    doc = decoder.decode(header);
  } catch (cause) {
    throw new FramingError(`frame header is not valid msgpack: ${(cause as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new FramingError('frame header is not a map');
  return { doc: doc as Record<string, unknown>, tail };
}

/**
 * A readable request header with a bad field (apiKey, apiVersion, clientId). The correlationId is
 * known, so the receiver answers an error response for it and keeps the connection.
 */
export class RequestHeaderError extends ProtocolError {
  constructor(
    readonly correlationId: number,
    cause: ProtocolError,
  ) {
    super(cause.code, cause.message, { cause });
  }
}

/**
 * Parses a request payload. A payload whose header cannot be read throws FramingError (close the
 * connection); a readable header with bad fields, or one past `limits` that named its correlationId,
 * throws RequestHeaderError carrying the correlationId.
 */
export function decodeRequestPayload(
  payload: Buffer,
  limits: HeaderLimits = DEFAULT_REQUEST_HEADER_LIMITS,
): DecodedRequestFrame {
  let split: { doc: Record<string, unknown>; tail: Buffer };
  try {
    split = splitPayload(payload, limits, 'request');
  } catch (error) {
    throw requestHeaderErrorOf(error);
  }
  const { doc, tail } = split;
  const correlationId = doc.correlationId;
  if (typeof correlationId !== 'number' || !Number.isSafeInteger(correlationId)) {
    throw new FramingError('request header has no integer correlationId');
  }
  try {
    return {
      apiKey: int(doc.apiKey, 'apiKey', 0, 0xffff),
      apiVersion: int(doc.apiVersion, 'apiVersion', 0, 0xffff),
      correlationId,
      clientId: nullableString(doc.clientId, 'clientId', 1024),
      body: doc.body,
      tail,
    };
  } catch (error) {
    if (error instanceof ProtocolError) throw new RequestHeaderError(correlationId, error);
    throw error;
  }
}

/** A header past the limits that named its correlationId is answered (RequestHeaderError); others close. */
function requestHeaderErrorOf(error: unknown): unknown {
  if (error instanceof HeaderLimitError && error.correlationId !== undefined)
    return new RequestHeaderError(error.correlationId, new ProtocolError('INVALID_REQUEST', error.message));
  return error;
}

export function decodeResponsePayload(
  payload: Buffer,
  limits: HeaderLimits = DEFAULT_RESPONSE_HEADER_LIMITS,
): DecodedResponseFrame {
  const { doc, tail } = splitPayload(payload, limits, 'response');
  const correlationId = int(doc.correlationId, 'correlationId');
  let error: DecodedResponseFrame['error'] = null;
  if (doc.error !== undefined && doc.error !== null) {
    const e = object(doc.error, 'error');
    error = { code: int(e.code, 'error.code'), message: typeof e.message === 'string' ? e.message : '' };
  }
  return { correlationId, body: doc.body, error, tail };
}

/** A response's body located in its checked header, not decoded (see locateResponseBody). */
export interface LocatedResponseBody {
  correlationId: number;
  /** The msgpack header; the body is its last value, from bodyStart to the end. */
  header: Buffer;
  bodyStart: number;
  tail: Buffer;
}

// The header's bytes up to the body, as the broker writes an answer: a map of two entries, the key
// "correlationId", an unsigned integer (positive fixint, uint8, uint16 or uint32), the key "body".
const CORRELATION_KEY = Buffer.from([0x82, 0xad, ...Buffer.from('correlationId')]);
const BODY_KEY = Buffer.from([0xa4, ...Buffer.from('body')]);

/** Whether `bytes` are at `pos` of `buf` (a loop: cheaper than Buffer.compare's native call for a few bytes). */
function bytesAt(buf: Buffer, pos: number, bytes: Buffer): boolean {
  if (pos + bytes.length > buf.length) return false;
  for (let i = 0; i < bytes.length; i++) if (buf[pos + i] !== bytes[i]) return false;
  return true;
}

/**
 * Checks a response payload as decodeResponsePayload does (throwing the same FramingError) and, when its
 * header is `{ correlationId: <uint>, body: <value> }` in that order, says where the body starts, so the
 * body can be read straight into its typed value (schema-byte-reader.ts). null: any other layout (an error
 * answer, other keys or another order), for decodeResponsePayload.
 */
export function locateResponseBody(
  payload: Buffer,
  limits: HeaderLimits = DEFAULT_RESPONSE_HEADER_LIMITS,
): LocatedResponseBody | null {
  const { header, tail } = headerOf(payload, limits, 'response');
  const keyEnd = CORRELATION_KEY.length;
  if (header.length <= keyEnd || !bytesAt(header, 0, CORRELATION_KEY)) return null;
  let p = keyEnd;
  const t = header[p]!;
  let correlationId: number;
  if (t <= 0x7f) {
    correlationId = t;
    p += 1;
  } else if (t === 0xcc && p + 2 <= header.length) {
    correlationId = header[p + 1]!;
    p += 2;
  } else if (t === 0xcd && p + 3 <= header.length) {
    correlationId = header.readUInt16BE(p + 1);
    p += 3;
  } else if (t === 0xce && p + 5 <= header.length) {
    correlationId = header.readUInt32BE(p + 1);
    p += 5;
  } else return null;
  const bodyStart = p + BODY_KEY.length;
  if (bodyStart >= header.length || !bytesAt(header, p, BODY_KEY)) return null;
  return { correlationId, header, bodyStart, tail };
}

/** A request's header fields and where its body starts in its checked header, not decoded (see locateRequestBody). */
export interface LocatedRequestBody extends RequestHeader {
  /** The msgpack header; the body is its last value, from bodyStart to the end. */
  header: Buffer;
  bodyStart: number;
  tail: Buffer;
}

// The keys of a request header as the SDK writes it: a map of five entries, "apiKey", "apiVersion" and
// "correlationId" (each followed by an unsigned integer), "clientId" (a string or nil), then "body".
const API_KEY_KEY = Buffer.from([0x85, 0xa6, ...Buffer.from('apiKey')]);
const API_VERSION_KEY = Buffer.from([0xaa, ...Buffer.from('apiVersion')]);
const CORRELATION_ID_KEY = Buffer.from([0xad, ...Buffer.from('correlationId')]);
const CLIENT_ID_KEY = Buffer.from([0xa8, ...Buffer.from('clientId')]);
const MAX_CLIENT_ID_LENGTH = 1024;

/** Where readUint left off. */
let uintEnd = 0;

/** A msgpack unsigned integer of up to 32 bits at `p` (fixint, uint8, uint16, uint32), else -1. */
function readUint(b: Buffer, p: number): number {
  const t = b[p];
  if (t === undefined) return -1;
  if (t <= 0x7f) {
    uintEnd = p + 1;
    return t;
  }
  if (t === 0xcc && p + 2 <= b.length) {
    uintEnd = p + 2;
    return b[p + 1]!;
  }
  if (t === 0xcd && p + 3 <= b.length) {
    uintEnd = p + 3;
    return b.readUInt16BE(p + 1);
  }
  if (t === 0xce && p + 5 <= b.length) {
    uintEnd = p + 5;
    return b.readUInt32BE(p + 1);
  }
  return -1;
}

/** The last clientId read and its msgpack bytes: a client sends the same one in every request. */
let lastClientIdBytes = Buffer.alloc(0);
let lastClientId = '';

/**
 * Checks a request payload as decodeRequestPayload does (throwing the same FramingError or
 * RequestHeaderError) and, when its header is `{ apiKey, apiVersion, correlationId, clientId, body }` in
 * that order with every field valid (what the SDK writes), returns the fields and where the body starts,
 * so the body can be read straight into its typed request (schema-byte-reader.ts). null: any other layout
 * or a field decodeRequestPayload would refuse, for decodeRequestPayload (and its errors).
 */
export function locateRequestBody(
  payload: Buffer,
  limits: HeaderLimits = DEFAULT_REQUEST_HEADER_LIMITS,
): LocatedRequestBody | null {
  let header: Buffer;
  let tail: Buffer;
  try {
    ({ header, tail } = headerOf(payload, limits, 'request'));
  } catch (error) {
    throw requestHeaderErrorOf(error);
  }
  if (!bytesAt(header, 0, API_KEY_KEY)) return null;
  const apiKey = readUint(header, API_KEY_KEY.length);
  if (apiKey < 0 || apiKey > 0xffff || !bytesAt(header, uintEnd, API_VERSION_KEY)) return null;
  const apiVersion = readUint(header, uintEnd + API_VERSION_KEY.length);
  if (apiVersion < 0 || apiVersion > 0xffff || !bytesAt(header, uintEnd, CORRELATION_ID_KEY)) return null;
  const correlationId = readUint(header, uintEnd + CORRELATION_ID_KEY.length);
  if (correlationId < 0 || !bytesAt(header, uintEnd, CLIENT_ID_KEY)) return null;
  let p = uintEnd + CLIENT_ID_KEY.length;
  const t = header[p];
  let clientId: string | null;
  if (t === 0xc0) {
    clientId = null;
    p += 1;
  } else {
    let end: number;
    if (t !== undefined && t >= 0xa0 && t <= 0xbf) end = p + 1 + (t - 0xa0);
    else if (t === 0xd9 && p + 2 <= header.length) end = p + 2 + header[p + 1]!;
    else if (t === 0xda && p + 3 <= header.length) end = p + 3 + header.readUInt16BE(p + 1);
    else return null;
    if (end > header.length) return null;
    if (end - p !== lastClientIdBytes.length || !bytesAt(header, p, lastClientIdBytes)) {
      const bytes = header.subarray(p, end);
      let value: unknown;
      try {
        // The generic decoder's own reading of the string: the same value for any bytes.
        value = decoder.decode(bytes);
      } catch {
        return null;
      }
      if (typeof value !== 'string' || value.length > MAX_CLIENT_ID_LENGTH) return null;
      lastClientIdBytes = Buffer.from(bytes);
      lastClientId = value;
    }
    clientId = lastClientId;
    p = end;
  }
  const bodyStart = p + BODY_KEY.length;
  if (bodyStart >= header.length || !bytesAt(header, p, BODY_KEY)) return null;
  return { apiKey, apiVersion, correlationId, clientId, header, bodyStart, tail };
}

/**
 * Incremental frame reader for a byte stream. Feed it socket chunks; it returns each complete frame
 * payload (the bytes after the length prefix). A length over `maxFrameBytes` is refused before any
 * buffer of that size is allocated.
 *
 * Copies: a payload inside one chunk is a zero-copy view of it. A payload spanning chunks gets its
 * buffer allocated as soon as its length is known, and every chunk is copied into it as it arrives (one
 * copy, as before), so socket chunks die young instead of being held until the frame completes: held
 * chunks of a multi-MiB fetch response survived scavenges, were promoted, and were only freed by
 * mark-compacts, which then ran every few MiB (the consumer spent ~25 % of its time in GC). A large
 * allocUnsafe is an untouched mapping: resident memory grows with the bytes actually received.
 *
 * Direct reads (net.Socket's `onread` option): `readBuffer()` says where the next socket read should
 * land — the unfilled rest of a large frame, so the kernel copies straight into it (no chunk allocated,
 * no second copy), or else a scratch buffer reused by every read — and `onRead()` takes the result.
 * Frames completed inside the scratch buffer are copied out of it (it is overwritten by the next read).
 * The contract is one read per readBuffer() call, reported before the next call (Node's onread does so
 * for net and, through TLSWrap's alloc-read-callback loop, for tls). A read into a frame buffer reported
 * anywhere but where the frame's unfilled rest begins would mean bytes landed over bytes already taken:
 * onRead then throws (the caller closes the connection) rather than hand out a corrupt frame.
 */
export interface FrameDecoderOptions {
  /**
   * The landing buffer of direct reads that do not go straight into a frame. Decoders on one event loop
   * may share one (the broker does: an idle connection then holds none): every read is consumed, and
   * whatever must outlive it copied, before the next read. Default: one of its own, made on first use.
   */
  scratch?: Buffer;
  /**
   * Called with a frame's length as soon as its length prefix is read, before its buffer is allocated or
   * the frame returned. false: the decoder holds that frame, keeping the rest of the bytes already read
   * (a copy, at most one read), and returns nothing more until admitted() is called. The caller stops
   * reading meanwhile (the broker's memory budget, src/broker/transport/memory-budget.ts).
   */
  admit?: (length: number) => boolean;
  /** Where a frame spanning reads gets its buffer (default Buffer.allocUnsafe); the SDK's connections
   * take large frames from a pool (src/client/frame-pool.ts). */
  allocate?: (length: number) => Buffer;
}

export class FrameDecoder {
  /** Reused landing buffer of direct reads that do not go straight into a frame (allocated on first use). */
  private scratch: Buffer | null;
  private readonly admit: ((length: number) => boolean) | undefined;
  private readonly allocate: (length: number) => Buffer;
  /** The length of a frame admit() refused (-1: none), and the bytes read after its length prefix. */
  private waitingLength = -1;
  private stash: Buffer | null = null;
  /** Length prefix bytes received so far (they may arrive split across chunks). */
  private readonly prefix = Buffer.alloc(4);
  private prefixFilled = 0;
  /** The payload being filled (its length is known), or null while reading a length prefix. */
  private partial: Buffer | null = null;
  private filled = 0;

  constructor(
    private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES,
    options: FrameDecoderOptions = {},
  ) {
    this.scratch = options.scratch ?? null;
    this.admit = options.admit;
    this.allocate = options.allocate ?? ((length) => Buffer.allocUnsafe(length));
  }

  /** Bytes held for a frame not yet complete (for idle/stall accounting). */
  get pendingBytes(): number {
    if (this.waitingLength >= 0) return 4 + (this.stash?.length ?? 0);
    return this.partial ? this.filled : this.prefixFilled;
  }

  /** A frame is held until admitted() (see FrameDecoderOptions.admit). */
  get waiting(): boolean {
    return this.waitingLength >= 0;
  }

  /** The frame admit() refused may now be read: returns the frames completed by the bytes already held. */
  admitted(): Buffer[] {
    const length = this.waitingLength;
    if (length < 0) return [];
    const stash = this.stash ?? Buffer.alloc(0);
    this.waitingLength = -1;
    this.stash = null;
    const frames: Buffer[] = [];
    const pos = this.startFrame(length, stash, 0, false, frames);
    return pos < stash.length ? frames.concat(this.consumeChunk(stash.subarray(pos), false)) : frames;
  }

  push(chunk: Buffer): Buffer[] {
    return this.consumeChunk(chunk, false);
  }

  /** Where the next direct socket read should land (see the class comment). */
  readBuffer(): Buffer {
    const partial = this.partial;
    // (While a frame waits for admission the reader is stopped; a read still made lands in scratch.)
    if (partial && partial.length - this.filled >= DIRECT_READ_MIN_BYTES) return partial.subarray(this.filled);
    return (this.scratch ??= Buffer.allocUnsafeSlow(SCRATCH_BYTES));
  }

  /** `n` bytes were read into `buf`, a buffer readBuffer() returned. Returns the frames completed. */
  onRead(n: number, buf: Buffer): Buffer[] {
    const partial = this.partial;
    if (partial && buf.buffer === partial.buffer) {
      if (buf.byteOffset !== partial.byteOffset + this.filled || n > partial.length - this.filled)
        throw new Error('a direct read was reported out of order (it did not land where the frame continues)');
      this.filled += n;
      if (this.filled < partial.length) return [];
      this.partial = null;
      return [partial];
    }
    return this.consumeChunk(buf.subarray(0, n), buf.buffer === this.scratch?.buffer);
  }

  /** `reused`: the chunk's memory is overwritten later, so frames inside it are copied out. */
  private consumeChunk(chunk: Buffer, reused: boolean): Buffer[] {
    if (this.waitingLength >= 0) {
      // Bytes read while a frame waits (the reader should have stopped): held with the others.
      this.stash = this.stash ? Buffer.concat([this.stash, chunk]) : Buffer.from(chunk);
      return [];
    }
    const frames: Buffer[] = [];
    let pos = 0;
    const end = chunk.length;
    while (pos < end) {
      const partial = this.partial;
      if (partial) {
        const take = Math.min(partial.length - this.filled, end - pos);
        chunk.copy(partial, this.filled, pos, pos + take);
        this.filled += take;
        pos += take;
        if (this.filled < partial.length) break;
        frames.push(partial);
        this.partial = null;
        continue;
      }
      let length: number;
      if (this.prefixFilled === 0 && end - pos >= 4) {
        length = chunk.readUInt32BE(pos);
        pos += 4;
      } else {
        const take = Math.min(4 - this.prefixFilled, end - pos);
        chunk.copy(this.prefix, this.prefixFilled, pos, pos + take);
        this.prefixFilled += take;
        pos += take;
        if (this.prefixFilled < 4) break;
        this.prefixFilled = 0;
        length = this.prefix.readUInt32BE(0);
      }
      if (length > this.maxFrameBytes) {
        throw new FramingError(`frame of ${length} bytes exceeds the limit of ${this.maxFrameBytes} bytes`);
      }
      if (this.admit && !this.admit(length)) {
        this.waitingLength = length;
        this.stash = Buffer.from(chunk.subarray(pos));
        break;
      }
      pos = this.startFrame(length, chunk, pos, reused, frames);
    }
    return frames;
  }

  /**
   * A frame of `length` starts at `pos`: returned when it is all in the chunk (the position after it is
   * returned), else its buffer is allocated and `pos` returned unchanged (the caller copies the rest in).
   */
  private startFrame(length: number, chunk: Buffer, pos: number, reused: boolean, frames: Buffer[]): number {
    if (chunk.length - pos >= length) {
      frames.push(reused ? Buffer.from(chunk.subarray(pos, pos + length)) : chunk.subarray(pos, pos + length));
      return pos + length;
    }
    this.partial = this.allocate(length);
    this.filled = 0;
    return pos;
  }
}
