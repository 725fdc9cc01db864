// The interpreter of native message definitions (schema.ts): a definition at one version is compiled once,
// on first use, into one small closure per field, as kafka/codec.ts does for Kafka's definitions; nothing is
// generated as files: each struct's reader and writer are made once, at run time, from the definition
// (readStruct explains why they are JS source rather than a loop over the fields).
//
// Decoding takes a msgpack-decoded body (untrusted: any shape) and the frame's tail, checks every field
// against its definition and returns the typed value: defaults filled in, nil where nullable, record bytes
// cut from the tail as zero-copy views in the order the body lists them. A failure is INVALID_REQUEST whose
// message names the field's wire path (`topics[0].partitions[1].fetchOffset: expected an integer`); the path
// is assembled only when a field fails (each level adds its name on the way out), so a valid body costs no
// string work. Encoding builds the wire body: fields the version lacks are left out (a value there is a
// programming error), record fields become `<name>Bytes` and their buffers tail chunks, never copied;
// subtrees without either are passed through as they are (msgpack writes them directly).
import { ProtocolError } from './errors.js';
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
import { inVersions, parseVersions } from './versions.js';

/** A field that failed, with the path from the failing value up to where it has been caught so far. */
class FieldFailure {
  readonly path: Array<string | number> = [];
  constructor(readonly problem: string) {}
}

function fail(problem: string): FieldFailure {
  return new FieldFailure(problem);
}

/** Adds one level (a field name or an index) to a failure passing through. */
function within(error: unknown, segment: string | number): unknown {
  if (error instanceof FieldFailure) error.path.push(segment);
  return error;
}

function pathOf(failure: FieldFailure): string {
  let out = '';
  for (let i = failure.path.length - 1; i >= 0; i--) {
    const segment = failure.path[i]!;
    out += typeof segment === 'number' ? `[${segment}]` : out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** The tail being cut into record fields, in body order. */
interface Cursor {
  tail: Buffer;
  pos: number;
}

type Read = (value: unknown, cursor: Cursor) => unknown;

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function expected(f: Field): string {
  switch (f.kind) {
    case 'int':
    case 'records':
      return 'expected an integer';
    case 'number':
      return 'expected a number';
    case 'bool':
      return 'expected a boolean';
    case 'string':
      return 'expected a string';
    case 'bytes':
      return 'expected binary data';
    case 'enum':
      return `expected one of ${f.values!.join(', ')}`;
    case 'array':
      return 'expected an array';
    default:
      return 'expected a map';
  }
}

// --- one value of a field's kind ---------------------------------------------------------------------------

function readInt(f: Field): Read {
  const min = f.min ?? Number.MIN_SAFE_INTEGER;
  const max = f.max ?? Number.MAX_SAFE_INTEGER;
  return (v) => {
    if (typeof v === 'bigint') v = Number(v);
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw fail('expected an integer');
    if (v < min || v > max) throw fail(`${v} is outside ${min}..${max}`);
    return v;
  };
}

function readString(f: Field): Read {
  const maxLength = f.maxLength ?? DEFAULT_MAX_STRING;
  return (v) => {
    if (typeof v !== 'string') throw fail('expected a string');
    if (v.length > maxLength) throw fail(`string longer than ${maxLength} characters`);
    return v;
  };
}

function readBytes(f: Field): Read {
  const maxLength = f.maxLength ?? DEFAULT_MAX_BYTES;
  return (v) => {
    if (!(v instanceof Uint8Array)) throw fail('expected binary data');
    if (v.length > maxLength) throw fail(`binary longer than ${maxLength} bytes`);
    return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  };
}

function readEnum(f: Field): Read {
  const values = f.values!;
  const problem = expected(f);
  return (v) => {
    if (!values.includes(v as string | number)) throw fail(problem);
    return v;
  };
}

function readStringMap(f: Field): Read {
  const nullValues = f.nullValues === true;
  return (v) => {
    if (!isMap(v)) throw fail('expected a map');
    const out: Record<string, string | null> = {};
    for (const key of Object.keys(v)) {
      const item = v[key];
      if (!(typeof item === 'string' || (nullValues && item === null))) {
        throw within(fail(nullValues ? 'expected a string or nil' : 'expected a string'), key);
      }
      // defineProperty: a key named "__proto__" becomes a plain entry, not the map's prototype.
      if (key === '__proto__') Object.defineProperty(out, key, { value: item, enumerable: true, writable: true });
      else out[key] = item;
    }
    return out;
  };
}

function readTailRecords(f: Field): Read {
  const chunks = f.chunks === true;
  return (v, cursor) => {
    if (typeof v === 'bigint') v = Number(v);
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw fail('expected an integer');
    if (v < 0) throw fail(`${v} is outside 0..${Number.MAX_SAFE_INTEGER}`);
    const { tail, pos } = cursor;
    if (v > tail.length - pos) throw fail(`recordsBytes ${v} overruns the ${tail.length - pos} tail bytes left`);
    cursor.pos = pos + v;
    const view = tail.subarray(pos, pos + v);
    if (chunks) return v === 0 ? [] : [view];
    return view;
  };
}

function readArray(f: Field, version: number, strict: boolean): Read {
  const item = compileField(f.items!, version, strict);
  const maxItems = f.maxItems ?? DEFAULT_MAX_ITEMS;
  return (v, cursor) => {
    if (!Array.isArray(v)) throw fail('expected an array');
    if (v.length > maxItems) throw fail(`more than ${maxItems} entries`);
    const out = new Array(v.length);
    let i = 0;
    try {
      for (; i < v.length; i++) out[i] = item(v[i], cursor);
    } catch (error) {
      throw within(error, i);
    }
    return out;
  };
}

/** A property key as JS source (definitions are code of this repository, never input; quoted all the same). */
const key = (name: string) => JSON.stringify(name);

/**
 * A struct at one version. `strict` (requests): a key that is not a field of this version is refused;
 * otherwise (responses) skipped. Fields the version lacks decode to their defaults.
 *
 * The struct's reader is JS source made from the definition, once, with `new Function`: one property load
 * per field and the result as one object literal, so each struct gets its own inline caches and its values
 * one hidden class (a loop assigning `out[name]` made every load and store megamorphic: decoding a Produce
 * request took 2.5 times as long as the hand-written validators it replaced; bench/native-codec.ts).
 */
function readStruct(fields: Struct, version: number, strict: boolean): Read {
  const present = Object.entries(fields).filter(([, f]) => inVersions(f.versions, version));
  const absent = Object.entries(fields).filter(([, f]) => !inVersions(f.versions, version));
  const wires = present.map(([name, f]) => wireName(name, f));
  const reads = present.map(([, f]) => compileField(f, version, strict));
  const defaults = absent.map(([, f]) => defaultOf(f));
  const known = new Set(wires);
  const n = present.length;
  const lines: string[] = ['if (!isMap(v)) throw fail("expected a map");'];
  for (let i = 0; i < n; i++) lines.push(`const w${i} = v[${key(wires[i]!)}];`);
  if (n > 0) {
    lines.push(`let i = 0, ${present.map((_, i) => `x${i}`).join(', ')};`);
    lines.push('try {');
    for (let i = 0; i < n; i++) lines.push(`  x${i} = reads[${i}](w${i}, cursor); i = ${i + 1};`);
    lines.push('} catch (error) { throw within(error, wires[i]); }');
  }
  if (strict) {
    const count = n > 0 ? present.map((_, i) => `(w${i} !== undefined ? 1 : 0)`).join(' + ') : '0';
    lines.push(`let keys = 0; for (const _ in v) keys++;`);
    lines.push(`if (keys !== ${count}) unknownField(v);`);
  }
  const props = [
    ...present.map(([name], i) => `${key(name)}: x${i}`),
    ...absent.map(([name], i) => `${key(name)}: defaults[${i}]()`),
  ];
  lines.push(`return { ${props.join(', ')} };`);
  const unknownField = (v: Record<string, unknown>) => {
    for (const k of Object.keys(v)) {
      if (!known.has(k)) throw within(fail(`unknown field (not in version ${version})`), k);
    }
  };
  const make = new Function(
    'isMap',
    'fail',
    'within',
    'reads',
    'wires',
    'defaults',
    'unknownField',
    `return function readStruct(v, cursor) {\n${lines.join('\n')}\n};`,
  );
  return make(isMap, fail, within, reads, wires, defaults, unknownField) as Read;
}

/**
 * A fresh default per decode (a handler may keep or change what it receives). Shared with
 * schema-byte-reader.ts, whose values must be the same as this codec's.
 */
export function defaultOf(f: Field): () => unknown {
  const d = f.default;
  if (d !== undefined) {
    if (Array.isArray(d)) return () => [...d];
    if (d !== null && typeof d === 'object') return () => ({ ...d });
    return () => d;
  }
  if (f.nullableVersions !== undefined) return () => null;
  switch (f.kind) {
    case 'int':
    case 'number':
      return () => 0;
    case 'bool':
      return () => false;
    case 'string':
      return () => '';
    case 'bytes':
      return () => Buffer.alloc(0);
    case 'array':
      return () => [];
    case 'records':
      return () => (f.chunks ? [] : Buffer.alloc(0));
    case 'enum':
      return () => f.values![0];
    default:
      return () => ({});
  }
}

function compileKind(f: Field, version: number, strict: boolean): Read {
  switch (f.kind) {
    case 'int':
      return readInt(f);
    case 'number':
      return (v) => {
        if (typeof v === 'bigint') v = Number(v);
        if (typeof v !== 'number' || !Number.isFinite(v)) throw fail('expected a number');
        return v;
      };
    case 'bool':
      return (v) => {
        if (typeof v !== 'boolean') throw fail('expected a boolean');
        return v;
      };
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
      return readArray(f, version, strict);
    case 'struct':
      return readStruct(f.fields!, version, strict);
  }
}

/** A field at one version: its kind's reader, behind what absence and nil mean for it. */
function compileField(f: Field, version: number, strict: boolean): Read {
  const read = compileKind(f, version, strict);
  if (f.default !== undefined) {
    const fallback = defaultOf(f);
    return (v, cursor) => (v === undefined || v === null ? fallback() : read(v, cursor));
  }
  if (inVersions(f.nullableVersions, version))
    return (v, cursor) => (v === undefined || v === null ? null : read(v, cursor));
  const problem = `missing (${expected(f)})`;
  return (v, cursor) => {
    if (v === undefined) throw fail(problem);
    return read(v, cursor);
  };
}

// --- encoding -----------------------------------------------------------------------------------------------

/** Turns a value into its wire form, pushing record buffers onto `tail`. */
type Write = (value: unknown, tail: Buffer[]) => unknown;

const passThrough: Write = (value) => value;

/**
 * Whether a field's subtree needs rebuilding at `version` (record fields or fields the version lacks). Shared with
 * schema-byte-writer.ts, whose bytes must be this codec's.
 */
export function needsWriter(f: Field, version: number): boolean {
  if (carriesRecords(f)) return true;
  if (f.kind === 'array') return needsWriter(f.items!, version);
  if (f.kind === 'struct') {
    return Object.values(f.fields!).some((g) => !inVersions(g.versions, version) || needsWriter(g, version));
  }
  return false;
}

function writeRecords(value: unknown, tail: Buffer[]): number {
  if (Buffer.isBuffer(value)) {
    tail.push(value);
    return value.length;
  }
  if (value === undefined || value === null) return 0;
  let bytes = 0;
  for (const chunk of value as readonly Buffer[]) {
    tail.push(chunk);
    bytes += chunk.length;
  }
  return bytes;
}

function compileWriter(f: Field, version: number): Write {
  if (!needsWriter(f, version)) return passThrough;
  if (f.kind === 'records') return writeRecords;
  if (f.kind === 'array') {
    const item = compileWriter(f.items!, version);
    return (value, tail) => {
      if (!Array.isArray(value)) return value;
      const out = new Array(value.length);
      for (let i = 0; i < value.length; i++) out[i] = item(value[i], tail);
      return out;
    };
  }
  return structWriter(f.fields!, version);
}

/** A struct's writer, as JS source made from the definition (one object literal; see readStruct). */
function structWriter(fields: Struct, version: number): Write {
  const present = Object.entries(fields).filter(([, f]) => inVersions(f.versions, version));
  const absent = Object.entries(fields)
    .filter(([, f]) => !inVersions(f.versions, version))
    .map(([name]) => name);
  const writes = present.map(([, f]) => compileWriter(f, version));
  const lines: string[] = ['if (!isMap(value)) return value;'];
  for (const name of absent) {
    lines.push(`if (value[${key(name)}] !== undefined) notInVersion(${key(name)});`);
  }
  const props = present.map(([name, f], i) =>
    writes[i] === passThrough
      ? `${key(wireName(name, f))}: value[${key(name)}]`
      : `${key(wireName(name, f))}: writes[${i}](value[${key(name)}], tail)`,
  );
  lines.push(`return { ${props.join(', ')} };`);
  const notInVersion = (name: string) => {
    throw new RangeError(`${name} is not in version ${version} of this message`);
  };
  const make = new Function(
    'isMap',
    'writes',
    'notInVersion',
    `return function writeStruct(value, tail) {\n${lines.join('\n')}\n};`,
  );
  return make(isMap, writes, notInVersion) as Write;
}

// --- messages -------------------------------------------------------------------------------------------------

export interface EncodedBody {
  body: unknown;
  tail: Buffer[];
}

export interface MessageCodec {
  /** Checks an untrusted body (and tail) and returns the typed value; throws ProtocolError INVALID_REQUEST. */
  decode(body: unknown, tail: Buffer): unknown;
  encode(value: unknown): EncodedBody;
}

function compileMessage(def: MessageDef, version: number): MessageCodec {
  const strict = def.type === 'request';
  const read = readStruct(def.fields, version, strict);
  const hasRecords = Object.values(def.fields).some(carriesRecords);
  // A body of only optional fields may be nil (ApiVersions, ListGroups).
  const nilBody = Object.values(def.fields).every(
    (f) => f.default !== undefined || f.nullableVersions !== undefined || !inVersions(f.versions, version),
  );
  const write = structWriter(def.fields, version);
  const apiName = def.name.replace(/(Request|Response)$/, '');
  const noTail: Buffer[] = [];
  return {
    decode(body, tail) {
      if (!hasRecords && strict && tail.length > 0) {
        throw new ProtocolError('INVALID_REQUEST', `tail: ${apiName} requests carry no tail, got ${tail.length} bytes`);
      }
      const cursor: Cursor = { tail, pos: 0 };
      let value: unknown;
      try {
        value = read(nilBody && (body === undefined || body === null) ? {} : body, cursor);
      } catch (error) {
        if (!(error instanceof FieldFailure)) throw error;
        throw new ProtocolError('INVALID_REQUEST', `${pathOf(error) || 'body'}: ${error.problem}`);
      }
      if (hasRecords && cursor.pos !== tail.length) {
        throw new ProtocolError(
          'INVALID_REQUEST',
          `body: ${tail.length - cursor.pos} tail bytes are not claimed by any partition`,
        );
      }
      return value;
    },
    encode(value) {
      if (!hasRecords) return { body: write(value, noTail), tail: [] };
      const tail: Buffer[] = [];
      return { body: write(value, tail), tail };
    },
  };
}

const compiled = new WeakMap<MessageDef, MessageCodec[]>();

/** The compiled codec of a message at a version (compiled on first use, then cached). */
export function messageCodec(def: MessageDef, version: number): MessageCodec {
  let byVersion = compiled.get(def);
  if (!byVersion) compiled.set(def, (byVersion = []));
  let codec = byVersion[version];
  if (!codec) {
    if (!inVersions(def.validVersions, version)) {
      const r = parseVersions(def.validVersions);
      throw new ProtocolError(
        'UNSUPPORTED_VERSION',
        `${def.name} has no version ${version} (versions ${r.min}..${r.max})`,
      );
    }
    codec = compileMessage(def, version);
    byVersion[version] = codec;
  }
  return codec;
}
