// `sluice produce`, `consume`, `replay` and `perf` as child processes against a live in-process broker:
// output (text, JSON, raw), positions and bounds, Ctrl-C, failures and their exit codes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { parkedFetchWaits } from '../helpers/broker.js';
import { tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { jsonLines, sluice, sluiceOnTty, useLiveBroker } from './helpers.js';

// Each test runs several child processes; a loaded 2-core machine can slow each one several-fold.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const server = useLiveBroker();

describe('produce and consume', () => {
  it('sends lines with keys and headers and prints them as text, JSON and raw', async () => {
    await sluice(['topics', 'create', 'kv', '-p', '2', ...server.flags]);
    const p = await sluice(['produce', 'kv', '-K', ':', '-H', 'src=cli', '-H', 'v=1', ...server.flags], {
      input: 'alice:hello\nbob:world\nno-key-here\n',
    });
    expect(p.code).toBe(0);
    expect(p.stderr).toMatch(/produced 3 records .* to 'kv' in /);
    expect(p.stderr).toMatch(/1 line had no ':' and was sent with a null key/);

    const json = jsonLines<{
      topic: string;
      partition: number;
      offset: number;
      timestamp: number;
      key: string | null;
      value: string;
      headers: Record<string, string>;
    }>((await sluice(['consume', 'kv', '--from-beginning', '-e', '--format', 'json', ...server.flags])).stdout);
    expect(json.map((r) => [r.key, r.value]).sort()).toEqual(
      [
        ['alice', 'hello'],
        ['bob', 'world'],
        [null, 'no-key-here'],
      ].sort(),
    );
    for (const r of json) {
      expect(r.topic).toBe('kv');
      expect(r.headers).toEqual({ src: 'cli', v: '1' });
      expect(Math.abs(r.timestamp - Date.now())).toBeLessThan(60_000);
      expect(typeof r.offset).toBe('number');
    }

    const text = await sluice([
      'consume',
      'kv',
      '--from-beginning',
      '-e',
      '--print-key',
      '--print-headers',
      ...server.flags,
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n').filter(Boolean).sort()).toEqual(
      ['src=cli,v=1\talice\thello', 'src=cli,v=1\tbob\tworld', 'src=cli,v=1\t\tno-key-here'].sort(),
    );
    expect(text.stderr).toBe('consumed 3 records\n');

    const raw = await sluice([
      'consume',
      'kv',
      '--from-beginning',
      '-e',
      '--format',
      'raw',
      '--partition',
      String(json.find((r) => r.key === 'alice')!.partition),
      ...server.flags,
    ]);
    expect(raw.stdout).toContain('hello');
    expect(raw.stdout).not.toContain('\n');
  });

  it('starts at an offset, a partition, a time; stops at --max-messages and --until', async () => {
    await sluice(['topics', 'create', 'pos', ...server.flags]);
    await sluice(['produce', 'pos', ...server.flags], {
      input: Array.from({ length: 10 }, (_, i) => `m${i}`).join('\n'),
    });
    const lines = async (...args: string[]) =>
      (await sluice(['consume', 'pos', '-e', ...args, ...server.flags])).stdout.split('\n').filter(Boolean);
    expect(await lines('--offset', '7')).toEqual(['m7', 'm8', 'm9']);
    expect(await lines('--offset', '-2')).toEqual(['m8', 'm9']);
    expect(await lines('--from-beginning', '--max-messages', '3')).toEqual(['m0', 'm1', 'm2']);
    expect(await lines('--since', '1h')).toHaveLength(10);
    expect(await lines('--since', '2000-01-01T00:00:00Z', '--until', '2000-01-02T00:00:00Z')).toEqual([]);
    expect(await lines('--from-beginning', '--until', '2000-01-01')).toEqual([]);
    expect(await lines('--since', new Date(Date.now() + 3_600_000).toISOString())).toEqual([]);
    expect(await lines()).toEqual([]); // default: only new records, and -e stops at once
    const bad = await sluice(['consume', 'pos', '--partition', '4', '-e', ...server.flags]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe("error: partition 4 does not exist: topic 'pos' has 1 partition (0..0)\n");
  });

  it('keeps following without -e until Ctrl-C, then exits cleanly', async () => {
    await sluice(['topics', 'create', 'live', ...server.flags]);
    let seen = '';
    let resolveSeen!: () => void;
    const got = new Promise<void>((r) => (resolveSeen = r));
    const { spawn } = await import('node:child_process');
    const { binary } = await import('./helpers.js');
    const child = spawn(process.execPath, [binary, 'consume', 'live', ...server.flags], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes('late')) resolveSeen();
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Without --from-beginning it starts at the end as it finds it: once its fetch waits on the broker,
    // the end it took is before "late" (a process start can take seconds on a busy machine).
    await waitFor(() => parkedFetchWaits(server.broker.broker) > 0, {
      timeoutMs: 20_000,
      message: 'the consumer to wait for records',
    });
    await sluice(['produce', 'live', ...server.flags], { input: 'late\n' });
    await got;
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(seen).toBe('late\n');
    expect(stderr).toBe('consumed 1 record\n');
  });

  it('reads --file, and names a missing file or a directory', async () => {
    const dir = await tempDir('sluice-cli-file-');
    const file = join(dir, 'lines.txt');
    writeFileSync(file, 'one\ntwo\r\nthree');
    const r = await sluice(['produce', 'fromfile', '--file', file, ...server.flags]);
    expect(r.code).toBe(0);
    expect((await sluice(['consume', 'fromfile', '--from-beginning', '-e', ...server.flags])).stdout).toBe(
      'one\ntwo\nthree\n',
    );
    const missing = await sluice(['produce', 'fromfile', '--file', join(dir, 'nope.txt'), ...server.flags]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`error: no such file: ${join(dir, 'nope.txt')}\n`);
    const directory = await sluice(['produce', 'fromfile', '--file', dir, ...server.flags]);
    expect(directory.code).toBe(1);
    expect(directory.stderr).toBe(`error: ${dir} is a directory: give a file with one record per line\n`);
  });

  it('refuses a line the topic cannot take, naming it, and names a missing partition', async () => {
    await sluice(['topics', 'create', 'small', '--config', 'max.message.bytes=200', ...server.flags]);
    const r = await sluice(['produce', 'small', ...server.flags], { input: `${'x'.repeat(1000)}\n` });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: line 1 is longer than 200 bytes \(the topic's max\.message\.bytes; /);
    const p = await sluice(['produce', 'small', '--partition', '3', ...server.flags], { input: 'x\n' });
    expect(p.code).toBe(1);
    expect(p.stderr).toBe("error: partition 3 does not exist: topic 'small' has 1 partition (0..0)\n");
  });
});

describe('replay', () => {
  it('copies a range with keys, headers and timestamps kept', async () => {
    await sluice(['topics', 'create', 'src', '-p', '2', ...server.flags]);
    const input = Array.from({ length: 40 }, (_, i) => `k${i % 5}:v${i}`).join('\n');
    await sluice(['produce', 'src', '-K', ':', '-H', 'trace=abc', ...server.flags], { input });
    const all = await sluice(['replay', 'src', '--from', '1h', '--into', 'dst', ...server.flags]);
    expect(all.code).toBe(0);
    expect(all.stderr).toMatch(/created topic 'dst' with 2 partitions/);
    expect(all.stderr).toMatch(/replayed 40 records from 'src' into 'dst'/);
    expect(all.stderr).not.toContain('\r');
    const strip = (r: {
      partition: number;
      offset: number;
      timestamp: number;
      key: string;
      value: string;
      headers: unknown;
    }) => ({ ...r, topic: undefined });
    const src = jsonLines<never>(
      (await sluice(['consume', 'src', '--from-beginning', '-e', '--format', 'json', ...server.flags])).stdout,
    ).map(strip);
    const dst = jsonLines<never>(
      (await sluice(['consume', 'dst', '--from-beginning', '-e', '--format', 'json', ...server.flags])).stdout,
    ).map(strip);
    const order = (x: { partition: number; offset: number }, y: { partition: number; offset: number }) =>
      x.partition - y.partition || x.offset - y.offset;
    expect(dst.sort(order)).toEqual(src.sort(order));

    const some = await sluice(['replay', 'src', '--from', '5', '--to', '8', '--into', 'dst2', ...server.flags]);
    expect(some.stderr).toMatch(/replayed 6 records/); // offsets 5, 6, 7 of each partition
    const none = await sluice([
      'replay',
      'src',
      '--from',
      '2000-01-01T00:00:00Z',
      '--to',
      '2000-01-02T00:00:00Z',
      '--into',
      'dst3',
      ...server.flags,
    ]);
    expect(none.code).toBe(0);
    expect(none.stderr).toMatch(/nothing to replay/);
    const self = await sluice(['replay', 'src', '--from', '0', '--into', 'src', ...server.flags]);
    expect(self.code).toBe(2);
    const badFrom = await sluice(['replay', 'src', '--from', 'later', '--into', 'x', ...server.flags]);
    expect(badFrom.code).toBe(2);
    expect(badFrom.stderr).toMatch(/'later' is neither an offset nor a time/);
  });

  it('draws a progress bar on a terminal', async () => {
    const r = await sluiceOnTty(['replay', 'src', '--from', '0', '--into', 'dst-tty', ...server.flags]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/replaying src → dst-tty .*100%/);
  });
});

describe('perf', () => {
  it('produces and consumes generated records and reports throughput and latency percentiles', async () => {
    const p = await sluice([
      'perf',
      'produce',
      'perf',
      '--records',
      '20000',
      '--record-size',
      '100',
      '--acks',
      '1',
      ...server.flags,
    ]);
    expect(p.code).toBe(0);
    expect(p.stdout).toMatch(
      /^20,000 records sent in [\d.]+s: [\d,]+ records\/s \([\d.]+ MiB\/s\)\nproduce latency, ms: avg [\d.]+, p50 [\d.]+, p95 [\d.]+, p99 [\d.]+, max [\d.]+\n$/,
    );
    const c = await sluice(['perf', 'consume', 'perf', '--records', '20000', '--format', 'json', ...server.flags]);
    expect(c.code).toBe(0);
    const [s] = jsonLines<{ records: number; bytes: number; recordsPerSec: number; latencyP99Ms: number }>(c.stdout);
    expect(s).toMatchObject({
      records: 20000,
      bytes: 2_000_000,
      latency: 'record age at receipt (receipt time − record timestamp)',
    });
    expect(s!.recordsPerSec).toBeGreaterThan(0);
    const throttled = await sluice([
      'perf',
      'produce',
      'perf',
      '--records',
      '300',
      '--record-size',
      '10',
      '--throughput',
      '500',
      '--format',
      'json',
      ...server.flags,
    ]);
    const [t] = jsonLines<{ elapsedMs: number; recordsPerSec: number }>(throttled.stdout);
    expect(t!.elapsedMs).toBeGreaterThanOrEqual(550);
    expect(t!.recordsPerSec).toBeLessThanOrEqual(550);
    const short = await sluice(['perf', 'consume', 'perf', '--records', '30000', '--timeout', '1s', ...server.flags]);
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/error: only 20,\d{3} of 30,000 records arrived/);
  });
});
