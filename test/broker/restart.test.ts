// Graceful stop and start on the same data directory keeps topics, configs and records.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DescribeConfigsApi, MetadataApi } from '../../src/protocol/index.js';
import { Broker } from '../../src/broker/index.js';
import { batchOf, createTopic, produce, readAll, startBroker, values } from '../helpers/broker.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';

afterAll(removeTempDirs);

describe('restart', () => {
  it('keeps everything across a graceful stop/start', async () => {
    const dataDir = await tempDir();
    let t = await startBroker({ dataDir });
    let c = await t.client();
    await createTopic(c, 'durable', 2, { 'retention.ms': '123456', flush: 'always' });
    for (let i = 0; i < 20; i++) await produce(c, 'durable', i % 2, batchOf([`v${i}`]));
    const clusterId = (await c.request(MetadataApi, { topics: null, allowAutoTopicCreation: false })).clusterId;
    await t.stop();

    t = await startBroker({ dataDir });
    c = await t.client();
    const meta = await c.request(MetadataApi, { topics: null, allowAutoTopicCreation: false });
    expect(meta.clusterId).toBe(clusterId);
    expect(meta.topics.map((x) => [x.name, x.partitions.length])).toEqual([['durable', 2]]);
    const cfg = await c.request(DescribeConfigsApi, {
      resources: [{ type: 'topic', name: 'durable', configNames: ['retention.ms'] }],
    });
    expect(cfg.resources[0]!.configs[0]).toMatchObject({ value: '123456', source: 'topic' });
    expect(values(await readAll(c, 'durable', 0))).toEqual([...Array(10).keys()].map((i) => `v${i * 2}`));
    expect((await produce(c, 'durable', 1, batchOf(['after']))).baseOffset).toBe(10);
    await t.stop();
  });

  it('stop() is idempotent and a stopped broker refuses to start again', async () => {
    const t = await startBroker();
    await Promise.all([t.broker.stop(), t.broker.stop()]);
    await expect(t.broker.start()).rejects.toThrow(/cannot start/);
  });

  it('start() fails cleanly when the port is taken, and the data dir is usable afterwards', async () => {
    const t = await startBroker();
    const dataDir = await tempDir();
    const clash = new Broker({ dataDir, port: t.port });
    await expect(clash.start()).rejects.toThrow(/EADDRINUSE/);
    const ok = await startBroker({ dataDir });
    expect(ok.port).toBeGreaterThan(0);
    await ok.stop();
    await t.stop();
  });

  it('finishes a deletion interrupted by a crash, and adopts partitions topics.json does not know', async () => {
    const dataDir = await tempDir();
    let t = await startBroker({ dataDir });
    let c = await t.client();
    await createTopic(c, 'doomed', 1);
    await createTopic(c, 'orphan', 2);
    await produce(c, 'doomed', 0, batchOf(['x']));
    await produce(c, 'orphan', 1, batchOf(['kept']));
    await t.stop();
    // As if the broker died after recording the deletion and before deleting the data, and as if
    // topics.json had lost "orphan" (edited by hand, restored from an old backup…).
    const file = JSON.parse(await readFile(join(dataDir, 'topics.json'), 'utf8'));
    delete file.topics.doomed;
    delete file.topics.orphan;
    file.deleting = ['doomed'];
    await writeFile(join(dataDir, 'topics.json'), JSON.stringify(file));

    t = await startBroker({ dataDir });
    c = await t.client();
    expect(existsSync(join(dataDir, 'doomed-0'))).toBe(false);
    const meta = await c.request(MetadataApi, { topics: null, allowAutoTopicCreation: false });
    expect(meta.topics.map((x) => [x.name, x.partitions.length])).toEqual([['orphan', 2]]);
    expect(values(await readAll(c, 'orphan', 1))).toEqual(['kept']);
    const saved = JSON.parse(await readFile(join(dataDir, 'topics.json'), 'utf8'));
    expect(saved.deleting).toBeUndefined();
    expect(saved.topics.orphan.partitions).toBe(2);
    await t.stop();
  });
});
