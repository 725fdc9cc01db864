// One TCP listener: accepts sockets on host:port and gives each a Connection that speaks the listener's
// wire. Everything else a connection draws on (connection limits, the memory budget, the landing buffer
// of direct reads, connection ids) is the Transport's, shared by every listener of the broker.
//
// A TLS listener is the same with TLS in between: the connection limits count the TCP connection from
// its accept (a handshake in progress holds its place), the Connection is made once the handshake is
// done, over the decrypted stream, with the client's certificate identity (mutual TLS) as its starting
// principal. A failed handshake (a plaintext client, a missing or untrusted client certificate) closes
// that socket only, with a log line saying why (tls-failures.ts). The TCP listener is a plain one: a
// connection's first bytes decide whether it goes on to the TLS server (never listening itself: it is handed
// the socket, those bytes put back) or is a plaintext client, answered with a TLS alert (an HTTP 400 to an
// HTTP client) that tells it at once the port speaks TLS — Node's TLS server closes such a client without a
// word, which a client cannot tell from a broker stopping. The certificate can be replaced while
// it runs (TlsCertificates.reload → setSecureContext): new handshakes use the new one, open connections
// are not touched.
//
// A connection refused over a connection limit is told why where the wire can say it
// (refused-connections.ts); over TLS, once its handshake is done.
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../config.js';
import type { TlsCertificates } from '../security/tls/certificates.js';
import { identifyClient, type TlsFacts } from '../security/tls/client-certificate.js';
import { Connection } from './connection.js';
import type { ConnectionLimits } from './connection-limits.js';
import type { MemoryBudget } from './memory-budget.js';
import type { RefusedConnections } from './refused-connections.js';
import { HandshakeFailureLog, handshakeFailure, plaintextOnTlsPort } from './tls-failures.js';
import type { Wire } from './wire.js';

function peerOf(socket: Socket): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
}

/** What every listener of a broker shares (transport.ts). */
export interface ListenerShared {
  readonly config: BrokerConfig;
  readonly logger: Logger;
  readonly limits: ConnectionLimits;
  readonly refused: RefusedConnections;
  readonly memory: MemoryBudget;
  readonly scratch: Buffer;
  nextConnectionId(): number;
  /** `listener`: the listener's name (Listener.name), the metrics' label. */
  opened(connection: Connection, listener: string): void;
  closed(connection: Connection, listener: string): void;
}

/** A TLS handshake record's first byte (content type 22); a plaintext client's first byte is anything else. */
const TLS_HANDSHAKE_RECORD = 0x16;
/** How long a plaintext client on a TLS port has to read its answer before its socket is destroyed. */
const PLAINTEXT_ANSWER_GRACE_MS = 1000;

export class Listener {
  private readonly server: NetServer;
  private unsubscribe: (() => void) | null = null;
  private port = -1;
  /** TCP connections of a TLS listener still in their handshake, by "address:port": closed with the listener. */
  private readonly handshaking = new Map<string, Socket>();
  /** Why each TCP connection in `handshaking` that is over a connection limit was refused, by "address:port". */
  private readonly refusedHandshakes = new Map<string, string>();
  /** A TLS listener's log of failed handshakes and plaintext clients, rate limited. */
  private readonly tlsFailures: HandshakeFailureLog;

  constructor(
    readonly wire: Wire,
    private readonly shared: ListenerShared,
    private readonly certificates: TlsCertificates | null = null,
  ) {
    this.tlsFailures = new HandshakeFailureLog(shared.logger);
    this.server = certificates ? this.tlsServer(certificates) : this.plainServer();
    // Before it listens, an error (a port in use, a bad host) is listen()'s rejection, reported once by whoever
    // started the broker; only errors of a listening server are logged here.
    this.server.on('error', (error) => {
      if (this.port >= 0) shared.logger.error({ err: error, listener: this.name }, 'listener error');
    });
  }

  /** For logs and metrics: "native", "kafka", "native-tls", "kafka-tls". */
  get name(): string {
    return this.certificates ? `${this.wire.name}-tls` : this.wire.name;
  }

  private plainServer(): NetServer {
    return createServer({ noDelay: true, pauseOnConnect: true }, (socket) => {
      const refusal = this.admit(socket);
      if (refusal === null) this.open(socket, null);
      else if (this.holdRefused(socket)) this.answerRefused(socket, refusal);
    });
  }

  private tlsServer(certificates: TlsCertificates): NetServer {
    const tls = this.tlsHandshakes(certificates);
    return createServer({ pauseOnConnect: true }, (socket) => {
      const refusal = this.admit(socket);
      if (refusal !== null && !this.holdRefused(socket)) return;
      const key = peerOf(socket);
      this.handshaking.set(key, socket);
      if (refusal !== null) this.refusedHandshakes.set(key, refusal);
      socket.once('close', () => {
        this.handshaking.delete(key);
        this.refusedHandshakes.delete(key);
      });
      // A client that sends nothing is dropped like one that stalls mid-frame (the handshake has the same time).
      socket.setTimeout(this.shared.config.stallTimeoutMs, () => socket.destroy());
      socket.on('error', () => {}); // a reset before the first bytes: the 'close' that follows is all there is
      socket.once('data', (first: Buffer) => {
        socket.pause();
        socket.setTimeout(0);
        if (first[0] === TLS_HANDSHAKE_RECORD) {
          // The TLS socket made over this one reads the bytes put back first (Node: "buffered data").
          socket.unshift(first);
          tls.emit('connection', socket);
        } else this.answerPlaintext(socket, first);
      });
      socket.resume();
    });
  }

  /** A plaintext client on a TLS port: logged, answered so that it knows at once, closed. */
  private answerPlaintext(socket: Socket, first: Buffer): void {
    const { message, reply } = plaintextOnTlsPort(first, this.port, this.wire.name);
    this.tlsFailures.failed(message, { peer: peerOf(socket), listener: this.name });
    socket.end(reply);
    setTimeout(() => socket.destroy(), PLAINTEXT_ANSWER_GRACE_MS).unref();
  }

  /** The TLS server the TLS listener hands the connections that begin with a TLS handshake. */
  private tlsHandshakes(certificates: TlsCertificates): TlsServer {
    const server = createTlsServer({
      ...certificates.serverOptions(),
      // A client that connects and never finishes the handshake is dropped like one that stalls mid-frame.
      handshakeTimeout: this.shared.config.stallTimeoutMs,
    });
    server.on('secureConnection', (socket: TLSSocket) => {
      const key = peerOf(socket);
      this.handshaking.delete(key);
      const refusal = this.refusedHandshakes.get(key);
      if (refusal !== undefined) {
        this.answerRefused(socket, refusal);
        return;
      }
      const identity = identifyClient(socket, certificates.config);
      if ('refused' in identity) {
        this.tlsFailures.failed(
          `a client was refused by the ${this.wire.name} TLS port ${this.port}: ${identity.refused}`,
          {
            peer: peerOf(socket),
            listener: this.name,
          },
        );
        socket.destroy();
        return;
      }
      this.open(socket, identity.facts);
    });
    server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
      this.tlsFailures.failed(handshakeFailure(error, this.port, this.wire.name), {
        peer: peerOf(socket),
        listener: this.name,
        code: error.code,
      });
    });
    this.unsubscribe = certificates.onReload((context) => server.setSecureContext(context));
    return server;
  }

  /**
   * Counts an accepted TCP connection against the limits until it closes (null), or returns why it is
   * refused: the caller holds it for an answer (holdRefused) or it is closed.
   */
  private admit(socket: Socket): string | null {
    const address = socket.remoteAddress ?? '?';
    const refusal = this.shared.limits.admit(socket, address);
    if (refusal !== null) return refusal;
    socket.once('close', () => this.shared.limits.closed(address));
    return null;
  }

  /** Whether a refused connection is kept to be told why (refused-connections.ts); else it is destroyed now. */
  private holdRefused(socket: Socket): boolean {
    if (this.wire.refusalAnswer && this.shared.refused.hold(socket)) return true;
    socket.destroy();
    return false;
  }

  /** Answers a held refused connection's first request with the wire's refusal, then ends it. */
  private answerRefused(stream: Socket, reason: string): void {
    this.shared.refused.answer(stream, (firstFrame) => this.wire.refusalAnswer?.(firstFrame, reason) ?? null);
  }

  private open(socket: Socket, tls: TlsFacts | null): void {
    const { shared } = this;
    const connection = new Connection(socket, {
      id: shared.nextConnectionId(),
      wire: this.wire,
      listener: this.name,
      tls,
      config: shared.config,
      logger: shared.logger,
      memory: shared.memory,
      scratch: shared.scratch,
      onClose: (c) => shared.closed(c, this.name),
    });
    shared.opened(connection, this.name);
  }

  /** Binds host:port and resolves with the port actually bound (port 0 → an ephemeral one). */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.server.once('error', onError);
      this.server.listen({ host, port }, () => {
        this.server.off('error', onError);
        this.port = (this.server.address() as AddressInfo).port;
        resolve(this.port);
      });
    });
  }

  /** Stops accepting; resolves once the listening socket is closed (connections are the Transport's). */
  close(): Promise<void> {
    this.unsubscribe?.();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.handshaking.values()) socket.destroy();
    return closed;
  }
}
