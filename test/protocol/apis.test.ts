// Every API: a valid value survives encode → msgpack → decode, and every field of the wire body, set
// to a value of the wrong type, is rejected with INVALID_REQUEST naming that field's path.
import { decode, encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { ALL_APIS, ErrorCode, ProtocolError, type ApiSpec } from '../../src/protocol/index.js';
import { EXAMPLES } from './examples.js';

type Leaf = { path: string; value: unknown; set(value: unknown): void };

/** Every field of a decoded msgpack value (containers included), with its validator-style path. */
function fields(
  value: unknown,
  path: string,
  parent?: { obj: Record<string, unknown> | unknown[]; key: string | number },
): Leaf[] {
  const out: Leaf[] = [];
  if (parent) out.push({ path, value, set: (v) => ((parent.obj as Record<string | number, unknown>)[parent.key] = v) });
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      out.push(...fields(item, `${path}[${i}]`, { obj: value, key: i }));
    });
  } else if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    for (const [k, v] of Object.entries(value))
      out.push(...fields(v, path === '' ? k : `${path}.${k}`, { obj: value as Record<string, unknown>, key: k }));
  }
  return out;
}

/** A value no validator accepts where the original stood. */
function wrongFor(original: unknown): unknown {
  if (typeof original === 'number') return 'not a number';
  if (typeof original === 'string') return 12345;
  if (typeof original === 'boolean') return 'yes';
  if (original === null) return { unexpected: true };
  if (Array.isArray(original) || original instanceof Uint8Array) return 'not a list';
  return 12345;
}

/** The wire form of a value: what decode* really receives (msgpack round trip, Buffers as Uint8Array). */
function wire(body: unknown): unknown {
  return decode(encode(body, { ignoreUndefined: true }));
}

function cases(): Array<{ api: ApiSpec<unknown, unknown>; side: 'request' | 'response' }> {
  return ALL_APIS.flatMap((api) => [
    { api, side: 'request' as const },
    { api, side: 'response' as const },
  ]);
}

describe.each(cases())('$api.name $side', ({ api, side }) => {
  const example = EXAMPLES[api.key];
  const encodeFn = side === 'request' ? api.encodeRequest : api.encodeResponse;
  const decodeFn = side === 'request' ? api.decodeRequest : api.decodeResponse;

  it('has an example', () => {
    expect(example, `add ${api.name} to test/protocol/examples.ts`).toBeDefined();
  });

  it('round-trips a valid value', () => {
    const { body, tail } = encodeFn(example![side]);
    const decoded = decodeFn(wire(body), Buffer.concat(tail), api.maxVersion);
    const again = encodeFn(decoded);
    expect(wire(again.body)).toEqual(wire(body));
    expect(Buffer.concat(again.tail)).toEqual(Buffer.concat(tail));
  });

  it('rejects each field of the wrong type with its path', () => {
    const { body, tail } = encodeFn(example![side]);
    const tailBytes = Buffer.concat(tail);
    const count = fields(wire(body), '').length;
    for (let i = 0; i < count; i++) {
      const copy = wire(body);
      const { path, value: original, set } = fields(copy, '')[i]!;
      set(wrongFor(original));
      let thrown: unknown;
      try {
        decodeFn(copy, tailBytes, api.maxVersion);
      } catch (error) {
        thrown = error;
      }
      expect(
        thrown,
        `${api.name} ${side}: ${path} = ${JSON.stringify(wrongFor(original))} was accepted`,
      ).toBeInstanceOf(ProtocolError);
      const e = thrown as ProtocolError;
      expect(e.code).toBe(ErrorCode.INVALID_REQUEST);
      // Group response helpers name top-level error fields "body.errorCode"; both spellings name the field.
      expect(
        [e.message.startsWith(`${path}:`), e.message.startsWith(`body.${path}:`)],
        `${path} → "${e.message}"`,
      ).toContain(true);
    }
  });

  it('rejects a body that is not a map', () => {
    for (const bad of [7, 'x', [1], true]) {
      expect(() => decodeFn(bad, Buffer.alloc(0), api.maxVersion)).toThrow(ProtocolError);
    }
  });
});
