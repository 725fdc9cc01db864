// The few checks the frame header needs (framing.ts): API bodies are checked by their definitions
// (schema.ts, schema-codec.ts). A failure names the path of the bad field.
import { ProtocolError } from './errors.js';

export function invalid(path: string, problem: string): ProtocolError {
  return new ProtocolError('INVALID_REQUEST', `${path}: ${problem}`);
}

type Obj = Record<string, unknown>;

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

export function nullableString(value: unknown, path: string, maxLength = 32_767): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw invalid(path, 'expected a string');
  if (value.length > maxLength) throw invalid(path, `string longer than ${maxLength} characters`);
  return value;
}
