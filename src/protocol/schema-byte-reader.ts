// A request or response body read straight from its msgpack bytes into the typed value, with no plain-object
// step in between: the same definitions (schema.ts) and the same value as schema-codec.ts's decode of the
// generic msgpack decoder's output (defaults, nil, record views cut from the tail, one object literal per
// struct). The SDK reads every response this way, the broker every request of the SDK's header layout
// (framing.ts locateRequestBody); it matters for those of every burst (a pushed fetch frame, a fetch or
// produce answer, a produce request), where the generic decode and the copy into typed objects cost ~12 % of
// a caught-up consumer's CPU (bench/RESULTS.md, latency12).
//
// It only has to be right on what a well-behaved peer sends. The bytes were checked by scanMsgpack first
// (framing.ts: one well-formed document, within the header limits), so every length read here stays inside
// the header. Anything this reader does not take as it is (a value of the wrong type or out of bounds, a key
// of no field of this version, e.g. a newer peer's, a duplicate or non-string key, a string that is not
// valid UTF-8, a nil body, tail bytes left over) makes it give up (undefined), and the caller decodes the
// frame the generic way, which gives today's value or today's error with its field path: hostile bytes meet
// exactly the checks and messages they met before.
//
// Record fields are cut from the tail in the order the body's keys come (the generic decoder cuts them in
// definition order): the two agree because no struct has two fields that carry records (checked when a
// reader is made; a definition with such a struct gets no reader).
import { isUtf8 } from 'node:buffer';
import {
  carriesRecords,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_ITEMS,
  DEFAULT_MAX_STRING,
  type Field,
  type MessageDef,
  type Struct,
  wireName,
} from './schema.js';
import { defaultOf } from './schema-codec.js';
import { inVersions } from './versions.js';

/** Where the reader is: the header's bytes, the position in them, the tail and how much of it is cut. */
interface Reading {
  b: Buffer;
  p: number;
  tail: Buffer;
  t: number;
}

type Read = (r: Reading) => unknown;

/** Thrown to give up (caught once, at the top); never seen outside this file. */
const GIVE_UP = new Error('not read directly');

function giveUp(): never {
  throw GIVE_UP;
}

// --- msgpack heads -----------------------------------------------------------------------------------------

function u16(b: Buffer, p: number): number {
  return (b[p]! << 8) | b[p + 1]!;
}

function u32(b: Buffer, p: number): number {
  return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
}

/** A msgpack number at r.p (any integer width or float, as the generic decoder reads it), else give up. */
function readNumber(r: Reading): number {
  const b = r.b;
  const p = r.p;
  const t = b[p]!;
  if (t <= 0x7f) {
    r.p = p + 1;
    return t;
  }
  if (t >= 0xe0) {
    r.p = p + 1;
    return t - 0x100;
  }
  switch (t) {
    case 0xcc:
      r.p = p + 2;
      return b[p + 1]!;
    case 0xcd:
      r.p = p + 3;
      return u16(b, p + 1);
    case 0xce:
      r.p = p + 5;
      return u32(b, p + 1);
    case 0xcf:
      r.p = p + 9;
      return u32(b, p + 1) * 0x100000000 + u32(b, p + 5);
    case 0xd0:
      r.p = p + 2;
      return (b[p + 1]! << 24) >> 24;
    case 0xd1:
      r.p = p + 3;
      return (u16(b, p + 1) << 16) >> 16;
    case 0xd2:
      r.p = p + 5;
      return u32(b, p + 1) | 0;
    case 0xd3:
      r.p = p + 9;
      return (u32(b, p + 1) | 0) * 0x100000000 + u32(b, p + 5);
    case 0xca:
      r.p = p + 5;
      return b.readFloatBE(p + 1);
    case 0xcb:
      r.p = p + 9;
      return b.readDoubleBE(p + 1);
    default:
      return giveUp();
  }
}

/** The byte length of a string at r.p, r.p moved to its first byte; -1 (r.p unmoved) when not a string. */
function stringHead(r: Reading): number {
  const b = r.b;
  const p = r.p;
  const t = b[p]!;
  if (t >= 0xa0 && t <= 0xbf) {
    r.p = p + 1;
    return t & 0x1f;
  }
  if (t === 0xd9) {
    r.p = p + 2;
    return b[p + 1]!;
  }
  if (t === 0xda) {
    r.p = p + 3;
    return u16(b, p + 1);
  }
  if (t === 0xdb) {
    r.p = p + 5;
    return u32(b, p + 1);
  }
  return -1;
}

/**
 * Whether the generic decoder reads these bytes as Buffer's decoder does: valid UTF-8 (a loop for ASCII, the
 * usual case). The two differ on invalid bytes, which this reader leaves to the generic way.
 */
function decodesAlike(b: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (b[i]! >= 0x80) return isUtf8(b.subarray(start, end));
  return true;
}

function readUtf8(r: Reading, length: number): string {
  const start = r.p;
  r.p = start + length;
  if (!decodesAlike(r.b, start, start + length)) giveUp();
  return r.b.toString('utf8', start, start + length);
}

/** Entries of a map at r.p, r.p moved past its head; else give up. */
function mapHead(r: Reading): number {
  const b = r.b;
  const p = r.p;
  const t = b[p]!;
  if (t >= 0x80 && t <= 0x8f) {
    r.p = p + 1;
    return t & 0x0f;
  }
  if (t === 0xde) {
    r.p = p + 3;
    return u16(b, p + 1);
  }
  if (t === 0xdf) {
    r.p = p + 5;
    return u32(b, p + 1);
  }
  return giveUp();
}

function arrayHead(r: Reading): number {
  const b = r.b;
  const p = r.p;
  const t = b[p]!;
  if (t >= 0x90 && t <= 0x9f) {
    r.p = p + 1;
    return t & 0x0f;
  }
  if (t === 0xdc) {
    r.p = p + 3;
    return u16(b, p + 1);
  }
  if (t === 0xdd) {
    r.p = p + 5;
    return u32(b, p + 1);
  }
  return giveUp();
}

// --- one value of a field's kind ---------------------------------------------------------------------------

function readInt(f: Field): Read {
  const min = f.min ?? Number.MIN_SAFE_INTEGER;
  const max = f.max ?? Number.MAX_SAFE_INTEGER;
  return (r) => {
    const v = readNumber(r);
    if (!Number.isSafeInteger(v) || v < min || v > max) giveUp();
    return v;
  };
}

function readFiniteNumber(r: Reading): number {
  const v = readNumber(r);
  if (!Number.isFinite(v)) giveUp();
  return v;
}

function readBool(r: Reading): boolean {
  const t = r.b[r.p];
  if (t !== 0xc2 && t !== 0xc3) giveUp();
  r.p++;
  return t === 0xc3;
}

/** Strings up to this many bytes are remembered by their reader (see readString). */
const REMEMBERED_STRING_BYTES = 64;

/**
 * A string field's reader remembers the last short string it made and returns it again while the bytes
 * are the same (a topic name in every pushed frame): a byte comparison instead of a UTF-8 decode.
 */
function readString(f: Field): Read {
  const maxLength = f.maxLength ?? DEFAULT_MAX_STRING;
  let lastBytes = Buffer.alloc(0);
  let last = '';
  return (r) => {
    const length = stringHead(r);
    if (length < 0) giveUp();
    const b = r.b;
    const start = r.p;
    r.p = start + length;
    if (length === lastBytes.length) {
      let i = 0;
      while (i < length && b[start + i] === lastBytes[i]) i++;
      if (i === length) return last;
    }
    if (!decodesAlike(b, start, start + length)) giveUp();
    const v = b.toString('utf8', start, start + length);
    if (v.length > maxLength) giveUp();
    if (length <= REMEMBERED_STRING_BYTES) {
      lastBytes = Buffer.from(b.subarray(start, start + length));
      last = v;
    }
    return v;
  };
}

function readBytes(f: Field): Read {
  const maxLength = f.maxLength ?? DEFAULT_MAX_BYTES;
  return (r) => {
    const b = r.b;
    const p = r.p;
    const t = b[p];
    let length: number;
    let start: number;
    if (t === 0xc4) {
      length = b[p + 1]!;
      start = p + 2;
    } else if (t === 0xc5) {
      length = u16(b, p + 1);
      start = p + 3;
    } else if (t === 0xc6) {
      length = u32(b, p + 1);
      start = p + 5;
    } else return giveUp();
    if (length > maxLength) giveUp();
    r.p = start + length;
    return b.subarray(start, start + length);
  };
}

function readEnum(f: Field): Read {
  const values = f.values!;
  return (r) => {
    const length = stringHead(r);
    const v = length >= 0 ? readUtf8(r, length) : readNumber(r);
    if (!values.includes(v)) giveUp();
    return v;
  };
}

function readStringMap(f: Field): Read {
  const nullValues = f.nullValues === true;
  return (r) => {
    const n = mapHead(r);
    const out: Record<string, string | null> = {};
    for (let i = 0; i < n; i++) {
      const keyLength = stringHead(r);
      if (keyLength < 0) giveUp();
      const key = readUtf8(r, keyLength);
      let item: string | null;
      const valueLength = stringHead(r);
      if (valueLength >= 0) item = readUtf8(r, valueLength);
      else if (nullValues && r.b[r.p] === 0xc0) {
        r.p++;
        item = null;
      } else return giveUp();
      // The generic decoder refuses this key; a duplicate key is left to it too.
      if (key === '__proto__' || Object.hasOwn(out, key)) giveUp();
      out[key] = item;
    }
    return out;
  };
}

function readTailRecords(f: Field): Read {
  const chunks = f.chunks === true;
  return (r) => {
    const v = readNumber(r);
    if (!Number.isSafeInteger(v) || v < 0) giveUp();
    const { tail, t } = r;
    if (v > tail.length - t) giveUp();
    r.t = t + v;
    const view = tail.subarray(t, t + v);
    if (chunks) return v === 0 ? [] : [view];
    return view;
  };
}

function readArray(f: Field, version: number): Read {
  const item = compileField(f.items!, version);
  const maxItems = f.maxItems ?? DEFAULT_MAX_ITEMS;
  return (r) => {
    const n = arrayHead(r);
    if (n > maxItems) giveUp();
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = item(r);
    return out;
  };
}

/** A field name's bytes as the encoder writes them. */
function keyBytes(name: string): Buffer {
  return Buffer.from(name, 'utf8');
}

/**
 * The index in `names` of the key at r.p (r.p moved past it), or -1 for a key of no field here. The key
 * expected next (`hint`: the one after the last matched, as the SDK's broker writes them) is tried first.
 */
function matchKey(r: Reading, names: readonly Buffer[], hint: number): number {
  const length = stringHead(r);
  if (length < 0) giveUp();
  const b = r.b;
  const start = r.p;
  r.p = start + length;
  const n = names.length;
  for (let k = 0; k < n; k++) {
    let i = hint + k;
    if (i >= n) i -= n;
    const name = names[i]!;
    if (name.length !== length) continue;
    let j = 0;
    while (j < length && b[start + j] === name[j]) j++;
    if (j === length) return i;
  }
  return -1;
}

/** A property key as JS source (definitions are code of this repository, never input; quoted all the same). */
const key = (name: string) => JSON.stringify(name);

/**
 * A struct at one version, as JS source made once from the definition (one object literal with the
 * generic decoder's property order: present fields, then those the version lacks, so the same hidden class).
 * A key of no field of this version, or a field met twice, gives up.
 */
function readStruct(fields: Struct, version: number): Read {
  const present = Object.entries(fields).filter(([, f]) => inVersions(f.versions, version));
  const absent = Object.entries(fields).filter(([, f]) => !inVersions(f.versions, version));
  if (present.filter(([, f]) => carriesRecords(f)).length > 1)
    throw new Error('a struct with two fields that carry records is read by the generic decoder only');
  const names = present.map(([name, f]) => keyBytes(wireName(name, f)));
  const reads = present.map(([, f]) => compileField(f, version));
  const missing = present.map(([, f]) => whenMissing(f, version));
  const defaults = absent.map(([, f]) => defaultOf(f));
  const n = present.length;
  const lines: string[] = ['const entries = mapHead(r);'];
  if (n > 0) {
    lines.push(`let ${present.map((_, i) => `x${i}, h${i} = false`).join(', ')};`);
    lines.push('let hint = 0;');
    lines.push('for (let e = 0; e < entries; e++) {');
    lines.push('  const i = matchKey(r, names, hint);');
    lines.push('  switch (i) {');
    for (let i = 0; i < n; i++) {
      lines.push(`    case ${i}: if (h${i}) giveUp(); h${i} = true; x${i} = reads[${i}](r); break;`);
    }
    lines.push('    default: giveUp();');
    lines.push('  }');
    lines.push(`  hint = i + 1 === ${n} ? 0 : i + 1;`);
    lines.push('}');
    for (let i = 0; i < n; i++) lines.push(`if (!h${i}) x${i} = missing[${i}]();`);
  } else {
    lines.push('if (entries > 0) giveUp();');
  }
  const props = [
    ...present.map(([name], i) => `${key(name)}: x${i}`),
    ...absent.map(([name], i) => `${key(name)}: defaults[${i}]()`),
  ];
  lines.push(`return { ${props.join(', ')} };`);
  const make = new Function(
    'mapHead',
    'matchKey',
    'giveUp',
    'names',
    'reads',
    'missing',
    'defaults',
    `return function readStructBytes(r) {\n${lines.join('\n')}\n};`,
  );
  return make(mapHead, matchKey, giveUp, names, reads, missing, defaults) as Read;
}

/** What a field present in the version is when its key is absent: its default, nil, or give up (required). */
function whenMissing(f: Field, version: number): () => unknown {
  if (f.default !== undefined) return defaultOf(f);
  if (inVersions(f.nullableVersions, version)) return () => null;
  return giveUp;
}

function compileKind(f: Field, version: number): Read {
  switch (f.kind) {
    case 'int':
      return readInt(f);
    case 'number':
      return readFiniteNumber;
    case 'bool':
      return readBool;
    case 'string':
      return readString(f);
    case 'bytes':
      return readBytes(f);
    case 'enum':
      return readEnum(f);
    case 'stringMap':
      return readStringMap(f);
    case 'records':
      return readTailRecords(f);
    case 'array':
      return readArray(f, version);
    case 'struct':
      return readStruct(f.fields!, version);
  }
}

/** A present key's value: nil is the default or null where the field allows it, else the kind's reader. */
function compileField(f: Field, version: number): Read {
  const read = compileKind(f, version);
  let whenNil: (() => unknown) | null = null;
  if (f.default !== undefined) whenNil = defaultOf(f);
  else if (inVersions(f.nullableVersions, version)) whenNil = () => null;
  if (whenNil === null) return read;
  const nil = whenNil;
  return (r) => {
    if (r.b[r.p] === 0xc0) {
      r.p++;
      return nil();
    }
    return read(r);
  };
}

// --- messages -------------------------------------------------------------------------------------------------

/**
 * Reads a body from `header[start..]` (its last value) and `tail`; undefined when the bytes are not what
 * this reader takes as they are (the caller then decodes them the generic way). Never throws.
 */
export type BodyReader = (header: Buffer, start: number, tail: Buffer) => unknown;

function compileReader(def: MessageDef, version: number): BodyReader | null {
  let read: Read;
  try {
    read = readStruct(def.fields, version);
  } catch {
    return null;
  }
  return (header, start, tail) => {
    const r: Reading = { b: header, p: start, tail, t: 0 };
    try {
      const value = read(r);
      return r.p === header.length && r.t === tail.length ? value : undefined;
    } catch {
      return undefined;
    }
  };
}

const readers = new WeakMap<MessageDef, Array<BodyReader | null>>();

/**
 * The byte reader of a request or response definition at a version (made on first use, then cached); null when the
 * definition has none (its bodies are always decoded the generic way).
 */
export function bodyReader(def: MessageDef, version: number): BodyReader | null {
  let byVersion = readers.get(def);
  if (!byVersion) readers.set(def, (byVersion = []));
  let reader = byVersion[version];
  if (reader === undefined) {
    reader = inVersions(def.validVersions, version) ? compileReader(def, version) : null;
    byVersion[version] = reader;
  }
  return reader;
}
