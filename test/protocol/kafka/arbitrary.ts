// fast-check arbitraries derived from a message definition at one version: values a peer could send, with
// fields the version lacks at their defaults, null only where the version allows it, tagged fields either at
// their default (not written) or set. `expected()` is what decoding those values must give back.
import fc from 'fast-check';
import {
  defaultValue,
  type Field,
  inVersions,
  type MessageDef,
  type Struct,
} from '../../../src/protocol/kafka/index.js';

const TWO_32 = 2 ** 32;

function uuidText(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

function fieldArb(field: Field, version: number, nullable: boolean): fc.Arbitrary<unknown> {
  const value = valueArb(field, version);
  return nullable ? fc.option(value, { nil: null, freq: 4 }) : value;
}

function valueArb(field: Field, version: number): fc.Arbitrary<unknown> {
  switch (field.kind) {
    case 'bool':
      return fc.boolean();
    case 'int8':
      return fc.integer({ min: -128, max: 127 });
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'uint16':
      return fc.integer({ min: 0, max: 0xffff });
    case 'int32':
    case 'varint':
      return fc.oneof(fc.integer(), fc.constantFrom(-1, 0, 2147483647, -2147483648));
    case 'uint32':
      return fc.integer({ min: 0, max: TWO_32 - 1 });
    case 'int64':
    case 'varlong':
      return fc.oneof(fc.maxSafeInteger(), fc.constantFrom(-1, 0, TWO_32, -TWO_32 - 1), fc.integer());
    case 'float64':
      return fc.double({ noNaN: true });
    case 'uuid':
      return fc.uint8Array({ minLength: 16, maxLength: 16 }).map(uuidText);
    case 'string':
      return fc.string({ unit: 'binary', maxLength: 12 });
    case 'bytes':
      return fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b));
    case 'records':
      return fc.oneof(
        fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b)),
        fc.array(
          fc.uint8Array({ minLength: 1, maxLength: 30 }).map((b) => Buffer.from(b)),
          { maxLength: 3 },
        ),
      );
    case 'array':
      return fc.array(valueArb(field.items!, version), { maxLength: 3 });
    case 'struct':
      return structArb(field.fields!, version, true);
  }
}

/** Values of a struct's fields at `version`; with `flexible`, tagged fields are sometimes left at default. */
export function structArb(fields: Struct, version: number, flexible: boolean): fc.Arbitrary<Record<string, unknown>> {
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, field] of Object.entries(fields)) {
    const present = inVersions(field.versions, version);
    const tagged = present && flexible && field.tag !== undefined;
    if (!present) record[name] = fc.constant(defaultValue(field));
    else {
      const arb = fieldArb(field, version, inVersions(field.nullableVersions, version));
      record[name] = tagged ? fc.oneof(fc.constant(defaultValue(field)), arb) : arb;
    }
  }
  return fc.record(record);
}

export function messageArb(def: MessageDef, version: number): fc.Arbitrary<Record<string, unknown>> {
  return structArb(def.fields, version, inVersions(def.flexibleVersions, version));
}

/** The decoded form of a generated struct: records given as several buffers come back as one. */
export function expected(fields: Struct, value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(fields)) out[name] = expectedValue(field, value[name]);
  return out;
}

function expectedValue(field: Field, value: unknown): unknown {
  if (value === null) return null;
  if (field.kind === 'records') return Array.isArray(value) ? Buffer.concat(value) : value;
  if (field.kind === 'struct') return expected(field.fields!, value as Record<string, unknown>);
  if (field.kind === 'array') return (value as unknown[]).map((v) => expectedValue(field.items!, v));
  return value;
}

/** Every version a definition has. */
export function versionsOf(def: MessageDef): number[] {
  const m = /^(\d+)-(\d+)$|^(\d+)$/.exec(def.validVersions)!;
  const min = Number(m[1] ?? m[3]);
  const max = Number(m[2] ?? m[3]);
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}
