// The etcd client against a real etcd: reads, compare-and-swap, leases that expire, watches.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdClient, EtcdError, type WatchEvent } from '../../../src/broker/cluster/etcd-client.js';
import { type EtcdProcess, startEtcd } from '../../helpers/etcd.js';
import { freePort } from '../../helpers/free-port.js';
import { removeTempDirs } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';

let etcd: EtcdProcess;
let client: EtcdClient;

beforeAll(async () => {
  etcd = await startEtcd();
  client = new EtcdClient({ endpoints: [etcd.endpoint] });
}, 60_000);

afterAll(async () => {
  await etcd?.stop();
  await removeTempDirs();
});

describe('EtcdClient', () => {
  it('puts, gets and lists a prefix in key order', async () => {
    await client.put('/t1/b', 'two');
    await client.put('/t1/a', 'one');
    await client.put('/t10', 'outside the prefix');
    expect((await client.get('/t1/a'))?.value).toBe('one');
    expect(await client.get('/t1/missing')).toBeUndefined();
    const { kvs, revision } = await client.getPrefix('/t1/');
    expect(kvs.map((kv) => [kv.key, kv.value])).toEqual([
      ['/t1/a', 'one'],
      ['/t1/b', 'two'],
    ]);
    expect(revision).toBeGreaterThanOrEqual(kvs[1]!.modRevision);
  });

  it('compare-and-swap: one of two writers holding the same revision wins, the other changes nothing', async () => {
    const created = await client.compareAndSwap([{ key: '/cas/k', modRevision: 0 }], [{ key: '/cas/k', value: 'v1' }]);
    expect(created.succeeded).toBe(true);
    const again = await client.compareAndSwap([{ key: '/cas/k', modRevision: 0 }], [{ key: '/cas/k', value: 'no' }]);
    expect(again.succeeded).toBe(false);
    const seen = (await client.get('/cas/k'))!;
    const [a, b] = await Promise.all([
      client.compareAndSwap([{ key: '/cas/k', modRevision: seen.modRevision }], [{ key: '/cas/k', value: 'a' }]),
      client.compareAndSwap([{ key: '/cas/k', modRevision: seen.modRevision }], [{ key: '/cas/k', value: 'b' }]),
    ]);
    expect([a.succeeded, b.succeeded].sort()).toEqual([false, true]);
    expect((await client.get('/cas/k'))?.value).toBe(a.succeeded ? 'a' : 'b');
  });

  it('a key tied to a lease goes when the lease expires, and keepAlive then reports 0', async () => {
    const lease = await client.grantLease(1);
    await client.put('/lease/k', 'v', lease);
    expect(await client.keepAlive(lease)).toBeGreaterThan(0);
    await waitFor(async () => (await client.get('/lease/k')) === undefined, { timeoutMs: 10_000, intervalMs: 100 });
    expect(await client.keepAlive(lease)).toBe(0);
  });

  it('a watch delivers puts and deletes under its prefix in order', async () => {
    const events: WatchEvent[] = [];
    const watch = client.watchPrefix('/w/', { onEvents: (e) => events.push(...e), onEnd: () => {} });
    await watch.ready;
    await client.put('/w/a', '1');
    await client.put('/other', 'x');
    await client.delete('/w/a');
    await waitFor(() => events.length >= 2, { timeoutMs: 10_000 });
    watch.cancel();
    expect(events.map((e) => [e.type, e.kv.key])).toEqual([
      ['put', '/w/a'],
      ['delete', '/w/a'],
    ]);
  });

  it('an unreachable etcd is a retriable EtcdError naming the endpoint', async () => {
    const port = await freePort();
    const nowhere = new EtcdClient({ endpoints: [`http://127.0.0.1:${port}`], requestTimeoutMs: 2000 });
    const error = await nowhere.get('/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EtcdError);
    expect((error as EtcdError).retriable).toBe(true);
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
  });

  it('an endpoint that is not etcd (an HTML page) is a non-retriable EtcdError saying so', async () => {
    const notEtcd = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html><body>It works!</body></html>');
    });
    await new Promise<void>((resolve) => notEtcd.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(notEtcd.address() as AddressInfo).port}`;
      const error = await new EtcdClient({ endpoints: [endpoint] }).get('/x').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EtcdError);
      expect((error as EtcdError).retriable).toBe(false);
      expect((error as Error).message).toBe(
        `etcd /v3/kv/range at ${endpoint} answered something that is not etcd's JSON (is it an etcd client port?): <html><body>It works!</body></html>`,
      );
    } finally {
      await new Promise<void>((resolve) => notEtcd.close(() => resolve()));
    }
  });
});
