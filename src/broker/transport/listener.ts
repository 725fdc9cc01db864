// One TCP listener: accepts sockets on host:port and gives each a Connection that speaks the listener's
// wire. Everything else a connection draws on (connection limits, the memory budget, the landing buffer
// of direct reads, connection ids) is the Transport's, shared by every listener of the broker.
//
// A TLS listener is the same with TLS in between: the connection limits count the TCP connection from
// its accept (a handshake in progress holds its place), the Connection is made once the handshake is
// done, over the decrypted stream, with the client's certificate identity (mutual TLS) as its starting
// principal. A failed handshake (a plaintext client, a missing or untrusted client certificate) closes
// that socket only, with a log line saying why (tls-failures.ts). The certificate can be replaced while
// it runs (TlsCertificates.reload → setSecureContext): new handshakes use the new one, open connections
// are not touched.
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../config.js';
import type { TlsCertificates } from '../security/tls/certificates.js';
import { identifyClient, type TlsFacts } from '../security/tls/client-certificate.js';
import { Connection } from './connection.js';
import type { ConnectionLimits } from './connection-limits.js';
import type { MemoryBudget } from './memory-budget.js';
import { HandshakeFailureLog, handshakeFailure } from './tls-failures.js';
import type { Wire } from './wire.js';

function peerOf(socket: Socket): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
}

/** What every listener of a broker shares (transport.ts). */
export interface ListenerShared {
  readonly config: BrokerConfig;
  readonly logger: Logger;
  readonly limits: ConnectionLimits;
  readonly memory: MemoryBudget;
  readonly scratch: Buffer;
  nextConnectionId(): number;
  /** `listener`: the listener's name (Listener.name), the metrics' label. */
  opened(connection: Connection, listener: string): void;
  closed(connection: Connection, listener: string): void;
}

export class Listener {
  private readonly server: NetServer | TlsServer;
  private unsubscribe: (() => void) | null = null;
  private port = -1;
  /** TCP connections of a TLS listener still in their handshake, by "address:port": closed with the listener. */
  private readonly handshaking = new Map<string, Socket>();

  constructor(
    readonly wire: Wire,
    private readonly shared: ListenerShared,
    private readonly certificates: TlsCertificates | null = null,
  ) {
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
      if (this.admit(socket)) this.open(socket, null);
    });
  }

  private tlsServer(certificates: TlsCertificates): TlsServer {
    const server = createTlsServer({
      ...certificates.serverOptions(),
      // A client that connects and never finishes the handshake is dropped like one that stalls mid-frame.
      handshakeTimeout: this.shared.config.stallTimeoutMs,
    });
    server.on('connection', (socket: Socket) => {
      if (!this.admit(socket)) return;
      const key = peerOf(socket);
      this.handshaking.set(key, socket);
      socket.once('close', () => this.handshaking.delete(key));
    });
    server.on('secureConnection', (socket: TLSSocket) => {
      this.handshaking.delete(peerOf(socket));
      const identity = identifyClient(socket, certificates.config);
      if ('refused' in identity) {
        failures.failed(`a client was refused by the ${this.wire.name} TLS port ${this.port}: ${identity.refused}`, {
          peer: peerOf(socket),
          listener: this.name,
        });
        socket.destroy();
        return;
      }
      this.open(socket, identity.facts);
    });
    const failures = new HandshakeFailureLog(this.shared.logger);
    server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
      failures.failed(handshakeFailure(error, this.port, this.wire.name), {
        peer: peerOf(socket),
        listener: this.name,
        code: error.code,
      });
    });
    this.unsubscribe = certificates.onReload((context) => server.setSecureContext(context));
    return server;
  }

  /** Counts an accepted TCP connection against the limits until it closes; false: refused (destroyed). */
  private admit(socket: Socket): boolean {
    const address = socket.remoteAddress ?? '?';
    if (!this.shared.limits.admit(socket, address)) return false;
    socket.once('close', () => this.shared.limits.closed(address));
    return true;
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
