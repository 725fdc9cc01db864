// Random valid encoder inputs for the native message definitions (schema.ts), shared by the tests of the byte
// reader and the byte writer: every field kind, nil where nullable, strings and arrays within their bounds.
import fc from 'fast-check';
import type { Field, Struct } from '../../src/protocol/schema.js';
import { inVersions } from '../../src/protocol/versions.js';

const SAFE = Number.MAX_SAFE_INTEGER;

function intArbitrary(f: Field): fc.Arbitrary<number> {
  const min = Math.max(f.min ?? -SAFE, -SAFE);
  const max = Math.min(f.max ?? SAFE, SAFE);
  const small = fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) });
  if (max - min <= 2 ** 32) return small;
  // Offsets and timestamps past 32 bits travel as msgpack's 64-bit integers.
  return fc.oneof(
    small,
    fc.maxSafeInteger().filter((v) => v >= min && v <= max),
  );
}

/** A random valid encoder input for a field at a version. */
function fieldValue(f: Field, version: number): fc.Arbitrary<unknown> {
  const base = kindValue(f, version);
  const nullable = inVersions(f.nullableVersions, version) || f.default !== undefined;
  return nullable ? fc.oneof(base, fc.constant(null)) : base;
}

function kindValue(f: Field, version: number): fc.Arbitrary<unknown> {
  switch (f.kind) {
    case 'int':
      return intArbitrary(f);
    case 'number':
      return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer());
    case 'bool':
      return fc.boolean();
    case 'string':
      return fc
        .string({ unit: fc.constantFrom('grapheme', 'grapheme-ascii') as never, maxLength: 12 })
        .filter((v) => v.length <= (f.maxLength ?? Number.POSITIVE_INFINITY));
    case 'bytes':
      return fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b));
    case 'enum':
      return fc.constantFrom(...f.values!);
    case 'stringMap':
      return fc.dictionary(
        fc.string({ maxLength: 6 }).filter((k) => k !== '__proto__'),
        f.nullValues ? fc.option(fc.string({ maxLength: 6 }), { nil: null }) : fc.string({ maxLength: 6 }),
        { maxKeys: 3 },
      );
    case 'records':
      return fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b));
    case 'array':
      return fc.array(fieldValue(f.items!, version), { maxLength: Math.min(3, f.maxItems ?? 3) });
    case 'struct':
      return structOf(f.fields!, version);
  }
}

export function structOf(fields: Struct, version: number): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  const required: string[] = [];
  for (const [name, f] of Object.entries(fields)) {
    if (!inVersions(f.versions, version)) continue;
    model[name] = fieldValue(f, version);
    if (f.default === undefined && !inVersions(f.nullableVersions, version)) required.push(name);
  }
  return fc.record(model, { requiredKeys: required as never[] });
}
