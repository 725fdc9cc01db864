// Two brokers on one data directory: the second refuses to start with one sentence naming the first, in
// process and as real `sluice serve` processes; a SIGKILLed holder leaves no stuck lock behind.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirLockedError, LOCK_FILE, lockDataDir } from '../../storage/index.js';
import { batchOf, createTopic, produce, readAll, startBroker, values } from '../helpers/broker.js';
import { runSluice, startSluice } from '../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { WireClient } from '../helpers/wire-client.js';

afterAll(removeTempDirs);

describe('data directory lock', () => {
  it('a second lock of the same directory is refused naming the holder, and is free again after release', async () => {
    const dir = await tempDir();
    const first = await lockDataDir(dir);
    expect(first.held).toBe(true);
    const refused = await lockDataDir(dir).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DataDirLockedError);
    expect((refused as Error).message).toContain(`pid ${process.pid}`);
    expect((refused as Error).message).toContain(dir);
    await first.release();
    const again = await lockDataDir(dir);
    expect(again.held).toBe(true);
    await again.release();
  });

  it('without flock(1) on the PATH the directory is used unlocked, with a warning saying so', async () => {
    const dir = await tempDir();
    const warnings: string[] = [];
    const logger = {
      info() {},
      debug() {},
      error() {},
      warn: (_: object, msg?: string) => void warnings.push(msg ?? ''),
    };
    const path = process.env.PATH;
    process.env.PATH = await tempDir(); // an empty directory: no flock there
    try {
      const lock = await lockDataDir(dir, logger);
      expect(lock.held).toBe(false);
      await lock.release();
    } finally {
      process.env.PATH = path;
    }
    expect(warnings).toEqual([expect.stringMatching(/cannot lock the data directory \(flock\(1\) is not installed\)/)]);
  });

  it('a second in-process Broker on the same directory fails to start; the first keeps serving', async () => {
    const first = await startBroker();
    const c = await first.client();
    expect((await produce(c, 't', 0, batchOf(['kept']))).errorCode).toBe(0);
    await expect(startBroker({ dataDir: first.dataDir })).rejects.toThrow(/is in use by another process/);
    expect(values(await readAll(c, 't', 0))).toEqual(['kept']);
    await first.stop();
    const second = await startBroker({ dataDir: first.dataDir });
    expect(values(await readAll(await second.client(), 't', 0))).toEqual(['kept']);
    await second.stop();
  });

  it('two `sluice serve` on one --data-dir: the second exits 1 naming the first; after a SIGKILL of the first the directory is free', async () => {
    const dataDir = await tempDir();
    const first = await startSluice(['--data-dir', dataDir, '--port', '0', '--flush', 'always']);
    const c = await WireClient.connect(first.port);
    expect((await createTopic(c, 'kept', 1)).errorCode).toBe(0);
    expect((await produce(c, 'kept', 0, batchOf(['a', 'b', 'c']))).errorCode).toBe(0);

    const second = await runSluice(['serve', '--data-dir', dataDir, '--port', '0']);
    expect(second.code).toBe(1);
    const lines = second.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: cannot start the broker: data directory .* is in use by another process/);
    expect(lines[0]).toContain(`pid ${first.child.pid}`);
    expect(lines[0]).toContain('serve --data-dir');
    // The first one is untouched and still serving.
    expect((await produce(c, 'kept', 0, batchOf(['d']))).baseOffset).toBe(3);
    c.destroy();

    expect(await first.kill('SIGKILL')).toBe('SIGKILL');
    const owner = JSON.parse(await readFile(join(dataDir, LOCK_FILE), 'utf8')) as { pid: number };
    expect(owner.pid).toBe(first.child.pid); // the file outlives its owner; the lock does not
    const third = await startSluice(['--data-dir', dataDir, '--port', '0']);
    const c3 = await WireClient.connect(third.port);
    expect(values(await readAll(c3, 'kept', 0))).toEqual(['a', 'b', 'c', 'd']);
    c3.destroy();
    expect(await third.kill('SIGTERM')).toBe(0);
  });
});
