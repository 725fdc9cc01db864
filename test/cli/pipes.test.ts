// Bulk data through real pipes: 100,000 lines into `sluice produce`, out of `sluice consume`, and the
// segment files they leave behind read back by `sluice dump-log`.
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { tempDir } from '../helpers/temp-dir.js';
import { jsonLines, sluice, useLiveBroker } from './helpers.js';

// Each test runs several child processes; a loaded 2-core machine can slow each one several-fold.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const server = useLiveBroker();

const N = 100_000;
const KEYS = 50;

async function* lines(): AsyncGenerator<string> {
  // Chunks of ~1,000 lines, so the pipe carries many writes and lines straddle chunk boundaries.
  let chunk = '';
  for (let i = 0; i < N; i++) {
    chunk += `key-${i % KEYS}|${i}\n`;
    if (chunk.length > 16_000) {
      yield chunk;
      chunk = '';
    }
  }
  yield chunk;
}

describe('produce → consume through pipes', () => {
  it('moves 100,000 lines and loses nothing, in order per partition and per key', async () => {
    expect((await sluice(['topics', 'create', 'bulk', '-p', '4', ...server.flags])).code).toBe(0);
    const produced = await sluice(['produce', 'bulk', '--key-separator', '|', '--acks', 'all', ...server.flags], {
      input: lines(),
      timeoutMs: 60_000,
    });
    expect(produced.stderr).toMatch(/^produced 100,000 records .* to 'bulk'/);
    expect(produced.code).toBe(0);

    const consumed = await sluice(['consume', 'bulk', '--from-beginning', '-e', '--format', 'json', ...server.flags], {
      timeoutMs: 60_000,
    });
    expect(consumed.code).toBe(0);
    expect(consumed.stderr).toBe('consumed 100,000 records\n');
    const records = jsonLines<{ partition: number; offset: number; key: string; value: string }>(consumed.stdout);
    expect(records).toHaveLength(N);

    const seen = new Set(records.map((r) => Number(r.value)));
    expect(seen.size).toBe(N);
    const lastOffset = new Map<number, number>();
    const lastSeq = new Map<string, number>();
    const partitionOfKey = new Map<string, number>();
    for (const r of records) {
      // Offsets are dense and increasing per partition; each key's sequence numbers increase.
      expect(r.offset).toBe((lastOffset.get(r.partition) ?? -1) + 1);
      lastOffset.set(r.partition, r.offset);
      const seq = Number(r.value);
      expect(seq).toBeGreaterThan(lastSeq.get(r.key) ?? -1);
      lastSeq.set(r.key, seq);
      expect(partitionOfKey.get(r.key) ?? r.partition).toBe(r.partition);
      partitionOfKey.set(r.key, r.partition);
    }
    expect(lastOffset.size).toBe(4);

    // The text format carries the same lines back through a pipe.
    const text = await sluice(
      ['consume', 'bulk', '--from-beginning', '-e', '--print-key', '--key-separator', '|', ...server.flags],
      { timeoutMs: 60_000 },
    );
    const back = text.stdout.split('\n').filter(Boolean);
    expect(back).toHaveLength(N);
    expect(new Set(back)).toEqual(new Set(Array.from({ length: N }, (_, i) => `key-${i % KEYS}|${i}`)));
  });
});

describe('dump-log', () => {
  it('prints the batches and records of a segment the broker wrote', async () => {
    await sluice(['produce', 'dumped', '-K', '=', ...server.flags], { input: 'a=1\nb=2\nc=3\n' });
    await sluice(['produce', 'dumped', ...server.flags], { input: 'four\n' });
    const segment = join(server.broker.dataDir, 'dumped-0', '00000000000000000000.log');
    const r = await sluice(['dump-log', segment, '--records']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^baseOffset: 0 lastOffset: 2 count: 3 position: 0 size: \d+ createTime: \S+ baseTimestamp: \S+ compression: none producerId: \d+ producerEpoch: \d+ crc: 0x[0-9a-f]{8} valid\n/,
    );
    expect(r.stdout).toMatch(/\| offset: 1 timestamp: \S+ key: "b" value: "2"\n/);
    expect(r.stdout).toMatch(/\nbaseOffset: 3 lastOffset: 3 count: 1 /);
    expect(r.stdout).toMatch(/: 2 batches, 4 records, offsets 0\.\.3, \d+ B, all CRCs valid\n$/);

    const json = jsonLines<{ kind: string; crcValid?: boolean; records?: unknown[] }>(
      (await sluice(['dump-log', segment, '--format', 'json'])).stdout,
    );
    expect(json.map((e) => e.kind)).toEqual(['batch', 'batch', 'summary']);
    expect(json[0]).toMatchObject({ baseOffset: 0, lastOffset: 2, count: 3, crcValid: true, compression: 'none' });
  });

  it('says where a segment is corrupt and exits 1', async () => {
    const dir = await tempDir('sluice-dump-');
    const segment = join(server.broker.dataDir, 'dumped-0', '00000000000000000000.log');
    const bytes = readFileSync(segment);
    const firstSize = bytes.readInt32BE(8) + 12;
    const flipped = join(dir, '00000000000000000000.log');
    copyFileSync(segment, flipped);
    const bad = Buffer.from(bytes);
    bad[firstSize + 65]! ^= 0x40;
    writeFileSync(flipped, bad);
    const r = await sluice(['dump-log', flipped]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `corrupt at byte ${firstSize} (after offset 2): CRC mismatch in batch with offsets 3..3`,
    );
    expect(r.stderr).toMatch(
      new RegExp(
        `^error: .*00000000000000000000\\.log is corrupt at byte ${firstSize} \\(after offset 2\\): CRC mismatch`,
      ),
    );

    const torn = join(dir, 'torn.log');
    writeFileSync(torn, bytes.subarray(0, bytes.length - 3));
    const t = await sluice(['dump-log', torn]);
    expect(t.code).toBe(1);
    expect(t.stderr).toMatch(
      /is corrupt at byte \d+ \(after offset 2\): batch of \d+ bytes is cut off: only \d+ bytes left in the file \(torn write\)/,
    );

    const missing = await sluice(['dump-log', join(dir, 'nope.log')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: no such file: /);
    expect(readdirSync(dir).length).toBeGreaterThan(0);
  });
});
