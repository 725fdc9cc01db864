// An etcd outage as the client reports it: calls that reach no endpoint fail with `unreachable` set, and
// the outage is told once when it begins and once when a call gets through again (not once per call), so a
// broker logs two lines for an outage however many retries run under it. Real etcd, killed and restarted.
import { afterAll, describe, expect, it } from 'vitest';
import { EtcdClient, type EtcdReachability, isEtcdUnreachable } from '../../../src/broker/cluster/etcd-client.js';
import { type EtcdProcess, startEtcd } from '../../helpers/etcd.js';
import { removeTempDirs } from '../../helpers/temp-dir.js';

let etcd: EtcdProcess | undefined;

afterAll(async () => {
  await etcd?.stop();
  await removeTempDirs();
});

describe('etcd reachability', () => {
  it('reports an outage once when it begins and once when etcd answers again', async () => {
    etcd = await startEtcd();
    const changes: EtcdReachability[] = [];
    const client = new EtcdClient({
      endpoints: [etcd.endpoint],
      requestTimeoutMs: 2000,
      onReachability: (change) => changes.push(change),
    });
    await client.put('/reach/k', 'v');
    expect(changes).toEqual([]);

    await etcd.stop();
    const failures = await Promise.all([1, 2, 3].map(() => client.get('/reach/k').catch((error: unknown) => error)));
    for (const failure of failures) expect(isEtcdUnreachable(failure)).toBe(true);
    expect(changes.map((c) => c.reachable)).toEqual([false]);

    await etcd.restart();
    expect((await client.get('/reach/k'))?.value).toBe('v');
    await client.get('/reach/k');
    expect(changes.map((c) => c.reachable)).toEqual([false, true]);
    const back = changes[1] as Extract<EtcdReachability, { reachable: true }>;
    expect(back.downForMs).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it('a refusal from a reachable etcd is not an outage', async () => {
    const changes: EtcdReachability[] = [];
    const client = new EtcdClient({ endpoints: [etcd!.endpoint], onReachability: (change) => changes.push(change) });
    // A keep-alive of a lease etcd never granted is answered (TTL 0), not unreachable.
    expect(await client.keepAlive('12345')).toBe(0);
    expect(changes).toEqual([]);
  }, 60_000);
});
