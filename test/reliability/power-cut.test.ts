// Power cuts: the broker runs on a simulated disk (storage's PowerCutDisk) that keeps what was written but
// not fsynced only until the cut, then throws it away (or tears it). A new broker on the same disk must
// recover cleanly and hold everything it acknowledged under flush=always and everything that was durable.
// The rounds cut at a random file operation (seeded) — during recovery, under load, inside a graceful
// stop — see test/reliability/lib/power-cut.ts; bench/soak/power-cut.ts runs many more of them.
import { mkdir, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/index.js';
import { ErrorCode, InitProducerIdApi, MetadataApi, OffsetCommitApi } from '../../src/protocol/index.js';
import { PowerCutDisk } from '../../storage/index.js';
import { batchOf, createTopic, produce, readAll, values } from '../helpers/broker.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { WireClient } from '../helpers/wire-client.js';
import { powerCutRounds } from './lib/power-cut.js';
import { rng } from './lib/rng.js';

afterAll(removeTempDirs);

/**
 * A broker on the disk, started, with a connected client; `stop` stops it (a broker cut off from its disk
 * fails to). The real directory exists too, empty: only something that needs a real path uses it (a lock).
 */
async function boot(disk: PowerCutDisk, dataDir: string) {
  await mkdir(dataDir, { recursive: true });
  const broker = new Broker({ dataDir, fs: disk.mount(), port: 0, flush: 'always', maintenanceIntervalMs: 10_000 });
  await broker.start();
  const client = await WireClient.connect(broker.port);
  return {
    client,
    async stop() {
      client.destroy();
      await broker.stop().catch(() => undefined);
    },
  };
}

const newProducerId = async (c: WireClient) => {
  const res = await c.request(InitProducerIdApi, {
    transactionalId: null,
    transactionTimeoutMs: 60_000,
    producerId: -1,
    producerEpoch: -1,
  });
  expect(res.errorCode).toBe(ErrorCode.NONE);
  return res.producerId;
};

describe('power cut right after a first start', () => {
  it('keeps a data directory the broker created, with what it acknowledged and its cluster id', async () => {
    const disk = new PowerCutDisk(await tempDir('sluice-power-cut-'));
    const dataDir = join(disk.root, 'var', 'sluice');
    const first = await boot(disk, dataDir);
    expect((await createTopic(first.client, 'kept', 1)).errorCode).toBe(ErrorCode.NONE);
    expect((await produce(first.client, 'kept', 0, batchOf(['acknowledged']))).errorCode).toBe(ErrorCode.NONE);
    const { clusterId } = await first.client.request(MetadataApi, { topics: null, allowAutoTopicCreation: false });
    disk.cut();
    await first.stop();

    const second = await boot(disk, dataDir);
    const meta = await second.client.request(MetadataApi, { topics: null, allowAutoTopicCreation: false });
    expect(meta.topics.map((t) => t.name)).toEqual(['kept']);
    expect(meta.clusterId).toBe(clusterId);
    expect(values(await readAll(second.client, 'kept', 0))).toEqual(['acknowledged']);
    await second.stop();
  });

  it('never hands out a producer id again, even when the power is cut before anything else was written', async () => {
    const disk = new PowerCutDisk(await tempDir('sluice-power-cut-'));
    const dataDir = join(disk.root, 'data');
    const setup = disk.mount(); // an existing, durable, empty data directory
    await setup.mkdir(dataDir);
    await setup.syncDir(disk.root);
    const first = await boot(disk, dataDir);
    const issued = await newProducerId(first.client);
    disk.cut();
    await first.stop();

    const second = await boot(disk, dataDir);
    expect(await newProducerId(second.client), `id ${issued} was handed out before the cut`).toBeGreaterThan(issued);
    await second.stop();
  });
});

describe('the broker on an injected file system', () => {
  it('keeps every file of its data directory there: logs, topics.json, meta.json, producer ids, group offsets', async () => {
    const root = await tempDir('sluice-power-cut-');
    const disk = new PowerCutDisk(root);
    const dataDir = join(root, 'data');
    const b = await boot(disk, dataDir);
    expect((await createTopic(b.client, 'kept', 1)).errorCode).toBe(ErrorCode.NONE);
    expect((await produce(b.client, 'kept', 0, batchOf(['one']))).errorCode).toBe(ErrorCode.NONE);
    await newProducerId(b.client);
    const commit = await b.client.request(OffsetCommitApi, {
      groupId: 'g',
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [{ name: 'kept', partitions: [{ partition: 0, offset: 1, leaderEpoch: -1, metadata: null }] }],
    });
    expect(commit.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    await b.stop();
    // A data-directory lock, when the broker takes one, is a real flock: the one file the seam cannot hold.
    const real = (await readdir(dataDir)).filter((name) => name !== '.lock');
    expect(real, 'nothing reached the real directory').toEqual([]);
    const files = [...disk.durableFiles().keys()].map((p) => relative(dataDir, p));
    expect(files).toEqual(
      expect.arrayContaining([
        'meta.json',
        'topics.json',
        'kept-0/00000000000000000000.log',
        // A clean stop's checkpoint of every partition (the partitions write none of their own).
        'clean-shutdown.json',
        '__internal/producer-ids.json',
        '__internal/__consumer_offsets-0/00000000000000000000.log',
      ]),
    );
  });
});

describe('power cut: a broker whose disk loses what was not fsynced', () => {
  it('keeps what flush=always acknowledged and what was durable, and recovers cleanly, round after round', async () => {
    const random = rng();
    const rounds = 8;
    const { reports, finalProblems, totalAcked } = await powerCutRounds({
      root: await tempDir('sluice-power-cut-'),
      rounds,
      rng: random,
      flush: ['always', 'os', 'always', '20'],
    });
    const summary = reports.map((r) => `${r.round}:${r.flush}/${r.unsynced}@${r.phase}+${r.operations}`).join(' ');
    const context = `seed ${random.seed} (replay with SLUICE_SEED=${random.seed}); rounds ${summary}`;
    expect(
      reports.flatMap((r) => r.problems.map((p) => `round ${r.round}: ${p}`)),
      context,
    ).toEqual([]);
    expect(finalProblems, context).toEqual([]);
    expect(reports, context).toHaveLength(rounds);
    expect(totalAcked, `${context}: the load ran`).toBeGreaterThan(50);
  }, 60_000);
});
