// Flag values, times and lines as a person types them, and the messages a bad one gets.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from 'commander';
import {
  parseAcks,
  parseBrokerList,
  parseChoice,
  parseInteger,
  parseKeyValue,
  parseSize,
} from '../../cli/lib/options.js';
import { durationMs, formatDuration, isoMs, parsePosition, parseTimeSpec } from '../../cli/lib/time.js';
import { LineSplitter } from '../../cli/lib/lines.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');

describe('time specs', () => {
  it('reads durations as "that long ago"', () => {
    expect(durationMs('15m')).toBe(15 * 60_000);
    expect(durationMs('2h')).toBe(7_200_000);
    expect(durationMs('3d')).toBe(3 * 86_400_000);
    expect(durationMs('1h30m')).toBe(5_400_000);
    expect(durationMs('500ms')).toBe(500);
    expect(durationMs('1.5s')).toBe(1500);
    expect(parseTimeSpec('15m', NOW)).toBe(NOW - 900_000);
    expect(parseTimeSpec('now', NOW)).toBe(NOW);
  });

  it('reads ISO 8601 times with and without zone', () => {
    expect(parseTimeSpec('2024-05-01T10:00:00Z', NOW)).toBe(Date.parse('2024-05-01T10:00:00Z'));
    expect(parseTimeSpec('2024-05-01T10:00:00.250+02:00', NOW)).toBe(Date.parse('2024-05-01T08:00:00.250Z'));
    expect(isoMs('2024-05-01')).toBe(Date.parse('2024-05-01'));
    expect(isoMs('2024-05-01 10:00')).toBe(Date.parse('2024-05-01T10:00'));
  });

  it('rejects malformed times with what it accepts', () => {
    for (const bad of ['yesterday', '15', '15x', '2024-13-45T99:00', '', 'm15', '2024/05/01']) {
      expect(() => parseTimeSpec(bad, NOW), bad).toThrow(InvalidArgumentError);
    }
    expect(() => parseTimeSpec('soon', NOW)).toThrow(
      /'soon' is not a time: expected an ISO 8601 time .* or a duration ago \(30s, 15m, 2h, 3d\)/,
    );
  });

  it('tells offsets from times in replay positions', () => {
    expect(parsePosition('42', NOW)).toEqual({ kind: 'offset', offset: 42 });
    expect(parsePosition('1h', NOW)).toEqual({ kind: 'time', timestamp: NOW - 3_600_000 });
    expect(parsePosition('2024-05-01T00:00:00Z', NOW)).toEqual({
      kind: 'time',
      timestamp: Date.parse('2024-05-01T00:00:00Z'),
    });
    expect(() => parsePosition('-3', NOW)).toThrow(/neither an offset nor a time/);
  });

  it('formats durations briefly', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(1234)).toBe('1.23s');
    expect(formatDuration(65_000)).toBe('1m05s');
  });
});

describe('flag values', () => {
  it('parses integers within bounds and says why not', () => {
    const p = parseInteger('partitions', 1, 100);
    expect(p('3')).toBe(3);
    expect(p('1_0')).toBe(10);
    expect(() => p('abc')).toThrow('partitions must be a whole number.');
    expect(() => p('0')).toThrow('partitions must be at least 1.');
    expect(() => p('101')).toThrow('partitions must be at most 100.');
    expect(() => p('1.5')).toThrow(InvalidArgumentError);
  });

  it('parses acks including -1 and all', () => {
    expect(parseAcks('0')).toBe(0);
    expect(parseAcks('1')).toBe(1);
    expect(parseAcks('-1')).toBe(-1);
    expect(parseAcks('ALL')).toBe(-1);
    expect(() => parseAcks('2')).toThrow('acks must be one of: 0, 1, -1, all.');
  });

  it('lists accepted values for a choice', () => {
    const p = parseChoice('format', ['text', 'json', 'raw'] as const);
    expect(p('JSON')).toBe('json');
    expect(() => p('xml')).toThrow('format must be one of: text, json, raw.');
  });

  it('parses broker lists', () => {
    expect(parseBrokerList('127.0.0.1:9650')).toEqual(['127.0.0.1:9650']);
    expect(parseBrokerList('a:1, b:2')).toEqual(['a:1', 'b:2']);
    expect(parseBrokerList('[::1]:9650')).toEqual(['[::1]:9650']);
    expect(() => parseBrokerList('localhost')).toThrow(/'localhost' is not a broker address: expected host:port/);
    expect(() => parseBrokerList('h:70000')).toThrow(InvalidArgumentError);
  });

  it('parses key=value and sizes', () => {
    expect(parseKeyValue('config')('retention.ms=1000')).toEqual(['retention.ms', '1000']);
    expect(parseKeyValue('header')('a=b=c')).toEqual(['a', 'b=c']);
    expect(() => parseKeyValue('config')('novalue')).toThrow('config must look like key=value.');
    expect(parseSize('size')('1k')).toBe(1024);
    expect(parseSize('size')('2MiB')).toBe(2 * 1024 * 1024);
  });
});

describe('LineSplitter', () => {
  const split = (chunks: string[]) => {
    const s = new LineSplitter();
    const out: string[] = [];
    for (const c of chunks) out.push(...s.push(Buffer.from(c)).map((b) => b.toString()));
    const last = s.end();
    if (last) out.push(last.toString());
    return out;
  };

  it('splits across chunk boundaries at every position', () => {
    const text = 'alpha\nbeta\r\n\ngamma\ndelta';
    for (let i = 0; i <= text.length; i++) {
      for (let j = i; j <= text.length; j++) {
        expect(split([text.slice(0, i), text.slice(i, j), text.slice(j)])).toEqual([
          'alpha',
          'beta',
          '',
          'gamma',
          'delta',
        ]);
      }
    }
  });

  it('does not invent a line after a final newline', () => {
    expect(split(['a\nb\n'])).toEqual(['a', 'b']);
    expect(split([''])).toEqual([]);
  });
});
