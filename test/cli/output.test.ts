// Tables, record rendering, error sentences and latency figures.
import { describe, expect, it } from 'vitest';
import { CliError, UsageError, describeError, exitCodeOf, socketFailure } from '../../cli/lib/errors.js';
import { colorsEnabled, formatBytes, paint, renderTable, visibleLength } from '../../cli/lib/output.js';
import { recordToJson, textOf } from '../../cli/lib/records.js';
import { LatencyStats } from '../../cli/lib/stats.js';

describe('tables', () => {
  it('aligns columns, numbers to the right', () => {
    const out = renderTable(
      [{ header: 'TOPIC' }, { header: 'PARTITIONS', align: 'right' }],
      [
        ['orders', '3'],
        ['a-much-longer-name', '12'],
      ],
    );
    expect(out).toBe(
      ['TOPIC               PARTITIONS', 'orders                       3', 'a-much-longer-name          12', ''].join(
        '\n',
      ),
    );
  });

  it('measures width without color codes', () => {
    const p = paint(true);
    expect(visibleLength(p.bold('abc'))).toBe(3);
    const out = renderTable([{ header: 'A' }, { header: 'B' }], [['x', 'y']], p);
    expect(out).toContain('\x1b[1mA\x1b[22m');
  });

  it('colors only terminals, and never with NO_COLOR', () => {
    expect(colorsEnabled({ write: () => true, isTTY: true }, {})).toBe(true);
    expect(colorsEnabled({ write: () => true, isTTY: false }, {})).toBe(false);
    expect(colorsEnabled({ write: () => true, isTTY: true }, { NO_COLOR: '1' })).toBe(false);
  });

  it('formats byte counts', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(200 * 1024 * 1024)).toBe('200.0 MiB');
  });
});

describe('records', () => {
  it('renders text, escapes control characters and shows raw bytes', () => {
    expect(textOf(Buffer.from('héllo'))).toBe('héllo');
    expect(textOf(Buffer.from('a\nb\tc'))).toBe('a\\nb\\tc');
    expect(textOf(Buffer.from([0xff, 0x41]))).toBe('\\xffA');
    expect(textOf(null, '(null)')).toBe('(null)');
  });

  it('gives one JSON object with every field, base64 for binary', () => {
    const json = recordToJson({
      topic: 't',
      partition: 1,
      offset: '5',
      timestamp: '1700000000000',
      key: Buffer.from('k'),
      value: Buffer.from([0xff, 0x00]),
      headers: { a: Buffer.from('1'), b: [Buffer.from('x'), Buffer.from('y')] },
    });
    expect(json).toEqual({
      topic: 't',
      partition: 1,
      offset: 5,
      timestamp: 1700000000000,
      key: 'k',
      value: '/wA=',
      headers: { a: '1', b: ['x', 'y'] },
      base64: ['value'],
    });
  });
});

describe('error sentences', () => {
  it('finds a refused connection anywhere in the cause chain', () => {
    const sock = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9650'), {
      code: 'ECONNREFUSED',
      address: '127.0.0.1',
      port: 9650,
    });
    const wrapped = new Error('Connection error', { cause: new Error('retries exceeded', { cause: sock }) });
    expect(socketFailure(wrapped)).toEqual({ reason: 'connection refused', address: '127.0.0.1:9650' });
    expect(describeError(wrapped)).toBe('cannot reach broker 127.0.0.1:9650: connection refused');
  });

  it('uses the broker list when the error names no address', () => {
    const err = Object.assign(new Error('boom'), { code: 'ECONNREFUSED' });
    expect(describeError(err, { brokers: ['10.0.0.1:9650'] })).toBe(
      'cannot reach broker 10.0.0.1:9650: connection refused',
    );
  });

  it('keeps the first line of other errors and their type', () => {
    const err = Object.assign(new Error('This server does not host this topic-partition\n  at x'), {
      type: 'UNKNOWN_TOPIC_OR_PARTITION',
    });
    expect(describeError(err)).toBe('This server does not host this topic-partition (UNKNOWN_TOPIC_OR_PARTITION)');
  });

  it('maps error kinds to exit codes', () => {
    expect(exitCodeOf(new UsageError('x'))).toBe(2);
    expect(exitCodeOf(new CliError('x'))).toBe(1);
    expect(exitCodeOf(new Error('x'))).toBe(1);
  });
});

describe('latency stats', () => {
  const within = (actual: number, exact: number) => expect(Math.abs(actual - exact)).toBeLessThanOrEqual(exact * 0.004);

  it('computes weighted percentiles within 0.4 % and avg and max exactly', () => {
    const s = new LatencyStats();
    for (let i = 1; i <= 100; i++) s.add(i);
    expect(s.avg).toBe(50.5);
    expect(s.max).toBe(100);
    const [p50, p95, p99, p100] = s.percentiles([50, 95, 99, 100]);
    within(p50!, 50);
    within(p95!, 95);
    within(p99!, 99);
    expect(p100).toBe(100);
    const w = new LatencyStats();
    w.add(1, 99);
    w.add(1000, 1);
    const [w50, w99, w100] = w.percentiles([50, 99, 100]);
    within(w50!, 1);
    within(w99!, 1);
    expect(w100).toBe(1000);
  });

  it('matches the exact percentiles of a million samples', () => {
    const s = new LatencyStats();
    const exact: number[] = [];
    let seed = 7;
    const random = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    for (let i = 0; i < 1_000_000; i++) {
      const ms = 0.01 * 10 ** (6 * random()); // 10 µs .. 10 s, log-uniform
      s.add(ms);
      exact.push(Math.round(ms * 1000) / 1000); // what the histogram sees: whole µs
    }
    exact.sort((a, b) => a - b);
    const ps = [1, 50, 90, 99, 99.9];
    const found = s.percentiles(ps);
    for (const [i, p] of ps.entries()) within(found[i]!, exact[Math.ceil((p / 100) * exact.length) - 1]!);
    expect(s.count).toBe(1_000_000);
  });

  it('reports below 128 µs to the µs, and neither zero nor a value of years breaks it', () => {
    const s = new LatencyStats();
    s.add(0.05, 3);
    s.add(0.127);
    expect(s.percentiles([50, 100])).toEqual([0.05, 0.127]);
    const edges = new LatencyStats();
    edges.add(0);
    edges.add(1e12);
    expect(edges.percentiles([0, 50, 100])).toEqual([0, 0, 1e12]);
  });
});
