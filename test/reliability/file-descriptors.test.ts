// A broker under a low descriptor limit (`ulimit -n 256`) with far more segment files than that: produce
// rolls a new segment per batch (1 KiB segments, an operator setting), new connections keep being accepted,
// everything reads back, and a restart under the same limit opens it all. Before the open-file budget every
// segment kept its file open: EMFILE after ~230 segments, then failed rolls, refused connections, and a
// broker that could not start again.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, MetadataApi } from '../../src/protocol/index.js';
import { batchOf, createTopic, produce, readAll } from '../helpers/broker.js';
import { startSluice } from '../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { WireClient } from '../helpers/wire-client.js';

afterAll(removeTempDirs);

const LIMIT = 256;
const PARTITIONS = 4;
const BATCHES = 100; // per partition: 400 segments of ~1.1 KiB in all

describe('open files under ulimit -n 256', () => {
  it('400 segments: produce, 60 new connections, read back, restart and read back again', async () => {
    const dataDir = await tempDir();
    const config = join(dataDir, '..', `${dataDir.split('/').pop()}.json`);
    await writeFile(config, JSON.stringify({ topicDefaults: { segmentBytes: 1024 } }));
    const args = ['--data-dir', dataDir, '--port', '0', '--config', config];
    let proc = await startSluice(args, 20_000, { openFiles: LIMIT });

    const c = await WireClient.connect(proc.port);
    expect((await createTopic(c, 'many', PARTITIONS)).errorCode).toBe(0);
    const value = (p: number, n: number) => `${p}-${n}-${'v'.repeat(1000)}`;
    const errors: number[] = [];
    await Promise.all(
      Array.from({ length: PARTITIONS }, async (_, p) => {
        for (let n = 0; n < BATCHES; n++) {
          const r = await produce(c, 'many', p, batchOf([value(p, n)]));
          if (r.errorCode !== ErrorCode.NONE) errors.push(r.errorCode);
        }
      }),
    );
    expect(errors).toEqual([]);

    // New connections are still accepted and served.
    const clients = await Promise.all(Array.from({ length: 60 }, () => WireClient.connect(proc.port)));
    for (const client of clients) {
      const meta = await client.request(MetadataApi, { topics: ['many'], allowAutoTopicCreation: false });
      expect(meta.topics[0]!.errorCode).toBe(0);
      client.destroy();
    }
    const check = async (client: WireClient) => {
      for (let p = 0; p < PARTITIONS; p++) {
        const values = (await readAll(client, 'many', p)).map((r) => r.value!.toString());
        expect(values).toEqual(Array.from({ length: BATCHES }, (_, n) => value(p, n)));
      }
    };
    await check(c);
    c.destroy();
    expect(await proc.kill('SIGTERM')).toBe(0);
    expect(proc.lines.filter((l) => JSON.stringify(l).includes('EMFILE'))).toEqual([]);

    proc = await startSluice(args, 30_000, { openFiles: LIMIT });
    // The budget is logged at start: half the limit, the other half left to sockets and the rest.
    expect(proc.lines.find((l) => l.msg === 'log manager opened')).toMatchObject({
      openFileLimit: LIMIT,
      segmentFileBudget: LIMIT / 2,
    });
    const c2 = await WireClient.connect(proc.port);
    await check(c2);
    c2.destroy();
    expect(await proc.kill('SIGTERM')).toBe(0);
    expect(proc.lines.filter((l) => JSON.stringify(l).includes('EMFILE'))).toEqual([]);
  }, 120_000);
});
