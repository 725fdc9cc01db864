// Tiny hand-written validators for decoded msgpack values. Every wire body goes through them, so the
// broker and the SDK never trust a field's type or range; a failure names the path of the bad field.
import { ProtocolError } from './errors.js';

export function invalid(path: string, problem: string): ProtocolError {
  return new ProtocolError('INVALID_REQUEST', `${path}: ${problem}`);
}

export type Obj = Record<string, unknown>;

export function object(value: unknown, path: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw invalid(path, 'expected a map');
  }
  return value as Obj;
}

export function int(
  value: unknown,
  path: string,
  min = Number.MIN_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value === 'bigint') value = Number(value);
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalid(path, 'expected an integer');
  if (value < min || value > max) throw invalid(path, `${value} is outside ${min}..${max}`);
  return value;
}

export function optionalInt(value: unknown, path: string, fallback: number, min?: number, max?: number): number {
  return value === undefined || value === null ? fallback : int(value, path, min, max);
}

export function bool(value: unknown, path: string, fallback?: boolean): boolean {
  if ((value === undefined || value === null) && fallback !== undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(path, 'expected a boolean');
  return value;
}

export function string(value: unknown, path: string, maxLength = 32_767): string {
  if (typeof value !== 'string') throw invalid(path, 'expected a string');
  if (value.length > maxLength) throw invalid(path, `string longer than ${maxLength} characters`);
  return value;
}

export function nullableString(value: unknown, path: string, maxLength?: number): string | null {
  return value === null || value === undefined ? null : string(value, path, maxLength);
}

export function bytes(value: unknown, path: string, maxLength = 64 * 1024 * 1024): Buffer {
  if (!(value instanceof Uint8Array)) throw invalid(path, 'expected binary data');
  if (value.length > maxLength) throw invalid(path, `binary longer than ${maxLength} bytes`);
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

export function nullableBytes(value: unknown, path: string, maxLength?: number): Buffer | null {
  return value === null || value === undefined ? null : bytes(value, path, maxLength);
}

export function array<T>(
  value: unknown,
  path: string,
  each: (item: unknown, path: string) => T,
  maxLength = 100_000,
): T[] {
  if (!Array.isArray(value)) throw invalid(path, 'expected an array');
  if (value.length > maxLength) throw invalid(path, `more than ${maxLength} entries`);
  const out = new Array<T>(value.length);
  for (let i = 0; i < value.length; i++) out[i] = each(value[i], `${path}[${i}]`);
  return out;
}

export function nullableArray<T>(
  value: unknown,
  path: string,
  each: (item: unknown, path: string) => T,
  maxLength?: number,
): T[] | null {
  return value === null || value === undefined ? null : array(value, path, each, maxLength);
}

export function stringMap(value: unknown, path: string, allowNullValues = false): Record<string, string | null> {
  const obj = object(value, path);
  const out: Record<string, string | null> = {};
  for (const [key, v] of Object.entries(obj)) {
    out[key] = allowNullValues && v === null ? null : string(v, `${path}.${key}`);
  }
  return out;
}

export function oneOf<T extends string | number>(value: unknown, path: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw invalid(path, `expected one of ${allowed.join(', ')}`);
  return value as T;
}

/** Topic names as Kafka allows them: 1..249 of [a-zA-Z0-9._-], not '.' or '..'. */
export const TOPIC_NAME_PATTERN = /^[a-zA-Z0-9._-]{1,249}$/;

export function isValidTopicName(name: string): boolean {
  return TOPIC_NAME_PATTERN.test(name) && name !== '.' && name !== '..';
}

export function topicName(value: unknown, path: string): string {
  // Validity (legal characters) is checked by handlers, which answer INVALID_TOPIC_EXCEPTION per topic.
  return string(value, path, 249 * 4);
}

/**
 * The `[{ name, partitions: [...] }]` nesting most data APIs share. `partition` reads one partition
 * entry (already checked to be a map); entries are read in wire order, which tail cutting relies on.
 */
export function topicPartitions<P>(
  value: unknown,
  path: string,
  partition: (entry: Obj, path: string) => P,
): Array<{ name: string; partitions: P[] }> {
  return array(value, path, (v, p) => {
    const o = object(v, p);
    return {
      name: topicName(o.name, `${p}.name`),
      partitions: array(o.partitions, `${p}.partitions`, (x, q) => partition(object(x, q), q)),
    };
  });
}
