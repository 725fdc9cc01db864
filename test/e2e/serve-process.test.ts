// `sluice serve` as a real child process: readiness line, graceful SIGTERM, bad flags, and a SIGKILL
// in the middle of acks=-1 / flush=always production that must lose no acknowledged record.
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, ProduceApi } from '../../src/protocol/index.js';
import { batchOf, createTopic, produce, readAll, values } from '../helpers/broker.js';
import { startSluice, runSluice } from '../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { WireClient } from '../helpers/wire-client.js';

afterAll(removeTempDirs);

describe('sluice serve', () => {
  it('logs a structured "listening" line, serves, and exits 0 on SIGTERM keeping the data', async () => {
    const dataDir = await tempDir();
    let proc = await startSluice(['--data-dir', dataDir, '--port', '0']);
    let c = await WireClient.connect(proc.port);
    expect((await produce(c, 'cli', 0, batchOf(['one', 'two']))).errorCode).toBe(0);
    c.destroy();
    expect(await proc.kill('SIGTERM')).toBe(0);
    expect(proc.lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['listening', 'shutting down', 'stopped']));

    proc = await startSluice(['--data-dir', dataDir, '--port', '0']);
    c = await WireClient.connect(proc.port);
    expect(values(await readAll(c, 'cli', 0))).toEqual(['one', 'two']);
    c.destroy();
    expect(await proc.kill('SIGINT')).toBe(0);
  });

  it('refuses bad flags and config files with one sentence and exit code 2', async () => {
    const bad = await runSluice(['serve', '--flush', 'sometimes']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('flush');
    const missing = await runSluice(['serve', '--config', '/definitely/not/here.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('does not exist');
  });

  it('loses no acknowledged record when SIGKILLed under acks=-1 and flush=always', async () => {
    const dataDir = await tempDir();
    let proc = await startSluice(['--data-dir', dataDir, '--port', '0', '--flush', 'always']);
    const admin = await WireClient.connect(proc.port);
    expect((await createTopic(admin, 'acked', 2)).errorCode).toBe(0);

    // Four producers, each its own connection and partition stream: p = i % 2, values "w<i>-<n>".
    const acked = new Map<string, Array<{ offset: number; value: string }>>();
    let stop = false;
    const producer = async (id: number) => {
      const c = await WireClient.connect(proc.port);
      const partition = id % 2;
      for (let n = 0; !stop; n++) {
        const value = `w${id}-${n}`;
        try {
          const res = await c.request(ProduceApi, {
            acks: -1,
            timeoutMs: 5000,
            topics: [{ name: 'acked', partitions: [{ partition, records: batchOf([value]) }] }],
          });
          const p = res.topics[0]!.partitions[0]!;
          if (p.errorCode === ErrorCode.NONE) {
            const list = acked.get(`${partition}`) ?? [];
            list.push({ offset: p.baseOffset, value });
            acked.set(`${partition}`, list);
          }
        } catch {
          return; // connection died with the broker: this send was never acknowledged
        }
      }
    };
    const running = [0, 1, 2, 3].map(producer);
    const ackedCount = () => [...acked.values()].reduce((n, l) => n + l.length, 0);
    await waitFor(() => ackedCount() >= 40, { timeoutMs: 15_000, message: '40 acknowledged records' });
    const signal = await proc.kill('SIGKILL');
    stop = true;
    await Promise.all(running);
    admin.destroy();
    expect(signal).toBe('SIGKILL');
    expect(ackedCount()).toBeGreaterThanOrEqual(40);

    proc = await startSluice(['--data-dir', dataDir, '--port', '0']);
    const c = await WireClient.connect(proc.port);
    for (const [partition, list] of acked) {
      const stored = await readAll(c, 'acked', Number(partition));
      const byOffset = new Map(stored.map((r) => [r.offset, r.value?.toString()]));
      for (const { offset, value } of list)
        expect(byOffset.get(offset), `offset ${offset} of partition ${partition}`).toBe(value);
      // Dense offsets, and each producer's records in the order it sent them.
      expect(stored.map((r) => r.offset)).toEqual(stored.map((_, i) => i));
      for (const id of [0, 1, 2, 3].filter((w) => w % 2 === Number(partition))) {
        const seq = stored
          .map((r) => r.value!.toString())
          .filter((v) => v.startsWith(`w${id}-`))
          .map((v) => Number(v.split('-')[1]));
        expect(seq).toEqual(seq.map((_, i) => i));
      }
    }
    c.destroy();
    expect(await proc.kill('SIGTERM')).toBe(0);
  });
});
