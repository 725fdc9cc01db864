// The interpreter: turns a message definition at one version into a reader and a writer, once (cached), by
// composing one small closure per field. Decoding walks those closures over a bounds-checked Reader; encoding
// writes into a reused Writer. Nothing is generated as source text; the definition is the only source.
import {
  type Field,
  inVersions,
  type MessageDef,
  type MessageInput,
  type MessageValue,
  parseVersions,
  type RecordsInput,
  type Struct,
} from './schema.js';
import { KafkaDecodeError, Reader } from './reader.js';
import { KafkaEncodeError, Writer } from './writer.js';

export interface StructCodec {
  read(r: Reader): Record<string, unknown>;
  write(w: Writer, value: unknown): void;
  /** The fewest bytes one encoded value takes (bounds array counts before anything is allocated). */
  readonly minBytes: number;
}

interface ValueCodec {
  read(r: Reader): unknown;
  /** `undefined` writes the field's default. */
  write(w: Writer, value: unknown): void;
  readonly minBytes: number;
}

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
const EMPTY_BYTES = Buffer.alloc(0);
const EMPTY_INPUT: Readonly<Record<string, unknown>> = Object.freeze({});
const EMPTY_ARRAY: readonly unknown[] = Object.freeze([]);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (Buffer.isBuffer(value)) return 'a Buffer';
  return typeof value === 'string'
    ? `'${value.slice(0, 40)}'`
    : typeof value === 'object'
      ? 'an object'
      : String(value);
}

function mismatch(expected: string, value: unknown): KafkaEncodeError {
  return new KafkaEncodeError(`expected ${expected}, got ${describe(value)}`);
}

// --- defaults -------------------------------------------------------------------------------------------

/** The field's default as a fresh value (arrays and structs are new objects each time). */
export function defaultValue(field: Field): unknown {
  if (field.default !== undefined) return field.default;
  switch (field.kind) {
    case 'bool':
      return false;
    case 'uuid':
      return ZERO_UUID;
    case 'string':
      return '';
    case 'bytes':
      return EMPTY_BYTES;
    case 'records':
      return null;
    case 'array':
      return [];
    case 'struct': {
      const out: Record<string, unknown> = {};
      for (const [name, f] of Object.entries(field.fields!)) out[name] = defaultValue(f);
      return out;
    }
    default:
      return 0;
  }
}

/** Whether `value` equals the field's default (what decides if a tagged field is written at all). */
export function isDefault(field: Field, value: unknown): boolean {
  if (value === undefined) return true;
  switch (field.kind) {
    case 'bytes':
    case 'records':
    case 'array':
      if (field.default === null || (field.kind === 'records' && field.default === undefined)) return value === null;
      return value !== null && (value as { length: number }).length === 0;
    case 'struct': {
      if (value === null || typeof value !== 'object') return false;
      for (const [name, f] of Object.entries(field.fields!)) {
        if (!isDefault(f, (value as Record<string, unknown>)[name])) return false;
      }
      return true;
    }
    default:
      return value === defaultValue(field);
  }
}

// --- one value of a field's type --------------------------------------------------------------------------

function integer(
  min: number,
  max: number,
  name: string,
  bytes: number,
  read: (r: Reader) => number,
  write: (w: Writer, v: number) => void,
): (field: Field) => ValueCodec {
  return (field) => {
    const fallback = defaultValue(field) as number;
    return {
      minBytes: bytes,
      read,
      write(w, v) {
        if (v === undefined) v = fallback;
        if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw mismatch(name, v);
        write(w, v);
      },
    };
  };
}

const scalarCodecs: Record<string, (field: Field) => ValueCodec> = {
  int8: integer(
    -128,
    127,
    'an int8',
    1,
    (r) => r.int8(),
    (w, v) => w.int8(v),
  ),
  int16: integer(
    -32768,
    32767,
    'an int16',
    2,
    (r) => r.int16(),
    (w, v) => w.int16(v),
  ),
  uint16: integer(
    0,
    0xffff,
    'a uint16',
    2,
    (r) => r.uint16(),
    (w, v) => w.uint16(v),
  ),
  int32: integer(
    -2147483648,
    2147483647,
    'an int32',
    4,
    (r) => r.int32(),
    (w, v) => w.int32(v),
  ),
  uint32: integer(
    0,
    0xffffffff,
    'a uint32',
    4,
    (r) => r.uint32(),
    (w, v) => w.uint32(v),
  ),
  int64: integer(
    Number.MIN_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER,
    'an int64 within ±(2^53 - 1)',
    8,
    (r) => r.int64(),
    (w, v) => w.int64(v),
  ),
  varint: integer(
    -2147483648,
    2147483647,
    'an int32 (varint)',
    1,
    (r) => r.varint(),
    (w, v) => w.varint(v),
  ),
  varlong: integer(
    Number.MIN_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER,
    'an int64 within ±(2^53 - 1) (varlong)',
    1,
    (r) => r.varlong(),
    (w, v) => w.varlong(v),
  ),
  float64: (field) => {
    const fallback = defaultValue(field) as number;
    return {
      minBytes: 8,
      read: (r) => r.float64(),
      write(w, v) {
        if (v === undefined) v = fallback;
        if (typeof v !== 'number') throw mismatch('a number', v);
        w.float64(v);
      },
    };
  },
  bool: (field) => {
    const fallback = defaultValue(field) as boolean;
    return {
      minBytes: 1,
      read: (r) => r.bool(),
      write(w, v) {
        if (v === undefined) v = fallback;
        if (typeof v !== 'boolean') throw mismatch('a boolean', v);
        w.int8(v ? 1 : 0);
      },
    };
  },
  uuid: (field) => {
    const fallback = defaultValue(field) as string;
    return {
      minBytes: 16,
      read: (r) => r.uuid(),
      write(w, v) {
        if (v === undefined) v = fallback;
        if (typeof v !== 'string') throw mismatch('a uuid string', v);
        w.uuid(v);
      },
    };
  },
};

function stringCodec(field: Field, nullable: boolean, compact: boolean): ValueCodec {
  const fallback = defaultValue(field);
  return {
    minBytes: compact ? 1 : 2,
    read(r) {
      const n = r.stringLength(compact);
      if (n >= 0) return r.utf8(n);
      if (nullable) return null;
      throw r.fail('null in a non-nullable string');
    },
    write(w, v) {
      if (v === undefined) v = fallback;
      if (typeof v === 'string') w.string(v, compact);
      else if (v === null && nullable) w.lengthPrefix(-1, compact, 2);
      else throw mismatch(nullable ? 'a string or null' : 'a string', v);
    },
  };
}

function bytesCodec(field: Field, nullable: boolean, compact: boolean): ValueCodec {
  const fallback = defaultValue(field);
  return {
    minBytes: compact ? 1 : 4,
    read(r) {
      const n = r.bytesLength(compact);
      if (n >= 0) return r.view(n);
      if (nullable) return null;
      throw r.fail('null in non-nullable bytes');
    },
    write(w, v) {
      if (v === undefined) v = fallback;
      if (v instanceof Uint8Array) {
        w.lengthPrefix(v.length, compact, 4);
        w.raw(v);
      } else if (v === null && nullable) w.lengthPrefix(-1, compact, 4);
      else throw mismatch(nullable ? 'a Buffer or null' : 'a Buffer', v);
    },
  };
}

function recordsCodec(nullable: boolean, compact: boolean): ValueCodec {
  return {
    minBytes: compact ? 1 : 4,
    read(r) {
      const n = r.bytesLength(compact);
      if (n >= 0) return r.view(n);
      if (nullable) return null;
      throw r.fail('null in non-nullable records');
    },
    write(w, v) {
      if (v === undefined) v = null;
      if (Buffer.isBuffer(v)) w.records([v], compact);
      else if (Array.isArray(v)) {
        for (const chunk of v) if (!Buffer.isBuffer(chunk)) throw mismatch('Buffers of records', chunk);
        w.records(v as RecordsInput as readonly Buffer[], compact);
      } else if (v === null && nullable) w.lengthPrefix(-1, compact, 4);
      else throw mismatch(nullable ? 'a Buffer, an array of Buffers or null' : 'a Buffer or an array of Buffers', v);
    },
  };
}

function arrayCodec(field: Field, version: number, flexible: boolean, nullable: boolean, compact: boolean): ValueCodec {
  const items = valueCodec(field.items!, version, flexible, false);
  const fallback = field.default === null ? null : EMPTY_ARRAY;
  const itemMin = items.minBytes;
  return {
    minBytes: compact ? 1 : 4,
    read(r) {
      const n = r.arrayLength(compact, itemMin);
      if (n < 0) {
        if (nullable) return null;
        throw r.fail('null in a non-nullable array');
      }
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) {
        try {
          out.push(items.read(r));
        } catch (error) {
          throw error instanceof KafkaDecodeError ? error.within(`[${i}]`) : error;
        }
      }
      return out;
    },
    write(w, v) {
      if (v === undefined) v = fallback;
      if (Array.isArray(v)) {
        w.lengthPrefix(v.length, compact, 4);
        for (let i = 0; i < v.length; i++) {
          try {
            items.write(w, v[i]);
          } catch (error) {
            throw error instanceof KafkaEncodeError ? error.within(`[${i}]`) : error;
          }
        }
      } else if (v === null && nullable) w.lengthPrefix(-1, compact, 4);
      else throw mismatch(nullable ? 'an array or null' : 'an array', v);
    },
  };
}

function valueCodec(field: Field, version: number, flexible: boolean, nullable: boolean): ValueCodec {
  const compact = flexible && field.flexibleVersions !== 'none';
  switch (field.kind) {
    case 'string':
      return stringCodec(field, nullable, compact);
    case 'bytes':
      return bytesCodec(field, nullable, compact);
    case 'records':
      return recordsCodec(nullable, compact);
    case 'array':
      return arrayCodec(field, version, flexible, nullable, compact);
    case 'struct': {
      const codec = structCodec(field.fields!, version, flexible);
      return {
        minBytes: codec.minBytes,
        read: (r) => codec.read(r),
        write: (w, v) => codec.write(w, v === undefined ? EMPTY_INPUT : v),
      };
    }
    default:
      return scalarCodecs[field.kind]!(field);
  }
}

// --- structs ----------------------------------------------------------------------------------------------

interface Step {
  readonly name: string;
  /** Reads the field in line, or returns its default (a tagged field, or one this version lacks). */
  readonly read: (r: Reader) => unknown;
}

interface Tagged {
  readonly name: string;
  readonly tag: number;
  readonly field: Field;
  readonly codec: ValueCodec;
}

interface Absent {
  readonly name: string;
  readonly field: Field;
}

/** Compiles a struct's fields at one version: fields in line, tagged fields, and fields the version lacks. */
export function structCodec(fields: Struct, version: number, flexible: boolean): StructCodec {
  const steps: Step[] = [];
  const inline: Array<{ name: string; codec: ValueCodec }> = [];
  const tagged: Tagged[] = [];
  const absent: Absent[] = [];
  let minBytes = flexible ? 1 : 0;
  for (const [name, field] of Object.entries(fields)) {
    const present = inVersions(field.versions, version);
    const isTagged = present && flexible && field.tag !== undefined && inVersions(field.taggedVersions, version);
    if (present && !isTagged) {
      const codec = valueCodec(field, version, flexible, inVersions(field.nullableVersions, version));
      inline.push({ name, codec });
      steps.push({ name, read: codec.read });
      minBytes += codec.minBytes;
      continue;
    }
    steps.push({ name, read: () => defaultValue(field) });
    if (isTagged) {
      const codec = valueCodec(field, version, true, inVersions(field.nullableVersions, version));
      tagged.push({ name, tag: field.tag!, field, codec });
    } else absent.push({ name, field });
  }
  tagged.sort((a, b) => a.tag - b.tag);
  const tagsByNumber = new Map(tagged.map((t) => [t.tag, t]));

  function readTags(r: Reader, out: Record<string, unknown>): void {
    const count = r.uvarint();
    for (let i = 0; i < count; i++) {
      const tag = r.uvarint();
      const size = r.uvarint();
      const data = r.sub(size, `tagged field ${tag}`);
      const known = tagsByNumber.get(tag);
      if (!known) continue; // an unknown tag (a newer peer's field) is skipped, as Kafka does
      try {
        out[known.name] = known.codec.read(data);
        if (data.remaining !== 0) throw data.fail(`${data.remaining} bytes left over in tagged field ${tag}`);
      } catch (error) {
        throw error instanceof KafkaDecodeError ? error.within(known.name) : error;
      }
    }
  }

  function writeTags(w: Writer, value: Record<string, unknown>): void {
    let count = 0;
    for (const t of tagged) if (!isDefault(t.field, value[t.name])) count++;
    w.uvarint(count);
    if (count === 0) return;
    for (const t of tagged) {
      const v = value[t.name];
      if (isDefault(t.field, v)) continue;
      w.uvarint(t.tag);
      const mark = w.beginSized();
      try {
        t.codec.write(w, v);
      } catch (error) {
        throw error instanceof KafkaEncodeError ? error.within(t.name) : error;
      }
      w.endSized(mark);
    }
  }

  return {
    minBytes,
    read(r) {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < steps.length; i++) {
        const step = steps[i]!;
        try {
          out[step.name] = step.read(r);
        } catch (error) {
          throw error instanceof KafkaDecodeError ? error.within(step.name) : error;
        }
      }
      if (flexible) readTags(r, out);
      return out;
    },
    write(w, value) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw mismatch('an object', value);
      const obj = value as Record<string, unknown>;
      for (let i = 0; i < absent.length; i++) {
        const { name, field } = absent[i]!;
        if (!field.ignorable && !isDefault(field, obj[name])) {
          throw new KafkaEncodeError(
            `a non-default value cannot be written at version ${version}: the field is in versions ${field.versions}` +
              (field.taggedVersions ? ` (tagged in ${field.taggedVersions})` : ''),
          ).within(name);
        }
      }
      for (let i = 0; i < inline.length; i++) {
        const { name, codec } = inline[i]!;
        try {
          codec.write(w, obj[name]);
        } catch (error) {
          throw error instanceof KafkaEncodeError ? error.within(name) : error;
        }
      }
      if (flexible) {
        if (tagged.length === 0) w.uvarint(0);
        else writeTags(w, obj);
      }
    },
  };
}

// --- messages ---------------------------------------------------------------------------------------------

const compiled = new WeakMap<MessageDef, Map<number, StructCodec>>();

export function isFlexible(def: MessageDef, version: number): boolean {
  return inVersions(def.flexibleVersions, version);
}

export function hasVersion(def: MessageDef, version: number): boolean {
  return inVersions(def.validVersions, version);
}

/** The compiled codec of a message at a version (compiled on first use, then cached). */
export function messageCodec(def: MessageDef, version: number): StructCodec {
  let byVersion = compiled.get(def);
  if (!byVersion) compiled.set(def, (byVersion = new Map()));
  let codec = byVersion.get(version);
  if (!codec) {
    if (!hasVersion(def, version)) {
      const r = parseVersions(def.validVersions);
      throw new RangeError(`${def.name} has no version ${version} (versions ${r.min}..${r.max})`);
    }
    codec = structCodec(def.fields, version, isFlexible(def, version));
    byVersion.set(version, codec);
  }
  return codec;
}

/** Decodes a whole message from `buf[start, end)`; bytes left over are an error (a misparse, not slack). */
export function decodeMessage<M extends MessageDef>(
  def: M,
  version: number,
  buf: Buffer,
  start = 0,
  end = buf.length,
): MessageValue<M> {
  const r = new Reader(buf, start, end);
  const value = messageCodec(def, version).read(r);
  if (r.remaining !== 0) throw r.fail(`${r.remaining} bytes left over after ${def.name} v${version}`);
  return value as MessageValue<M>;
}

/** Writes a message into `w` (which may already hold a frame prefix and header). */
export function writeMessage<M extends MessageDef>(def: M, version: number, value: MessageInput<M>, w: Writer): void {
  messageCodec(def, version).write(w, value);
}

const shared = new Writer();

/** Encodes a message alone: chunks whose concatenation is its bytes (records buffers are chunks of their own). */
export function encodeMessage<M extends MessageDef>(def: M, version: number, value: MessageInput<M>): Buffer[] {
  shared.reset();
  try {
    writeMessage(def, version, value, shared);
    return shared.finish();
  } finally {
    shared.reset();
  }
}
