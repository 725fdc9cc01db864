// Requests to a peer broker whose link went silent (the connection stays open, nothing comes back): each is
// bounded, fails with an error saying so, and the next one opens a new connection. The transaction
// coordinator's marker delivery ends at its deadline with that error instead of waiting for ever. The peer
// here is a loopback server that accepts connections and never answers.
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterView } from '../../../src/broker/cluster/cluster-node.js';
import { PeerConnection } from '../../../src/broker/cluster/peer-connection.js';
import { PeerPool } from '../../../src/broker/cluster/peer-pool.js';
import type { BrokerRecord } from '../../../src/broker/cluster/records.js';
import { TxnDelivery } from '../../../src/broker/cluster/txn-delivery.js';
import { VerifyTxnWriteApi } from '../../../src/protocol/index.js';

let server: Server;
const accepted: Socket[] = [];
let peer: BrokerRecord;

beforeAll(async () => {
  server = createServer((socket) => {
    accepted.push(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  peer = { id: 2, host: '127.0.0.1', port: (server.address() as AddressInfo).port, kafkaPort: null };
});

afterAll(async () => {
  for (const socket of accepted) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('a peer broker that never answers', () => {
  it('a request fails after its timeout, saying so, and the next one opens a new connection', async () => {
    const peers = new PeerPool('sluice-test-1', undefined);
    const verify = () =>
      peers.request(
        peer,
        VerifyTxnWriteApi,
        { producerId: 7, producerEpoch: 0, topics: [{ name: 't', partitions: [0] }] },
        300,
      );
    const before = accepted.length;
    const startedAt = performance.now();
    await expect(verify()).rejects.toThrow(
      'the peer did not answer VerifyTxnWrite within 300 ms: the connection is closed',
    );
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(290);
    await expect(verify()).rejects.toThrow('did not answer VerifyTxnWrite within 300 ms');
    expect(accepted.length - before).toBe(2);
    peers.close();
  });

  it("the transaction coordinator's marker delivery to it ends at the delivery's deadline", async () => {
    const peers = new PeerPool('sluice-test-1', undefined);
    const cluster = {
      brokerId: 1,
      partition: () => ({ leader: 2, leaderEpoch: 0, replicas: [2, 1], isr: [2, 1] }),
      brokers: () => [peer],
    } as unknown as ClusterView;
    const delivery = new TxnDelivery({
      cluster: () => cluster,
      peers,
      isCoordinator: () => true,
      writeLocalMarker: async () => null,
      commitLocalOffsets: async () => {},
      timeoutMs: 1000,
      logger: pino({ level: 'silent' }),
    });
    const startedAt = performance.now();
    const written = delivery.write([{ topic: 't', partition: 0 }], {
      producerId: 7,
      producerEpoch: 0,
      commit: true,
      coordinatorEpoch: 0,
    });
    await expect(written).rejects.toThrow(
      /the COMMIT markers of producer 7 are not all written after 1000 ms \(retried later\): .*did not answer WriteTxnMarkers/,
    );
    // Its one attempt was bounded by the delivery's time; the delivery then gave up at once.
    expect(performance.now() - startedAt).toBeLessThan(5000);
    peers.close();
  });

  it('a connection that authenticates (inter-broker SCRAM) gives up on it within the connect timeout', async () => {
    const startedAt = performance.now();
    const opened = PeerConnection.open(peer.host, peer.port, 'sluice-replica-1', 300, {
      user: 'broker',
      mechanism: 'SCRAM-SHA-512',
      password: () => 'not-logged',
    });
    await expect(opened).rejects.toThrow(
      'the peer did not answer SaslHandshake within 300 ms: the connection is closed',
    );
    expect(performance.now() - startedAt).toBeLessThan(5000);
  });
});
