// Damaged data directories: bit flips and truncation in sealed and active segments and in the
// indexes, a deleted index, half-written metadata files, stray temp files. The broker either starts and
// says what it found and did (pino lines), or refuses naming the file and byte position — the same
// position `sluice dump-log` reports — and with repair it truncates there and carries on densely.
import { cp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/index.js';
import { ListOffsetsApi } from '../../src/protocol/index.js';
import { CLEAN_SHUTDOWN_FILE } from '../../storage/index.js';
import {
  batchOf,
  createTopic,
  fetchPartition,
  LogCapture,
  produce,
  readAll,
  recordsOf,
  startBroker,
  values,
} from '../helpers/broker.js';
import { runSluice } from '../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';

afterAll(removeTempDirs);

const BATCHES = 40;
const T0 = 1_700_000_000_000;
const valueAt = (i: number) => `v${i}-${'p'.repeat(150)}`;

/** A stopped broker's data dir: topic "c", 40 one-record batches over several 1 KiB segments. */
async function seedTemplate() {
  const t = await startBroker({ flush: 'os', topicDefaults: { segmentBytes: 1024, indexIntervalBytes: 256 } });
  const c = await t.client();
  await createTopic(c, 'c', 1);
  for (let i = 0; i < BATCHES; i++) await produce(c, 'c', 0, batchOf([valueAt(i)], { timestamp: T0 + i * 1000 }));
  await t.stop();
  return t.dataDir;
}

let template: Promise<string> | undefined;

/** A fresh copy of the seeded data dir (seeding once: fsyncs of segment rolls are slow on shared disks). */
async function seeded() {
  template ??= seedTemplate();
  const dataDir = await tempDir('sluice-corrupt-');
  await cp(await template, dataDir, { recursive: true });
  const dir = join(dataDir, 'c-0');
  const segments = (await readdir(dir))
    .filter((n) => n.endsWith('.log'))
    .sort()
    .map((n) => join(dir, n));
  return { dataDir, dir, segments };
}

/**
 * What a crash leaves: the checkpoint, if any, says the shutdown was not clean, so recovery scans, and the
 * data directory has no clean-shutdown file (a start removes it before anything can change). A partition
 * closed by a clean stop has no checkpoint of its own (the clean-shutdown file stands for it): none means
 * recover everything, as recoveryPoint 0 does.
 */
async function markUnclean(dir: string) {
  const path = join(dir, 'partition.checkpoint');
  const cp = await readFile(path, 'utf8').then(JSON.parse, () => undefined);
  if (cp) await writeFile(path, `${JSON.stringify({ ...cp, cleanShutdown: false, recoveryPoint: 0 })}\n`);
  await rm(join(dir, '..', CLEAN_SHUTDOWN_FILE));
}

async function flipByte(file: string, position: number) {
  const bytes = await readFile(file);
  bytes[position]! ^= 0x10;
  await writeFile(file, bytes);
}

async function restart(dataDir: string, options: { repair?: boolean } = {}) {
  const logs = new LogCapture();
  const t = await startBroker({ dataDir, logger: logs.logger, ...options });
  const c = await t.client();
  return { t, c, logs };
}

/** `sluice dump-log <file>`: exit code and the byte position it reports as corrupt. */
async function dumpLog(file: string) {
  const r = await runSluice(['dump-log', file]);
  return { code: r.code, position: Number(/corrupt at byte (\d+)/.exec(r.stderr)?.[1] ?? NaN), stderr: r.stderr };
}

const prefixValues = (n: number) => Array.from({ length: n }, (_, i) => valueAt(i));

describe('corrupt segments', () => {
  it('a bit flip in the active segment after a crash: the tail from that batch is cut, with a warning', async () => {
    const { dataDir, dir, segments } = await seeded();
    const active = segments[segments.length - 1]!;
    const firstOffset = Number(active.slice(-24, -4));
    const batchSize = (await readFile(active)).readInt32BE(8) + 12;
    await flipByte(active, batchSize + 70); // inside the second batch's records: its CRC no longer matches
    await markUnclean(dir);
    const dump = await dumpLog(active);
    expect(dump.code).toBe(1);
    expect(dump.position).toBe(batchSize);

    const { t, c, logs } = await restart(dataDir);
    const warn = logs.find('truncated a torn or corrupt tail of the log');
    expect(warn).toMatchObject({ level: 40, file: active, position: batchSize });
    expect(values(await readAll(c, 'c', 0))).toEqual(prefixValues(firstOffset + 1));
    expect(await produce(c, 'c', 0, batchOf(['after']))).toMatchObject({ errorCode: 0, baseOffset: firstOffset + 1 });
    await t.stop();
  });

  it('a bit flip in a sealed segment after a crash: refused with file and byte position; repair truncates there', async () => {
    const { dataDir, dir, segments } = await seeded();
    const sealed = segments[1]!;
    const base = Number(sealed.slice(-24, -4));
    const batchSize = (await readFile(sealed)).readInt32BE(8) + 12;
    await flipByte(sealed, 2 * batchSize + 80);
    await markUnclean(dir);
    const dump = await dumpLog(sealed);
    expect(dump.position).toBe(2 * batchSize);

    const refused = new Broker({ dataDir, port: 0 });
    await expect(refused.start()).rejects.toThrow(`corrupt log segment ${sealed} at byte ${2 * batchSize}`);

    const { t, c, logs } = await restart(dataDir, { repair: true });
    expect(logs.find(/^repair: truncated a corrupt sealed segment/)).toMatchObject({
      level: 40,
      file: sealed,
      position: 2 * batchSize,
    });
    expect(values(await readAll(c, 'c', 0))).toEqual(prefixValues(base + 2));
    expect(await produce(c, 'c', 0, batchOf(['after']))).toMatchObject({ errorCode: 0, baseOffset: base + 2 });
    await t.stop();
    // Later segments are gone, not left behind to confuse the next start.
    const bases = (await readdir(dir)).filter((n) => n.endsWith('.log')).map((n) => Number(n.slice(0, 20)));
    expect(bases.every((b) => b <= base + 3)).toBe(true);
  });

  it('a sealed segment cut short (even after a clean shutdown) is refused, and `sluice serve` names the file, the byte and --repair', async () => {
    const { dataDir, segments } = await seeded();
    const sealed = segments[1]!;
    const size = (await readFile(sealed)).length;
    await truncate(sealed, size - 50);
    const r = await runSluice(['serve', '--data-dir', dataDir, '--port', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`corrupt log segment ${sealed} at byte`);
    expect(r.stderr).toContain('--repair');
  });

  it('an active segment cut mid-batch after a crash loses only the torn batch', async () => {
    const { dataDir, dir, segments } = await seeded();
    const active = segments[segments.length - 1]!;
    const firstOffset = Number(active.slice(-24, -4));
    const size = (await readFile(active)).length;
    await truncate(active, size - 20);
    await markUnclean(dir);
    const { t, c, logs } = await restart(dataDir);
    expect(logs.find('truncated a torn or corrupt tail of the log')).toBeDefined();
    const kept = await readAll(c, 'c', 0);
    expect(values(kept)).toEqual(prefixValues(kept.length));
    expect(kept.length).toBeGreaterThan(firstOffset);
    expect(kept.length).toBe(BATCHES - 1);
    await t.stop();
  });
});

describe('damaged indexes are rebuilt', () => {
  const damage: Record<string, (dir: string, segments: string[]) => Promise<void>> = {
    'a bit flip in an .index': async (_d, s) => flipByte(s[1]!.replace('.log', '.index'), 5),
    'a garbled .timeindex': async (_d, s) => writeFile(s[1]!.replace('.log', '.timeindex'), Buffer.alloc(36, 0xff)),
    'an .index cut to an odd length': async (_d, s) => truncate(s[0]!.replace('.log', '.index'), 5),
    'a deleted .index and .timeindex': async (_d, s) => {
      await rm(s[2]!.replace('.log', '.index'));
      await rm(s[2]!.replace('.log', '.timeindex'));
    },
  };
  for (const [what, harm] of Object.entries(damage)) {
    it(`${what}: every offset and timestamp lookup is right again`, async () => {
      const { dataDir, dir, segments } = await seeded();
      await harm(dir, segments);
      const { t, c, logs } = await restart(dataDir);
      for (let o = 0; o < BATCHES; o++) {
        const got = await recordsOf(await fetchPartition(c, 'c', 0, o, { partitionMaxBytes: 1 }));
        expect(got[0]?.offset).toBe(o);
        expect(got[0]?.value?.toString()).toBe(valueAt(o));
      }
      for (const o of [0, 7, 23, 39]) {
        const res = await c.request(ListOffsetsApi, {
          isolationLevel: 0,
          topics: [{ name: 'c', partitions: [{ partition: 0, timestamp: T0 + o * 1000 }] }],
        } as never);
        expect(
          (res as { topics: Array<{ partitions: Array<{ offset: number }> }> }).topics[0]!.partitions[0]!.offset,
        ).toBe(o);
      }
      // Found when the partition was loaded: at its first use, the partition having closed cleanly.
      expect(logs.find('index files missing or inconsistent; rebuilding them from the log'), 'logged').toBeDefined();
      await t.stop();
    });
  }
});

describe('metadata files and leftovers', () => {
  it('a half-written topics.json: refused naming the file; with repair the topics are adopted from disk', async () => {
    const { dataDir } = await seeded();
    const path = join(dataDir, 'topics.json');
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.slice(0, Math.floor(text.length / 2)));
    await expect(new Broker({ dataDir, port: 0 }).start()).rejects.toThrow(/topics\.json/);

    const { t, c, logs } = await restart(dataDir, { repair: true });
    expect(logs.find(/topics\.json .*moved aside/)).toMatchObject({ level: 40 });
    expect(logs.find('adopting partitions found on disk but missing from topics.json')).toBeDefined();
    expect(values(await readAll(c, 'c', 0))).toEqual(prefixValues(BATCHES));
    await t.stop();
  });

  it('a half-written meta.json: refused naming the file; with repair a new cluster id is written', async () => {
    const { dataDir } = await seeded();
    await writeFile(join(dataDir, 'meta.json'), '{"clusterId": "abc');
    await expect(new Broker({ dataDir, port: 0 }).start()).rejects.toThrow(/meta\.json/);
    const { t, c, logs } = await restart(dataDir, { repair: true });
    expect(logs.find(/meta\.json .*moved aside/)).toMatchObject({ level: 40 });
    expect(values(await readAll(c, 'c', 0))).toEqual(prefixValues(BATCHES));
    await t.stop();
  });

  it('stray temp files and a garbled checkpoint: removed or ignored, with a warning, and nothing is lost', async () => {
    const { dataDir, dir } = await seeded();
    await writeFile(join(dataDir, 'topics.json.tmp'), '{"version":1,"top');
    await writeFile(join(dir, 'partition.checkpoint.tmp'), 'half');
    await writeFile(join(dir, '00000000000000000000.index.tmp'), Buffer.alloc(3));
    await writeFile(join(dir, 'partition.checkpoint'), '{"version":1,"logStart');
    const { t, c, logs } = await restart(dataDir);
    expect(values(await readAll(c, 'c', 0))).toEqual(prefixValues(BATCHES));
    // Found when the partition was loaded: at its first use, the partition having closed cleanly.
    expect(logs.find('checkpoint is garbled; ignoring it and recovering the whole log')).toMatchObject({ level: 40 });
    await t.stop();
    const left = [...(await readdir(dataDir)), ...(await readdir(dir))].filter((n) => n.endsWith('.tmp'));
    expect(left).toEqual([]);
  });
});

describe('damage a clean shutdown does not look for', () => {
  it('a bit flip inside a sealed segment after a clean shutdown is found by `sluice dump-log`', async () => {
    // Like Kafka, a clean start trusts sealed segments (verifying every CRC would make start O(data)).
    const { segments } = await seeded();
    const batchSize = (await readFile(segments[1]!)).readInt32BE(8) + 12;
    await flipByte(segments[1]!, batchSize + 90);
    const dump = await dumpLog(segments[1]!);
    expect(dump.code).toBe(1);
    expect(dump.position).toBe(batchSize);
    expect(dump.stderr).toContain('CRC mismatch');
  });
});
