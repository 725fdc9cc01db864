// An etcd endpoint that stops answering over open connections (a cut-off link, a frozen proxy), with another
// endpoint answering all along. The broker's lease renewal held there is given up after one renewal interval
// and sent to the next endpoint, well within the lease (held for the client's whole request timeout, 5 s,
// it lapsed a 3 s lease and the broker dropped out of the cluster). A watch reading from that endpoint never
// ends by itself (no bytes, no error): the renewal that got no answer there ends it, and the broker's mirror
// of the cluster metadata reads again and watches on the next endpoint (before, it stayed blind to every
// change). An answer that stops after its headers counts as no answer too. Real etcd; the first endpoint is
// a loopback proxy to it that can stop forwarding (or, last, a server that stalls its answers' bodies).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { EtcdClient } from '../../../src/broker/cluster/etcd-client.js';
import { ClusterKeys } from '../../../src/broker/cluster/keys.js';
import { PrefixMirror } from '../../../src/broker/cluster/prefix-mirror.js';
import { BrokerRegistration } from '../../../src/broker/cluster/registration.js';
import { type EtcdProcess, startEtcd } from '../../helpers/etcd.js';
import { type StallingProxy, stallingProxy } from '../../helpers/stalling-proxy.js';
import { removeTempDirs } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';

const SESSION_TIMEOUT_MS = 3000;

let etcd: EtcdProcess | undefined;
let brokerId = 0;
const cleanups: Array<() => unknown> = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await etcd?.stop();
  await removeTempDirs();
});

/** A proxy in front of etcd, the client (proxy first, etcd itself second) and a registration renewing through it. */
async function brokerBehindProxy(events: string[]) {
  etcd ??= await startEtcd();
  const { hostname, port } = new URL(etcd.endpoint);
  const proxy: StallingProxy = await stallingProxy(() => ({ host: hostname, port: Number(port) }));
  cleanups.push(() => proxy.close());
  const client = new EtcdClient({ endpoints: [proxy.endpoint, etcd.endpoint] });
  const registration = new BrokerRegistration({
    etcd: client,
    keys: new ClusterKeys('sluice'),
    record: { id: ++brokerId, host: '127.0.0.1', port: 9092, kafkaPort: null },
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
    logger: pino({ level: 'silent' }),
    onLost: () => events.push('lost'),
    onLapsed: () => events.push('lapsed'),
    onRegistered: () => events.push('registered'),
  });
  cleanups.push(() => registration.close());
  await registration.register();
  return { proxy, client, registration, id: brokerId };
}

describe('an etcd endpoint that stops answering, another answering', () => {
  it('the lease is renewed through the next endpoint before the lease runs out: never lapsed, never lost', async () => {
    const events: string[] = [];
    const { proxy, client, registration, id } = await brokerBehindProxy(events);
    // Registered and renewed through the proxy, the first endpoint.
    const lease = registration.lease;
    const validUntil = () => performance.now() + registration.validForMs;
    const grantedUntil = validUntil();
    await waitFor(() => registration.valid && validUntil() > grantedUntil + 500, {
      timeoutMs: 5000,
      message: 'a renewal through the proxy',
    });

    proxy.stall();
    const stalledAt = performance.now();
    // A renewal counts from its send: one sent after the stall and answered (by the second endpoint) keeps the
    // lease valid past stalledAt + the TTL, where every renewal sent before the stall ends.
    await waitFor(() => registration.valid && validUntil() > stalledAt + SESSION_TIMEOUT_MS + 500, {
      timeoutMs: 10_000,
      message: 'a renewal sent after the stall, answered by the second endpoint',
    });
    expect(registration.valid).toBe(true);
    expect(events).toEqual(['registered']);
    // The broker key is still tied to the lease granted at registration.
    expect(registration.lease).toBe(lease);
    expect((await client.get(new ClusterKeys('sluice').broker(id)))?.lease).toBe(lease);
  }, 60_000);

  it("the mirror's watch on it is ended, so a change made meanwhile reaches the mirror through the next", async () => {
    const events: string[] = [];
    const { proxy, client } = await brokerBehindProxy(events);
    const direct = new EtcdClient({ endpoints: [etcd!.endpoint] });
    const mirrored = new Map<string, string>();
    const mirror = new PrefixMirror({
      etcd: client,
      prefix: '/stalled/',
      logger: pino({ level: 'silent' }),
      what: 'the test keys',
      onSnapshot: (kvs) => {
        mirrored.clear();
        for (const kv of kvs) mirrored.set(kv.key, kv.value);
      },
      onEvents: (changes) => {
        for (const change of changes) {
          if (change.type === 'delete') mirrored.delete(change.kv.key);
          else mirrored.set(change.kv.key, change.kv.value);
        }
      },
    });
    cleanups.push(() => mirror.close());
    await mirror.start();
    await direct.put('/stalled/before', '1');
    await waitFor(() => mirrored.get('/stalled/before') === '1', {
      timeoutMs: 5000,
      message: 'a change seen through the proxy',
    });

    proxy.stall();
    await direct.put('/stalled/after', '2');
    await waitFor(() => mirrored.get('/stalled/after') === '2', {
      timeoutMs: 10_000,
      message: 'the change made after the stall, in the mirror',
    });
    expect(mirrored.get('/stalled/before')).toBe('1');
    // ...and the watch on the next endpoint carries later changes as they happen.
    await direct.put('/stalled/later', '3');
    await waitFor(() => mirrored.get('/stalled/later') === '3', { timeoutMs: 5000, message: 'a later change' });
    expect(events).toEqual(['registered']);
  }, 60_000);

  it('a call whose answer stops after its headers goes to the next endpoint', async () => {
    etcd ??= await startEtcd();
    // Answers every request with headers and the start of a body, then nothing more.
    const stalling: Server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"header":');
    });
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      stalling.closeAllConnections();
      return new Promise<void>((resolve) => stalling.close(() => resolve()));
    });
    const endpoint = `http://127.0.0.1:${(stalling.address() as AddressInfo).port}`;
    const client = new EtcdClient({ endpoints: [endpoint, etcd.endpoint], requestTimeoutMs: 500 });
    const startedAt = performance.now();
    await client.put('/stalled-body/k', 'v');
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(450);
    expect((await client.get('/stalled-body/k'))?.value).toBe('v');
  }, 60_000);
});
