// Cluster mode as an operator runs it: three `sluice serve --cluster … --broker-id n` processes on one
// etcd, `sluice topics create --replication-factor`, `sluice cluster status`, and a SIGKILLed controller:
// its lease runs out, another broker takes control, the partitions it led move to followers of their ISR
// (they caught up with the empty logs at once), and the restarted broker rejoins as a follower.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EtcdProcess, startEtcd } from '../helpers/etcd.js';
import { runSluice, type SluiceProcess, startSluice } from '../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

interface Status {
  brokers: Array<{ id: number; port: number }>;
  controllerId: number;
  partitions: Array<{ topic: string; partition: number; leader: number; offline: boolean; isr: number[] }>;
}

let etcd: EtcdProcess;
const members = new Map<number, { process: SluiceProcess; dataDir: string }>();

async function serve(id: number, dataDir: string): Promise<SluiceProcess> {
  const process = await startSluice(
    ['--cluster', etcd.url, '--broker-id', String(id), '--port', '0', '--no-http', '--data-dir', dataDir],
    60_000,
  );
  members.set(id, { process, dataDir });
  return process;
}

async function status(): Promise<Status> {
  const { code, stdout, stderr } = await runSluice(
    ['cluster', 'status', '--cluster', etcd.url, '--format', 'json'],
    30_000,
  );
  if (code !== 0) throw new Error(`sluice cluster status exited ${code}: ${stderr}`);
  return JSON.parse(stdout) as Status;
}

beforeAll(async () => {
  etcd = await startEtcd();
  for (const id of [1, 2, 3]) await serve(id, await tempDir(`sluice-cluster-proc-${id}-`));
}, 240_000);

afterAll(async () => {
  await Promise.all([...members.values()].map((m) => m.process.kill('SIGTERM')));
  await etcd?.stop();
  await removeTempDirs();
});

describe('sluice serve --cluster', () => {
  it('three brokers register, one is controller, and a replicated topic is placed', async () => {
    const first = await waitFor(
      async () => {
        const s = await status();
        return s.brokers.length === 3 && s.controllerId > 0 ? s : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, message: 'three brokers and a controller in sluice cluster status' },
    );
    expect(first.brokers.map((b) => [b.id, b.port])).toEqual(
      [1, 2, 3].map((id) => [id, members.get(id)!.process.port]),
    );
    const created = await runSluice(
      [
        'topics',
        'create',
        'orders',
        '--partitions',
        '3',
        '--replication-factor',
        '3',
        '--brokers',
        `127.0.0.1:${members.get(1)!.process.port}`,
      ],
      30_000,
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const placed = await status();
    // __consumer_offsets and __transaction_state too: the group and transaction coordinators live on their
    // leaders (placed once three brokers are live).
    expect(placed.partitions.map((p) => [p.topic, p.partition, p.offline])).toEqual([
      ['__consumer_offsets', 0, false],
      ['__transaction_state', 0, false],
      ['orders', 0, false],
      ['orders', 1, false],
      ['orders', 2, false],
    ]);
  }, 180_000);

  it('a SIGKILLed controller loses control when its lease runs out; what it led moves to in-sync followers', async () => {
    // Followers join the ISR once they have caught up (at once: the logs are empty).
    const before = await waitFor(
      async () => {
        const s = await status();
        return s.partitions.every((p) => p.isr.length === 3) ? s : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, message: 'every follower in the ISR' },
    );
    const victim = before.controllerId;
    const { dataDir } = members.get(victim)!;
    const killedAt = Date.now();
    await members.get(victim)!.process.kill('SIGKILL');
    members.delete(victim);
    const after = await waitFor(
      async () => {
        const s = await status();
        return s.controllerId > 0 && s.controllerId !== victim && s.partitions.every((p) => p.leader !== victim)
          ? s
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, message: 'a new controller and the victim out of every leadership' },
    );
    const failoverMs = Date.now() - killedAt;
    // The lease is 3 s by default (cluster.sessionTimeoutMs): control moves within it plus a margin for load.
    expect(failoverMs).toBeLessThan(30_000);
    expect(after.brokers.map((b) => b.id)).not.toContain(victim);
    for (const p of after.partitions) {
      expect(p.offline).toBe(false);
      expect(p.isr).not.toContain(victim);
    }
    const text = await runSluice(['cluster', 'status', '--cluster', etcd.url], 30_000);
    expect(text.stdout).toMatch(/offline: +0/);

    await serve(victim, dataDir);
    await waitFor(
      async () => {
        const s = await status();
        return s.brokers.length === 3 && s.partitions.every((p) => !p.offline && p.isr.length === 3);
      },
      { timeoutMs: 60_000, intervalMs: 200, message: 'the restarted broker back in every ISR' },
    );
  }, 180_000);

  it('--cluster without --broker-id is a usage error', async () => {
    const { code, stderr } = await runSluice(['serve', '--cluster', etcd.url, '--port', '0', '--no-http'], 30_000);
    expect(code).toBe(2);
    expect(stderr).toContain('--cluster needs --broker-id');
  }, 180_000);
});
