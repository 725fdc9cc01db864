// A response frame written straight from the typed value into its msgpack bytes, with no wire object in between:
// the counterpart of schema-byte-reader.ts, for the broker's answers of every burst (a produce answer, a pushed
// fetch frame). The bytes are exactly those of encodeResponseFrame(correlationId, ...encodeResponse(value)): the
// generic path builds a wire object (schema-codec.ts compileWriter: record fields become `<name>Bytes` and
// their buffers tail chunks, subtrees that need neither passed through as they are) and @msgpack/msgpack
// encodes it with ignoreUndefined (Object.keys per map); here the same rules write the same bytes in one pass.
//
// It only has to be right on what the broker's handlers give. Anything it does not write the way the generic
// path would, byte for byte (a string that is not ASCII, a bigint, an object that is not a plain object, an
// array or a Uint8Array, a field of no version of this message, nesting past msgpack's depth limit), makes it
// give up (undefined), and the caller encodes the generic way: the same bytes, or the same error.
import { type Field, type MessageDef, type Struct, wireName } from './schema.js';
import { needsWriter } from './schema-codec.js';
import { inVersions } from './versions.js';

/** Where the frame is written: a scratch buffer reused by every frame (copied out at the end of each). */
let scratch = Buffer.allocUnsafe(64 * 1024);
let at = 0;
/** @msgpack/msgpack's Encoder maxDepth (its default). */
const MAX_DEPTH = 100;

/** Thrown to give up (caught once, at the top); never seen outside this file. */
const GIVE_UP = new Error('not written directly');

function giveUp(): never {
  throw GIVE_UP;
}

/** Copies short bytes in a loop (Buffer's copy makes a view of the source for a part of it). */
function put(bytes: Uint8Array): void {
  const n = bytes.length;
  room(n);
  const b = scratch;
  for (let i = 0; i < n; i++) b[at + i] = bytes[i]!;
  at += n;
}

function room(bytes: number): void {
  if (at + bytes <= scratch.length) return;
  const grown = Buffer.allocUnsafe(Math.max(scratch.length * 2, at + bytes));
  scratch.copy(grown, 0, 0, at);
  scratch = grown;
}

// --- msgpack values, as @msgpack/msgpack's Encoder writes them ---------------------------------------------------

function writeHead(fix: number, max: number, code16: number, size: number): void {
  room(5);
  if (size < max) scratch[at++] = fix + size;
  else if (size < 0x10000) {
    scratch[at] = code16;
    scratch.writeUInt16BE(size, at + 1);
    at += 3;
  } else {
    scratch[at] = code16 + 1;
    scratch.writeUInt32BE(size, at + 1);
    at += 5;
  }
}

const writeMapHead = (size: number) => writeHead(0x80, 16, 0xde, size);
const writeArrayHead = (size: number) => writeHead(0x90, 16, 0xdc, size);

function writeNumber(v: number): void {
  room(9);
  const b = scratch;
  if (!Number.isSafeInteger(v)) {
    b[at] = 0xcb;
    b.writeDoubleBE(v, at + 1);
    at += 9;
  } else if (v >= 0) {
    if (v < 0x80) b[at++] = v;
    else if (v < 0x100) {
      b[at] = 0xcc;
      b[at + 1] = v;
      at += 2;
    } else if (v < 0x10000) {
      b[at] = 0xcd;
      b.writeUInt16BE(v, at + 1);
      at += 3;
    } else if (v < 0x100000000) {
      b[at] = 0xce;
      b.writeUInt32BE(v, at + 1);
      at += 5;
    } else {
      b[at] = 0xcf;
      b.writeUInt32BE(Math.floor(v / 0x100000000), at + 1);
      b.writeUInt32BE(v >>> 0, at + 5);
      at += 9;
    }
  } else if (v >= -0x20) b[at++] = 0xe0 | (v + 0x20);
  else if (v >= -0x80) {
    b[at] = 0xd0;
    b.writeInt8(v, at + 1);
    at += 2;
  } else if (v >= -0x8000) {
    b[at] = 0xd1;
    b.writeInt16BE(v, at + 1);
    at += 3;
  } else if (v >= -0x80000000) {
    b[at] = 0xd2;
    b.writeInt32BE(v, at + 1);
    at += 5;
  } else {
    b[at] = 0xd3;
    b.writeInt32BE(Math.floor(v / 0x100000000), at + 1);
    b.writeUInt32BE(v >>> 0, at + 5);
    at += 9;
  }
}

/** An ASCII string (its UTF-8 bytes are its characters); anything else gives up. */
function writeString(v: string): void {
  const n = v.length;
  room(5 + n);
  if (n < 32) scratch[at++] = 0xa0 + n;
  else if (n < 0x100) {
    scratch[at] = 0xd9;
    scratch[at + 1] = n;
    at += 2;
  } else writeHead(0, 0, 0xda, n);
  const b = scratch;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c > 0x7f) giveUp();
    b[at + i] = c;
  }
  at += n;
}

function writeBinary(v: Uint8Array): void {
  const n = v.length;
  room(5 + n);
  if (n < 0x100) {
    scratch[at] = 0xc4;
    scratch[at + 1] = n;
    at += 2;
  } else if (n < 0x10000) {
    scratch[at] = 0xc5;
    scratch.writeUInt16BE(n, at + 1);
    at += 3;
  } else {
    scratch[at] = 0xc6;
    scratch.writeUInt32BE(n, at + 1);
    at += 5;
  }
  scratch.set(v, at);
  at += n;
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Any value as the Encoder writes it (maps: own keys in order, undefined values left out). */
function writeValue(v: unknown, depth: number): void {
  if (depth > MAX_DEPTH) giveUp();
  if (v === undefined || v === null) {
    room(1);
    scratch[at++] = 0xc0;
  } else if (typeof v === 'boolean') {
    room(1);
    scratch[at++] = v ? 0xc3 : 0xc2;
  } else if (typeof v === 'number') writeNumber(v);
  else if (typeof v === 'string') writeString(v);
  else if (typeof v !== 'object') giveUp();
  else if (Array.isArray(v)) {
    writeArrayHead(v.length);
    for (let i = 0; i < v.length; i++) writeValue(v[i], depth + 1);
  } else if (v instanceof Uint8Array) writeBinary(v);
  else if (ArrayBuffer.isView(v) || !isPlainObject(v)) giveUp();
  else {
    const map = v as Record<string, unknown>;
    let size = 0;
    for (const k in map) if (Object.hasOwn(map, k) && map[k] !== undefined) size++;
    writeMapHead(size);
    for (const k in map) {
      if (!Object.hasOwn(map, k)) continue;
      const item = map[k];
      if (item === undefined) continue;
      writeString(k);
      writeValue(item, depth + 1);
    }
  }
}

// --- a message's fields, as schema-codec.ts's compileWriter shapes them ------------------------------------------

/** Writes a field's value at `depth`; `tail` receives record buffers in body order. */
type Write = (value: unknown, depth: number, tail: Buffer[]) => void;

const writeAny: Write = (value, depth) => writeValue(value, depth);

function writeRecords(value: unknown, _depth: number, tail: Buffer[]): void {
  let bytes = 0;
  if (value instanceof Buffer) {
    tail.push(value);
    bytes = value.length;
  } else if (value !== undefined && value !== null) {
    for (const chunk of value as readonly Buffer[]) {
      tail.push(chunk);
      bytes += chunk.length;
    }
  }
  writeNumber(bytes);
}

function compileWrite(f: Field, version: number): Write {
  if (!needsWriter(f, version)) return writeAny;
  if (f.kind === 'records') return writeRecords;
  if (f.kind === 'array') {
    const item = compileWrite(f.items!, version);
    return (value, depth, tail) => {
      if (!Array.isArray(value)) return writeValue(value, depth);
      if (depth > MAX_DEPTH) giveUp();
      writeArrayHead(value.length);
      for (let i = 0; i < value.length; i++) item(value[i], depth + 1, tail);
    };
  }
  return structWrite(f.fields!, version);
}

/** A key's msgpack bytes (fixstr: wire names are short ASCII identifiers). */
function keyBytes(name: string): Buffer {
  const bytes = Buffer.from(name, 'latin1');
  if (bytes.length >= 32 || !/^[\x20-\x7e]+$/.test(name))
    throw new Error(`wire name ${name} is not a short ASCII name`);
  return Buffer.concat([Buffer.from([0xa0 + bytes.length]), bytes]);
}

function structWrite(fields: Struct, version: number): Write {
  const present = Object.entries(fields).filter(([, f]) => inVersions(f.versions, version));
  const absent = Object.entries(fields)
    .filter(([, f]) => !inVersions(f.versions, version))
    .map(([name]) => name);
  const names = present.map(([name]) => name);
  const keys = present.map(([name, f]) => keyBytes(wireName(name, f)));
  const writes = present.map(([, f]) => compileWrite(f, version));
  // A record field is always written (its byte count); any other only when its value is not undefined.
  const always = present.map(([, f]) => f.kind === 'records');
  const n = present.length;
  return (value, depth, tail) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array)
      return writeValue(value, depth);
    if (depth > MAX_DEPTH) giveUp();
    const struct = value as Record<string, unknown>;
    for (let i = 0; i < absent.length; i++) if (struct[absent[i]!] !== undefined) giveUp();
    let size = 0;
    for (let i = 0; i < n; i++) if (always[i] || struct[names[i]!] !== undefined) size++;
    writeMapHead(size);
    for (let i = 0; i < n; i++) {
      const item = struct[names[i]!];
      if (item === undefined && !always[i]) continue;
      put(keys[i]!);
      writes[i]!(item, depth + 1, tail);
    }
  };
}

const CORRELATION_ID = keyBytes('correlationId');
const BODY = keyBytes('body');

/** A response frame's writer: its buffers ([prefix + header, ...tail]), or undefined to encode it the generic way. */
export type ResponseFrameWriter = (correlationId: number, value: unknown) => Buffer[] | undefined;

function compileFrameWriter(def: MessageDef, version: number): ResponseFrameWriter {
  const body = structWrite(def.fields, version);
  return (correlationId, value) => {
    if (!Number.isSafeInteger(correlationId) || value === undefined) return undefined;
    const tail: Buffer[] = [];
    at = 8; // frame length and header length, written last
    try {
      writeMapHead(2);
      put(CORRELATION_ID);
      writeNumber(correlationId);
      put(BODY);
      body(value, 2, tail);
    } catch (error) {
      if (error === GIVE_UP) return undefined;
      throw error;
    }
    let tailBytes = 0;
    for (let i = 0; i < tail.length; i++) tailBytes += tail[i]!.length;
    const head = Buffer.allocUnsafe(at);
    if (at <= 1024) for (let i = 0; i < at; i++) head[i] = scratch[i]!;
    else scratch.copy(head, 0, 0, at);
    head.writeUInt32BE(at - 4 + tailBytes, 0);
    head.writeUInt32BE(at - 8, 4);
    if (tail.length === 0) return [head];
    const frame = new Array<Buffer>(1 + tail.length);
    frame[0] = head;
    for (let i = 0; i < tail.length; i++) frame[i + 1] = tail[i]!;
    return frame;
  };
}

const compiled = new WeakMap<MessageDef, ResponseFrameWriter[]>();

/** The frame writer of a response definition at a version (made on first use, then kept). */
export function responseFrameWriter(def: MessageDef, version: number): ResponseFrameWriter {
  let byVersion = compiled.get(def);
  if (!byVersion) compiled.set(def, (byVersion = []));
  let writer = byVersion[version];
  if (!writer) byVersion[version] = writer = compileFrameWriter(def, version);
  return writer;
}
