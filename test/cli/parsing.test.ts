// Flag values, times and lines as a person types them, and the messages a bad one gets.
import { describe, expect, it, vi } from 'vitest';
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
import { type Line, LineReader } from '../../cli/lib/lines.js';

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

describe('LineReader', () => {
  const split = (chunks: string[], max?: number) => {
    const s = new LineReader(max);
    const out: string[] = [];
    const show = (l: Line) => ('tooLong' in l ? `#${l.number} too long` : `#${l.number} ${l.bytes.toString()}`);
    for (const c of chunks) out.push(...s.push(Buffer.from(c)).map(show));
    const last = s.end();
    if (last) out.push(show(last));
    return out;
  };

  it('splits across chunk boundaries at every position, numbering lines', () => {
    const text = 'alpha\nbeta\r\n\ngamma\ndelta';
    for (let i = 0; i <= text.length; i++) {
      for (let j = i; j <= text.length; j++) {
        expect(split([text.slice(0, i), text.slice(i, j), text.slice(j)])).toEqual([
          '#1 alpha',
          '#2 beta',
          '#3 ',
          '#4 gamma',
          '#5 delta',
        ]);
      }
    }
  });

  it('does not invent a line after a final newline', () => {
    expect(split(['a\nb\n'])).toEqual(['#1 a', '#2 b']);
    expect(split([''])).toEqual([]);
  });

  it('reports a line over the limit once, at every split position, and goes on with the next line', () => {
    const text = 'ok\nthis line is too long\r\nfine\r\nexactly10!\r\n';
    for (let i = 0; i <= text.length; i++) {
      expect(split([text.slice(0, i), text.slice(i)], 10), `split at ${i}`).toEqual([
        '#1 ok',
        '#2 too long',
        '#3 fine',
        '#4 exactly10!',
      ]);
    }
    expect(split(['x'.repeat(11)], 10)).toEqual(['#1 too long']);
  });

  it('skips the rest of a line over the limit without keeping it', () => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const reader = new LineReader(1024 * 1024);
    const found: Line[] = [];
    const copies = vi.spyOn(Buffer, 'from');
    for (let i = 0; i < 2048; i++) reader.push(chunk, found); // 128 MiB without a newline
    // Pieces are kept (copied) only until the limit is passed: 16 chunks, then nothing more.
    expect(copies.mock.calls.length).toBeLessThanOrEqual(17);
    copies.mockRestore();
    found.push(...reader.push(Buffer.from('\nnext\n')));
    expect(found.map((l) => ('tooLong' in l ? `${l.number} too long` : l.bytes.toString()))).toEqual([
      '1 too long',
      'next',
    ]);
  });

  it('joins a line spread over many chunks once (linear: the old splitter re-copied it per chunk)', () => {
    const reader = new LineReader();
    const pieces = Array.from({ length: 1000 }, (_, i) => Buffer.from(`${i},`));
    const out: Line[] = [];
    const joins = vi.spyOn(Buffer, 'concat');
    for (const piece of pieces) reader.push(piece, out);
    reader.push(Buffer.from('\n'), out);
    expect(joins).toHaveBeenCalledTimes(1);
    joins.mockRestore();
    expect(out).toHaveLength(1);
    expect((out[0] as { bytes: Buffer }).bytes.toString()).toBe(pieces.map(String).join(''));
  });
});
