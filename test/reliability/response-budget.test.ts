// The per-connection response budget (maxConnectionInFlightBytes) against a live `sluice serve` child: a
// client pipelining many large fetches without reading its socket gets at most that many bytes of answers
// held for it (plus the batch a fetch always returns whole), not maxInFlightRequests fetches' worth; once
// it reads, every answer arrives, in order.
import { writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeResponsePayload, encodeRequestFrame, FetchApi, FrameDecoder } from '../../src/protocol/index.js';
import { batchOf, createTopic, produce } from '../helpers/broker.js';
import { startSluice, type SluiceProcess } from '../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { WireClient } from '../helpers/wire-client.js';
import { rssOf, until } from './lib/hostile.js';

const MiB = 1024 * 1024;
const FETCHES = 200;
let proc: SluiceProcess | undefined;

afterEach(async () => {
  if (proc?.child.exitCode === null) await proc.kill('SIGKILL');
  await removeTempDirs();
});

describe('the per-connection response budget', () => {
  it('a client pipelining 200 fetches of 4 MiB without reading holds about the budget, then gets every answer in order', async () => {
    const budget = 8 * MiB;
    const dataDir = await tempDir('sluice-response-budget-');
    const config = join(await tempDir('sluice-response-budget-config-'), 'sluice.json');
    await writeFile(config, JSON.stringify({ maxConnectionInFlightBytes: budget }));
    proc = await startSluice(['--data-dir', dataDir, '--port', '0', '--config', config]);
    const c = await WireClient.connect(proc.port);
    await createTopic(c, 'large', 1);
    const chunk = 'v'.repeat(1000);
    for (let i = 0; i < 48; i++)
      expect((await produce(c, 'large', 0, batchOf(Array.from({ length: 1000 }, () => chunk)))).errorCode).toBe(0);
    const rssBefore = await rssOf(proc.child.pid!);

    // 200 fetches of 4 MiB each (800 MiB of answers; 64 in flight would be 256 MiB), written, not read.
    const hog = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ port: proc!.port, host: '127.0.0.1' }, () => resolve(s));
      s.on('error', reject);
    });
    hog.pause();
    for (let i = 0; i < FETCHES; i++) {
      const { body, tail } = FetchApi.encodeRequest({
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 4 * MiB,
        isolationLevel: 0,
        topics: [
          {
            name: 'large',
            partitions: [{ partition: 0, fetchOffset: (i * 997) % 40_000, partitionMaxBytes: 4 * MiB }],
          },
        ],
      });
      const frame = encodeRequestFrame(
        { apiKey: FetchApi.key, apiVersion: FetchApi.maxVersion, correlationId: i + 1, clientId: 'hog' },
        body,
        tail,
      );
      for (const b of frame) hog.write(b);
    }
    let peak = 0;
    const sampleUntil = Date.now() + 3000;
    while (Date.now() < sampleUntil) {
      peak = Math.max(peak, (await rssOf(proc.child.pid!)) - rssBefore);
      await new Promise((r) => setTimeout(r, 100)); // RSS sampled every 100 ms for 3 s
    }
    // Others are served meanwhile.
    expect((await produce(c, 'large', 0, batchOf(['still here']))).errorCode).toBe(0);
    // The budget, a batch over it, the socket buffers and the read-buffer pool's free buffers (≤ 32 MiB):
    // far below the 64 × 4 MiB that maxInFlightRequests alone would allow.
    expect(peak, `peak RSS growth ${(peak / MiB).toFixed(0)} MiB`).toBeLessThan(64 * MiB);

    // Reading now: every answer arrives, in request order.
    const decoder = new FrameDecoder(64 * MiB);
    const ids: number[] = [];
    hog.on('data', (data: Buffer) => {
      for (const payload of decoder.push(data)) ids.push(decodeResponsePayload(payload).correlationId);
    });
    hog.resume();
    expect(await until(() => ids.length === FETCHES, 60_000)).toBe(true);
    expect(ids).toEqual(Array.from({ length: FETCHES }, (_, i) => i + 1));
    hog.destroy();
    c.destroy();
    expect(proc.child.exitCode).toBeNull();
  }, 120_000);
});
