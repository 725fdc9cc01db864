// Connections from this broker to its peers for requests other than replication (the transaction
// coordinator's WriteTxnMarkers and WriteTxnOffsets): one per peer, opened on first use, opened again when
// it was lost or the peer registered with another address. A request that fails drops its connection, so
// the next attempt starts from a fresh one; so does one left unanswered past its timeout (a link that went
// silent without closing gives no other sign).
import type { ApiSpec } from '../../protocol/index.js';
import { type InterBrokerCredentials, PeerConnection } from './peer-connection.js';
import type { BrokerRecord } from './records.js';

const CONNECT_TIMEOUT_MS = 5000;

/** The client id prefix of the transaction coordinator's connections to its peers (`sluice-txn-<broker id>`). */
export const TXN_PEER_CLIENT_PREFIX = 'sluice-txn-';

export class PeerPool {
  readonly #clientId: string;
  readonly #credentials: InterBrokerCredentials | undefined;
  readonly #connections = new Map<number, { address: string; connection: Promise<PeerConnection> }>();
  #closed = false;

  constructor(clientId: string, credentials: InterBrokerCredentials | undefined) {
    this.#clientId = clientId;
    this.#credentials = credentials;
  }

  /**
   * Sends `request` to `peer`; rejects (PeerConnectionError) when it cannot be reached, refuses it or leaves
   * it unanswered for `timeoutMs`.
   */
  async request<Req, Res>(peer: BrokerRecord, api: ApiSpec<Req, Res>, request: Req, timeoutMs: number): Promise<Res> {
    const connection = this.#connection(peer);
    try {
      return await (await connection).request(api, request, timeoutMs);
    } catch (error) {
      if (this.#connections.get(peer.id)?.connection === connection) this.#connections.delete(peer.id);
      void connection.then((c) => c.close()).catch(() => undefined);
      throw error;
    }
  }

  #connection(peer: BrokerRecord): Promise<PeerConnection> {
    if (this.#closed) return Promise.reject(new Error('this broker is stopping'));
    const address = `${peer.host}:${peer.port}`;
    const known = this.#connections.get(peer.id);
    if (known && known.address === address) return known.connection;
    if (known) void known.connection.then((c) => c.close()).catch(() => undefined);
    const connection = PeerConnection.open(peer.host, peer.port, this.#clientId, CONNECT_TIMEOUT_MS, this.#credentials);
    // A failed open is not kept: the next request tries again.
    connection.catch(() => {
      if (this.#connections.get(peer.id)?.connection === connection) this.#connections.delete(peer.id);
    });
    this.#connections.set(peer.id, { address, connection });
    return connection;
  }

  close(): void {
    this.#closed = true;
    for (const { connection } of this.#connections.values())
      void connection.then((c) => c.close()).catch(() => undefined);
    this.#connections.clear();
  }
}
