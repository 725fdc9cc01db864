// The field vocabulary of the native protocol's message definitions, as TypeScript data: one definition per
// request and response (apis/*.ts), written with these functions in the style of Kafka's definitions
// (kafka/schema.ts, after Apache Kafka's message JSON): fields in order, `versions`, `nullableVersions`,
// `default`. `schema-codec.ts` compiles a definition at one version into a decoder (which validates) and an
// encoder; `schema-doc.ts` writes the tables of README.md from the same objects; the TypeScript types of a
// message are derived from them (field-types.ts).
//
// Bodies are msgpack maps, so a field has a name and a JS type but no wire width; what the definitions add
// to Kafka's vocabulary are the bounds every value is checked against (`min`/`max`, `maxLength`,
// `maxItems`) and `records`: bytes that travel in the frame's tail (README.md, section 3).
//
// Semantics:
// - `versions`: the message versions that carry the field ('0+', '1-3', 'none'); default '0+'. A request
//   naming a field its version does not carry, or any other unknown field, is refused; a response's unknown
//   fields are skipped (a newer broker may add some).
// - `nullableVersions`: versions where nil is allowed; an absent field is nil there.
// - `default`: the value taken when the field is absent or nil. Without a default (and not nullable) a
//   field must be present.
import type { InputOf, StructInput, StructValue, TypedField, TypedStruct, ValueOf } from './field-types.js';
import { parseVersions } from './versions.js';

export type NativeKind =
  | 'int'
  | 'number'
  | 'bool'
  | 'string'
  | 'bytes'
  | 'enum'
  | 'stringMap'
  | 'records'
  | 'array'
  | 'struct';

export interface FieldOptions {
  readonly versions?: string;
  readonly nullableVersions?: string;
  readonly default?: unknown;
  /** One line for the generated docs where the name and bounds do not say it all. */
  readonly doc?: string;
}

export interface IntOptions extends FieldOptions {
  /** Inclusive bounds; default the safe integers. */
  readonly min?: number;
  readonly max?: number;
}

export interface LengthOptions extends FieldOptions {
  /** Most characters (strings) or bytes (bytes). */
  readonly maxLength?: number;
}

export interface ArrayOptions extends FieldOptions {
  readonly maxItems?: number;
}

export interface StringMapOptions extends FieldOptions {
  /** Whether a key may map to nil (AlterConfigs: revert the key). */
  readonly nullValues?: boolean;
}

export interface RecordsOptions extends FieldOptions {
  /** Decoded as an array of views (empty when no bytes) instead of one view: the Fetch response's shape. */
  readonly chunks?: boolean;
}

/** One field; `T`, `I`, `Opt` are type-level only (field-types.ts). */
export interface Field<T = unknown, I = T, Opt extends boolean = boolean> extends FieldOptions, TypedField<T, I, Opt> {
  readonly kind: NativeKind;
  readonly min?: number;
  readonly max?: number;
  readonly maxLength?: number;
  readonly maxItems?: number;
  /** `enum`: the values allowed. */
  readonly values?: readonly (string | number)[];
  readonly nullValues?: boolean;
  readonly chunks?: boolean;
  /** `array`: the item type. */
  readonly items?: Field;
  /** `struct`: its fields, in order. */
  readonly fields?: Struct;
}

export type Struct = { readonly [name: string]: Field };

export const DEFAULT_MAX_STRING = 32_767;
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_ITEMS = 100_000;

// Type-level reading of the options: nullable when nullableVersions is given; optional on encode when the
// field has a default, may be nil, or is not in every version.
type Nullable<O, T> = O extends { nullableVersions: string } ? T | null : T;
type IsOptional<O> = O extends { default: unknown }
  ? true
  : O extends { nullableVersions: string }
    ? true
    : O extends { versions: infer V }
      ? V extends '0+'
        ? false
        : true
      : false;
type NoOptions = Record<never, never>;
type Scalar<T, O> = Field<Nullable<O, T>, Nullable<O, T>, IsOptional<O>>;

function field(kind: NativeKind, options: object | undefined, extra?: Partial<Field>): Field<any, any, any> {
  const f: Field = { kind, versions: '0+', ...options, ...extra };
  parseVersions(f.versions);
  if (f.nullableVersions) parseVersions(f.nullableVersions);
  return Object.freeze(f);
}

/** A msgpack integer within ±(2^53 − 1) (a bigint on the wire is read as a number), checked against min/max. */
export const int = <const O extends IntOptions = NoOptions>(o?: O): Scalar<number, O> => field('int', o);
/** A finite msgpack number, integer or float (a quota's percentage). */
export const number = <const O extends FieldOptions = NoOptions>(o?: O): Scalar<number, O> => field('number', o);
export const bool = <const O extends FieldOptions = NoOptions>(o?: O): Scalar<boolean, O> => field('bool', o);
export const string = <const O extends LengthOptions = NoOptions>(o?: O): Scalar<string, O> => field('string', o);
/** msgpack `bin`; decoded as a view of the frame (copy it to keep it beyond the request). */
export const bytes = <const O extends LengthOptions = NoOptions>(o?: O): Scalar<Buffer, O> => field('bytes', o);
/** One of a few strings or numbers. */
export const oneOf = <const V extends readonly (string | number)[], const O extends FieldOptions = NoOptions>(
  values: V,
  o?: O,
): Scalar<V[number], O> => field('enum', o, { values: Object.freeze([...values]) });
/** `{str: str}` (with `nullValues`, `{str: str?}`). */
export const stringMap = <const O extends StringMapOptions = NoOptions>(
  o?: O,
): Scalar<Record<string, O extends { nullValues: true } ? string | null : string>, O> => field('stringMap', o);

/** Record bytes on encode: one buffer, or several written back to back, each its own tail chunk (no copy). */
export type RecordsInput = Buffer | readonly Buffer[];

/**
 * Record batches that travel in the frame's tail: the body carries `<name>Bytes` (their length) in this
 * field's place and the tail the bytes, in the order the body lists them. Decoded: one view of the frame
 * (with `chunks`, an array of views).
 */
export const records = <const O extends RecordsOptions = NoOptions>(
  o?: O,
): Field<O extends { chunks: true } ? Buffer[] : Buffer, RecordsInput, IsOptional<O>> => field('records', o);

export const array = <F extends Field, const O extends ArrayOptions = NoOptions>(
  items: F,
  o?: O,
): Field<Nullable<O, ValueOf<F>[]>, Nullable<O, InputOf<F>[]>, IsOptional<O>> => field('array', o, { items });

export const struct = <S extends Struct, const O extends FieldOptions = NoOptions>(
  fields: S,
  o?: O,
): Field<Nullable<O, StructValue<S>>, Nullable<O, StructInput<S>>, IsOptional<O>> =>
  field('struct', o, { fields: Object.freeze({ ...fields }) });

/** The wire name of a field: a records field travels as its length, `<name>Bytes`. */
export function wireName(name: string, f: Field): string {
  return f.kind === 'records' ? `${name}Bytes` : name;
}

/** One request or response body. */
export interface MessageDef<S extends Struct = Struct> {
  readonly name: string;
  readonly type: 'request' | 'response';
  readonly apiKey: number;
  readonly validVersions: string;
  readonly fields: S;
}

export type MessageValue<M> = M extends MessageDef<infer S> ? StructValue<S> : never;
export type MessageInput<M> = M extends MessageDef<infer S> ? StructInput<S> : never;
export type { TypedStruct };

export function message<const S extends Struct>(def: MessageDef<S>): MessageDef<S> {
  parseVersions(def.validVersions);
  return Object.freeze({ ...def, fields: Object.freeze({ ...def.fields }) });
}

/** Whether any field of `f` (itself included) travels in the tail. */
export function carriesRecords(f: Field): boolean {
  if (f.kind === 'records') return true;
  if (f.kind === 'array') return carriesRecords(f.items!);
  if (f.kind === 'struct') return Object.values(f.fields!).some(carriesRecords);
  return false;
}
