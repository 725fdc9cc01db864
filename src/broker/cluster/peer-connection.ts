// One broker-to-broker connection on the native protocol (a follower's link to a leader): typed requests,
// answered in order (the broker answers a connection's requests in request order). No retries and no
// reconnects here: a lost connection rejects what is in flight, and the owner (replica-fetcher.ts) opens
// a new one. A request given a timeout that passes unanswered closes the connection the same way: a link
// that went silent without closing gives no other sign.
//
// Inter-broker authentication: with credentials (cluster.interBrokerUser, set when the brokers require
// authentication) the connection runs SCRAM (SaslHandshake, then two Authenticate rounds, and checks the
// peer's server signature) before it is handed out, so replica requests carry that principal, which needs
// ClusterAction (a super user, or an ACL). The password is read from its closure only for the exchange and
// appears in no error or log line.
import { connect, type Socket } from 'node:net';
import {
  AuthenticateApi,
  SaslHandshakeApi,
  type ApiSpec,
  type DecodedResponseFrame,
  decodeResponsePayload,
  encodeRequestFrame,
  FrameDecoder,
} from '../../protocol/index.js';
import { ScramClientExchange, type ScramMechanism } from '../../protocol/sasl/scram.js';

/** How a broker authenticates to its peers. */
export interface InterBrokerCredentials {
  readonly user: string;
  readonly mechanism: ScramMechanism;
  /** The password, read only when an exchange runs (never kept in a field that could be logged). */
  password(): string;
}

/** Frames up to this size are accepted from a leader (a fetch answer holds at most its maxBytes plus one batch). */
const MAX_FRAME_BYTES = 256 * 1024 * 1024;

export class PeerConnectionError extends Error {
  override name = 'PeerConnectionError';
}

export class PeerConnection {
  readonly #socket: Socket;
  readonly #decoder = new FrameDecoder(MAX_FRAME_BYTES);
  readonly #waiting = new Map<number, { resolve(payload: DecodedResponseFrame): void; reject(e: Error): void }>();
  #nextCorrelationId = 1;
  #closed: Error | undefined;
  readonly #clientId: string;

  private constructor(socket: Socket, clientId: string) {
    this.#socket = socket;
    this.#clientId = clientId;
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const payload of this.#decoder.push(chunk)) {
          const response = decodeResponsePayload(payload);
          const waiter = this.#waiting.get(response.correlationId);
          this.#waiting.delete(response.correlationId);
          waiter?.resolve(response);
        }
      } catch (error) {
        this.#fail(new PeerConnectionError(`a malformed frame from the peer: ${(error as Error).message}`));
        socket.destroy();
      }
    });
    socket.on('close', () => this.#fail(new PeerConnectionError('the connection to the peer broker closed')));
    socket.on('error', () => {});
  }

  /** Connects (and authenticates, with `credentials`); rejects with a PeerConnectionError saying why. */
  static async open(
    host: string,
    port: number,
    clientId: string,
    timeoutMs: number,
    credentials?: InterBrokerCredentials,
  ): Promise<PeerConnection> {
    const connection = await PeerConnection.#connect(host, port, clientId, timeoutMs);
    if (!credentials) return connection;
    try {
      await connection.#authenticate(credentials, `${host}:${port}`, timeoutMs);
    } catch (error) {
      connection.close();
      throw error;
    }
    return connection;
  }

  /** SCRAM with the peer, each of its requests answered within `timeoutMs` (the connect timeout). */
  async #authenticate(credentials: InterBrokerCredentials, peer: string, timeoutMs: number): Promise<void> {
    const { user, mechanism } = credentials;
    const refused = (why: string) =>
      new PeerConnectionError(`inter-broker authentication as ${user} (${mechanism}) with ${peer} failed: ${why}`);
    const handshake = await this.request(SaslHandshakeApi, { mechanism }, timeoutMs);
    if (handshake.errorCode !== 0)
      throw refused(handshake.errorMessage ?? `the peer offers ${handshake.mechanisms.join(', ') || 'no mechanism'}`);
    const round = async (text: string): Promise<string> => {
      const answer = await this.request(AuthenticateApi, { authBytes: Buffer.from(text, 'utf8') }, timeoutMs);
      if (answer.errorCode !== 0) throw refused(answer.errorMessage ?? 'refused');
      return answer.authBytes.toString('utf8');
    };
    const scram = new ScramClientExchange(mechanism, user, credentials.password());
    const serverFirst = await round(scram.first());
    let clientFinal: string;
    try {
      clientFinal = scram.final(serverFirst);
    } catch (error) {
      throw refused((error as Error).message);
    }
    const serverFinal = await round(clientFinal);
    try {
      scram.verify(serverFinal);
    } catch (error) {
      throw refused((error as Error).message);
    }
  }

  static #connect(host: string, port: number, clientId: string, timeoutMs: number): Promise<PeerConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new PeerConnectionError(`cannot connect to ${host}:${port} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve(new PeerConnection(socket, clientId));
      });
      const onError = (error: Error) => {
        clearTimeout(timer);
        reject(new PeerConnectionError(`cannot connect to ${host}:${port}: ${error.message}`));
      };
      socket.once('error', onError);
    });
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /**
   * Sends a request; resolves with its decoded response, rejects when the connection is lost or the peer
   * refuses it. With `timeoutMs`, no answer within it closes the connection (rejecting every request in
   * flight on it).
   */
  async request<Req, Res>(api: ApiSpec<Req, Res>, request: Req, timeoutMs?: number): Promise<Res> {
    if (this.#closed) throw this.#closed;
    const correlationId = this.#nextCorrelationId++;
    const { body, tail } = api.encodeRequest(request);
    let timer: NodeJS.Timeout | undefined;
    const answered = new Promise<DecodedResponseFrame>((resolve, reject) => {
      this.#waiting.set(correlationId, { resolve, reject });
      if (timeoutMs === undefined) return;
      timer = setTimeout(() => {
        this.#fail(
          new PeerConnectionError(
            `the peer did not answer ${api.name} within ${timeoutMs} ms: the connection is closed`,
          ),
        );
        this.#socket.destroy();
      }, timeoutMs);
      timer.unref();
    }).finally(() => clearTimeout(timer));
    const frame = encodeRequestFrame(
      { apiKey: api.key, apiVersion: api.maxVersion, correlationId, clientId: this.#clientId },
      body,
      tail,
    );
    this.#socket.cork();
    for (const chunk of frame) this.#socket.write(chunk);
    this.#socket.uncork();
    const raw = await answered;
    if (raw.error) throw new PeerConnectionError(`the peer refused ${api.name}: ${raw.error.message}`);
    return api.decodeResponse(raw.body, raw.tail, api.maxVersion);
  }

  close(): void {
    this.#fail(new PeerConnectionError('the connection to the peer broker was closed'));
    this.#socket.destroy();
  }

  #fail(error: Error): void {
    this.#closed ??= error;
    for (const waiter of this.#waiting.values()) waiter.reject(this.#closed);
    this.#waiting.clear();
  }
}
