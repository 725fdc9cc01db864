// Every API, request and response, at every version its definition has: values generated from the
// definition survive encode → decode unchanged, and re-encoding the decoded value gives the same bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  array,
  bool,
  bytes,
  decodeMessage,
  encodeMessage,
  float64,
  int8,
  int16,
  int32,
  int64,
  KAFKA_APIS,
  type MessageDef,
  message,
  RequestHeader,
  ResponseHeader,
  records,
  string,
  struct,
  uint16,
  uint32,
  uuid,
  varint,
  varlong,
} from '../../../src/protocol/kafka/index.js';
import { expected, messageArb, versionsOf } from './arbitrary.js';

/** Every kind of the vocabulary, nullable and not, tagged and not; flexible from v1. */
const Vocabulary = message({
  name: 'Vocabulary',
  type: 'request',
  apiKey: -1,
  validVersions: '0-2',
  flexibleVersions: '1+',
  fields: {
    b: bool(),
    i8: int8(),
    i16: int16(),
    u16: uint16(),
    i32: int32(),
    u32: uint32(),
    i64: int64(),
    vi: varint(),
    vl: varlong(),
    f64: float64(),
    id: uuid(),
    s: string(),
    ns: string({ nullableVersions: '0+', default: null }),
    classic: string({ flexibleVersions: 'none' }),
    by: bytes(),
    nby: bytes({ nullableVersions: '0+' }),
    recs: records({ nullableVersions: '0+' }),
    ints: array(int32()),
    nstrs: array(string(), { nullableVersions: '0+' }),
    structs: array(struct({ a: int16(), z: string({ versions: '2+', ignorable: true }) })),
    onlyV0: int32({ versions: '0', default: 7 }),
    fromV2: int64({ versions: '2+', default: -1 }),
    taggedInt: int32({ versions: '1+', taggedVersions: '1+', tag: 0, default: -1 }),
    taggedStruct: struct({ x: int32({ default: -1 }), y: string() }, { versions: '1+', taggedVersions: '1+', tag: 3 }),
    taggedArray: array(struct({ n: int8() }), { versions: '2+', taggedVersions: '2+', tag: 1 }),
  },
});

function roundTrips(def: MessageDef, version: number, runs: number): void {
  fc.assert(
    fc.property(messageArb(def, version), (value) => {
      const bytes = Buffer.concat(encodeMessage(def, version, value as never));
      const decoded = decodeMessage(def, version, bytes);
      expect(decoded).toEqual(expected(def.fields, value));
      expect(Buffer.concat(encodeMessage(def, version, decoded as never))).toEqual(bytes);
    }),
    { numRuns: runs },
  );
}

describe('round trip', () => {
  it.each([0, 1, 2])('the whole vocabulary at v%i', (version) => roundTrips(Vocabulary, version, 300));

  it.each([0, 1, 2])('RequestHeader v%i', (version) => roundTrips(RequestHeader, version, 100));
  it.each([0, 1])('ResponseHeader v%i', (version) => roundTrips(ResponseHeader, version, 50));

  const cases = KAFKA_APIS.flatMap((api) =>
    [api.request, api.response].flatMap((def) => versionsOf(def).map((version) => ({ name: def.name, def, version }))),
  );
  it.each(cases)('$name v$version', ({ def, version }) => roundTrips(def, version, 40));
});
