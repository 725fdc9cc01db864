// A broker's lease outlives an etcd endpoint that stops answering over open connections (a cut-off link, a
// frozen proxy): the renewal held there is given up after one renewal interval and sent to the next
// endpoint, well within the lease. Held for the client's whole request timeout (5 s), it lapsed a 3 s lease
// and the broker dropped out of the cluster though another endpoint answered all along. Real etcd; the first
// endpoint is a loopback proxy to it that can stop forwarding.
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { EtcdClient } from '../../../src/broker/cluster/etcd-client.js';
import { ClusterKeys } from '../../../src/broker/cluster/keys.js';
import { BrokerRegistration } from '../../../src/broker/cluster/registration.js';
import { type EtcdProcess, startEtcd } from '../../helpers/etcd.js';
import { removeTempDirs } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';

const SESSION_TIMEOUT_MS = 3000;

interface StallingProxy {
  readonly endpoint: string;
  /** From now on nothing is forwarded either way, on open connections or new ones; none is closed. */
  stall(): void;
  close(): Promise<void>;
}

async function stallingProxy(target: string): Promise<StallingProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let stalled = false;
  const forward = (from: Socket, to: Socket) =>
    from.on('data', (chunk: Buffer) => {
      if (!stalled) to.write(chunk);
    });
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: hostname, port: Number(port) });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    }
    forward(client, upstream);
    forward(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stall: () => {
      stalled = true;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let etcd: EtcdProcess | undefined;
let proxy: StallingProxy | undefined;
let registration: BrokerRegistration | undefined;

afterAll(async () => {
  await registration?.close();
  await proxy?.close();
  await etcd?.stop();
  await removeTempDirs();
});

describe('BrokerRegistration with an etcd endpoint that stops answering', () => {
  it('renews through the next endpoint before the lease runs out: never lapsed, never lost', async () => {
    etcd = await startEtcd();
    proxy = await stallingProxy(etcd.endpoint);
    const events: string[] = [];
    const etcdClient = new EtcdClient({ endpoints: [proxy.endpoint, etcd.endpoint] });
    registration = new BrokerRegistration({
      etcd: etcdClient,
      keys: new ClusterKeys('sluice'),
      record: { id: 1, host: '127.0.0.1', port: 9092, kafkaPort: null },
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      logger: pino({ level: 'silent' }),
      onLost: () => events.push('lost'),
      onLapsed: () => events.push('lapsed'),
      onRegistered: () => events.push('registered'),
    });
    // Registered and renewed through the proxy, the first endpoint.
    await registration.register();
    const lease = registration.lease;
    const validUntil = () => performance.now() + registration!.validForMs;
    const grantedUntil = validUntil();
    await waitFor(() => registration!.valid && validUntil() > grantedUntil + 500, {
      timeoutMs: 5000,
      message: 'a renewal through the proxy',
    });

    proxy.stall();
    const stalledAt = performance.now();
    // A renewal counts from its send: one sent after the stall and answered (by the second endpoint) keeps the
    // lease valid past stalledAt + the TTL, where every renewal sent before the stall ends.
    await waitFor(() => registration!.valid && validUntil() > stalledAt + SESSION_TIMEOUT_MS + 500, {
      timeoutMs: 10_000,
      message: 'a renewal sent after the stall, answered by the second endpoint',
    });
    expect(registration.valid).toBe(true);
    expect(events).toEqual(['registered']);
    // The broker key is still tied to the lease granted at registration.
    expect(registration.lease).toBe(lease);
    expect((await etcdClient.get(new ClusterKeys('sluice').broker(1)))?.lease).toBe(lease);
  }, 60_000);
});
