// Parsers and validators for flag values. Each throws commander's InvalidArgumentError (shown as
// "error: option '--x <n>' argument 'abc' is invalid. <why>" with exit code 2) naming what is accepted.
import { InvalidArgumentError } from 'commander';
import { DEFAULT_BROKER_PORT, parseBrokerAddress } from '../../src/client/broker-address.js';

export const DEFAULT_BROKERS = `127.0.0.1:${DEFAULT_BROKER_PORT}`;

export function parseInteger(what: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
  return (raw: string): number => {
    const text = raw.trim().replace(/_/g, '');
    if (!/^[+-]?\d+$/.test(text)) throw new InvalidArgumentError(`${what} must be a whole number.`);
    const n = Number(text);
    if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`${what} is too large.`);
    if (n < min) throw new InvalidArgumentError(`${what} must be at least ${min}.`);
    if (n > max) throw new InvalidArgumentError(`${what} must be at most ${max}.`);
    return n;
  };
}

/** Sizes like 100, 1k, 64KiB, 1m, 2MB (binary multiples). */
export function parseSize(what: string, min = 0) {
  return (raw: string): number => {
    const m = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(raw.trim());
    if (!m) throw new InvalidArgumentError(`${what} must be a byte count like 100, 1k or 2MiB.`);
    const unit = (m[2] ?? 'b').toLowerCase()[0]!;
    const mult = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
    const n = Math.round(Number(m[1]) * mult);
    if (n < min) throw new InvalidArgumentError(`${what} must be at least ${min} bytes.`);
    return n;
  };
}

/** `host:port[,host:port…]`, IPv6 as `[::1]:9650` (the SDK's parser, with the port required). */
export function parseBrokerList(raw: string): string[] {
  const parts = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0) throw new InvalidArgumentError('expected host:port[,host:port…].');
  for (const part of parts) {
    if (!parseBrokerAddress(part)) {
      throw new InvalidArgumentError(`'${part}' is not a broker address: expected host:port, e.g. 127.0.0.1:9650.`);
    }
  }
  return parts;
}

/** `key=value`; the first '=' splits. */
export function parseKeyValue(what: string) {
  return (raw: string): [string, string] => {
    const eq = raw.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`${what} must look like key=value.`);
    return [raw.slice(0, eq), raw.slice(eq + 1)];
  };
}

/** Repeatable `key=value` option collector (commander's reducer form). */
export function collectKeyValue(what: string) {
  const parse = parseKeyValue(what);
  return (raw: string, previous: Array<[string, string]> | undefined): Array<[string, string]> => [
    ...(previous ?? []),
    parse(raw),
  ];
}

/** Value from a closed set, case-insensitive; the error lists the accepted values. */
export function parseChoice<T extends string>(what: string, choices: readonly T[], aliases: Record<string, T> = {}) {
  return (raw: string): T => {
    const lower = raw.trim().toLowerCase();
    const hit = choices.find((c) => c.toLowerCase() === lower) ?? aliases[lower];
    if (hit === undefined) throw new InvalidArgumentError(`${what} must be one of: ${choices.join(', ')}.`);
    return hit;
  };
}

export type Acks = 0 | 1 | -1;

export function parseAcks(raw: string): Acks {
  const v = raw.trim().toLowerCase();
  if (v === '0') return 0;
  if (v === '1') return 1;
  if (v === '-1' || v === 'all') return -1;
  throw new InvalidArgumentError('acks must be one of: 0, 1, -1, all.');
}

export const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type CompressionName = (typeof COMPRESSIONS)[number];
export const parseCompression = parseChoice('compression', COMPRESSIONS);

/** Kafka's numeric codec ids, as kafkajs's CompressionTypes. */
export const COMPRESSION_CODES: Record<CompressionName, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

export const FORMATS = ['text', 'json'] as const;
export type ListFormat = (typeof FORMATS)[number];
export const parseListFormat = parseChoice('format', FORMATS);
