// The TypeScript side of message definitions, shared by the native vocabulary (schema.ts) and Kafka's
// (kafka/schema.ts): a field carries three type-level facts (never present at run time) from which the
// decoded value's type and the encoder's input type of a whole message are derived, so a definition, its
// types and its bytes cannot drift apart (as platformatic/kafka derives a request's type from its encoder).

/**
 * What every field declares at the type level. `T` is its decoded value's type, `I` the type accepted on
 * encode, `Opt` whether the encode input may omit it.
 */
export interface TypedField<T = unknown, I = T, Opt extends boolean = boolean> {
  readonly _value?: T;
  readonly _input?: I;
  readonly _optional?: Opt;
}

export type TypedStruct = { readonly [name: string]: TypedField };

export type ValueOf<F> = F extends TypedField<infer T, any, any> ? T : never;
export type InputOf<F> = F extends TypedField<any, infer I, any> ? I : never;

type OptionalKeys<S extends TypedStruct> = {
  [K in keyof S]: S[K] extends TypedField<any, any, true> ? K : never;
}[keyof S];
type RequiredKeys<S extends TypedStruct> = Exclude<keyof S, OptionalKeys<S>>;
type Flatten<T> = { [K in keyof T]: T[K] } & {};

/** A struct as decoded: every field present (fields the version lacks hold their defaults). */
export type StructValue<S extends TypedStruct> = { -readonly [K in keyof S]: ValueOf<S[K]> };
/** A struct as given to the encoder: fields with a default, and fields not in every version, may be omitted. */
export type StructInput<S extends TypedStruct> = Flatten<
  { -readonly [K in RequiredKeys<S>]: InputOf<S[K]> } & { -readonly [K in OptionalKeys<S>]?: InputOf<S[K]> }
>;
