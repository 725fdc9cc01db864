// The field vocabulary of Kafka's message definitions, as TypeScript data. A definition is a plain object
// built with these functions (as Apache Kafka's clients/src/main/resources/common/message/*.json are plain
// JSON); `codec.ts` interprets it, and the TypeScript types of a message's value are derived from it, so the
// type, the bytes and the docs cannot drift.
//
// Semantics follow Kafka's message generator:
// - `versions`: the message versions that carry the field ('0+', '3-7', '5', 'none'); default '0+'.
// - `nullableVersions`: versions where null is allowed (strings, bytes, records, arrays, structs).
// - `taggedVersions` + `tag`: in those (flexible) versions the field travels in the tagged-field section
//   (KIP-482) instead of in line, and only when it differs from its default.
// - `default`: the value taken when the field is absent from the bytes (an older version, an omitted tag);
//   otherwise 0, '', false, [], the zero uuid, null records, or a struct of defaults.
// - `ignorable`: writing a non-default value at a version without the field drops it silently; without
//   `ignorable` that is an encode error (as Kafka's UnsupportedVersionException).
// - `flexibleVersions: 'none'` keeps the classic (non-compact) encoding in flexible versions (only the
//   request header's client id uses it).
// In flexible versions strings, bytes, records and arrays use compact lengths (unsigned varint of length + 1,
// 0 = null) and every struct ends with a tagged-field section.

import type { InputOf, StructInput, StructValue, TypedField, ValueOf } from '../field-types.js';

/** int64 is a JS number: offsets, timestamps and producer ids stay within ±(2^53 − 1); a value outside that
 * range is refused (decode) rather than rounded. No BigInt is allocated on the produce/fetch path. */
export type Kind =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'varint'
  | 'varlong'
  | 'float64'
  | 'uuid'
  | 'string'
  | 'bytes'
  | 'records'
  | 'array'
  | 'struct';

/** A records field on encode: one buffer, or several written back to back (e.g. batches read from segment
 * files), each passed to the socket as its own chunk, never copied. Decoded records are one view of the frame. */
export type RecordsInput = Buffer | readonly Buffer[];

export interface FieldOptions {
  readonly versions?: string;
  readonly nullableVersions?: string;
  readonly taggedVersions?: string;
  readonly tag?: number;
  readonly default?: unknown;
  readonly ignorable?: boolean;
  readonly flexibleVersions?: 'none';
}

/**
 * One field. `T` is its decoded value's type, `I` the type accepted on encode, `Opt` whether the encode
 * input may omit it. The three are type-level only (the `_` members never exist at run time).
 */
export interface Field<T = unknown, I = T, Opt extends boolean = boolean> extends FieldOptions, TypedField<T, I, Opt> {
  readonly kind: Kind;
  /** `array`: the item type; `struct`: undefined. */
  readonly items?: Field;
  /** `struct` (and so the items of an array of structs): its fields, in wire order. */
  readonly fields?: Struct;
}

export type Struct = { readonly [name: string]: Field };

export type { InputOf, StructInput, StructValue, ValueOf } from '../field-types.js';

// Type-level reading of the options: nullable when nullableVersions is given; optional on encode when the
// field has a default, a tag, or is not in every version.
type Nullable<O, T> = O extends { nullableVersions: string } ? T | null : T;
type IsOptional<O> = O extends { default: unknown }
  ? true
  : O extends { tag: number }
    ? true
    : O extends { versions: infer V }
      ? V extends '0+'
        ? false
        : true
      : false;

/** The options of a field declared without any. */
type NoOptions = Record<never, never>;

type Scalar<T, O> = Field<Nullable<O, T>, Nullable<O, T>, IsOptional<O>>;

function field(kind: Kind, options: FieldOptions | undefined, extra?: Partial<Field>): Field<any, any, any> {
  return Object.freeze({ kind, versions: '0+', ...options, ...extra });
}

export const bool = <const O extends FieldOptions = NoOptions>(o?: O): Scalar<boolean, O> => field('bool', o);
export const int8 = <const O extends FieldOptions = NoOptions>(o?: O): Scalar<number, O> => field('int8', o);
export const int16 = <const O extends FieldOptions = NoOptions>(o?: O): Scalar<number, O> => field('int16', o);
export const uint16 = <const O extends FieldOptions = NoOptions>(o?: O): Scalar<number, O> => field('uint16', o);
export const int32 = <const O extends FieldOptions = NoOptions>(o?: O): Scalar<number, O> => field('int32', o);
export const uint32 = <const O extends FieldOptions = NoOptions>(o?: O): Scalar<number, O> => field('uint32', o);
export const int64 = <const O extends FieldOptions = NoOptions>(o?: O): Scalar<number, O> => field('int64', o);
/** Zigzag-encoded signed varint (protobuf sint32), as inside record batches. */
export const varint = <const O extends FieldOptions = NoOptions>(o?: O): Scalar<number, O> => field('varint', o);
export const varlong = <const O extends FieldOptions = NoOptions>(o?: O): Scalar<number, O> => field('varlong', o);
export const float64 = <const O extends FieldOptions = NoOptions>(o?: O): Scalar<number, O> => field('float64', o);
/** 16 bytes on the wire; in JS Kafka's text form: 22 characters of unpadded base64url. */
export const uuid = <const O extends FieldOptions = NoOptions>(o?: O): Scalar<string, O> => field('uuid', o);
export const string = <const O extends FieldOptions = NoOptions>(o?: O): Scalar<string, O> => field('string', o);
/** Decoded bytes are a view of the request frame (copy them to keep them beyond the request). */
export const bytes = <const O extends FieldOptions = NoOptions>(o?: O): Scalar<Buffer, O> => field('bytes', o);
/** Opaque RecordBatch bytes: a view of the frame on decode, separate chunks on encode. */
export const records = <const O extends FieldOptions = NoOptions>(
  o?: O,
): Field<Nullable<O, Buffer>, Nullable<O, RecordsInput>, IsOptional<O>> => field('records', o);

export const array = <F extends Field, const O extends FieldOptions = NoOptions>(
  items: F,
  o?: O,
): Field<Nullable<O, ValueOf<F>[]>, Nullable<O, InputOf<F>[]>, IsOptional<O>> => field('array', o, { items });

export const struct = <S extends Struct, const O extends FieldOptions = NoOptions>(
  fields: S,
  o?: O,
): Field<Nullable<O, StructValue<S>>, Nullable<O, StructInput<S>>, IsOptional<O>> =>
  field('struct', o, { fields: Object.freeze({ ...fields }) });

/** 'data': a structure carried inside another message's bytes field (Kafka's `"type": "data"`). */
export type MessageType = 'request' | 'response' | 'header' | 'data';

/** One message (a request or response body, or a header): Kafka's top-level JSON object. */
export interface MessageDef<S extends Struct = Struct> {
  readonly name: string;
  readonly type: MessageType;
  readonly apiKey: number;
  readonly validVersions: string;
  readonly flexibleVersions: string;
  readonly fields: S;
}

export type MessageValue<M> = M extends MessageDef<infer S> ? StructValue<S> : never;
export type MessageInput<M> = M extends MessageDef<infer S> ? StructInput<S> : never;

export function message<const S extends Struct>(def: MessageDef<S>): MessageDef<S> {
  return Object.freeze({ ...def, fields: Object.freeze({ ...def.fields }) });
}

// Version ranges are shared with the native definitions (../versions.ts); re-exported here, where they were.
export { inVersions, parseVersions, type VersionRange } from '../versions.js';
