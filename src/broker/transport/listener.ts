// One TCP listener: accepts sockets on host:port and gives each a Connection that speaks the listener's
// wire. Everything else a connection draws on (connection limits, the memory budget, the landing buffer
// of direct reads, connection ids) is the Transport's, shared by every listener of the broker.
import { createServer, type AddressInfo, type Server as NetServer } from 'node:net';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../config.js';
import { Connection } from './connection.js';
import type { ConnectionLimits } from './connection-limits.js';
import type { MemoryBudget } from './memory-budget.js';
import type { Wire } from './wire.js';

/** What every listener of a broker shares (transport.ts). */
export interface ListenerShared {
  readonly config: BrokerConfig;
  readonly logger: Logger;
  readonly limits: ConnectionLimits;
  readonly memory: MemoryBudget;
  readonly scratch: Buffer;
  nextConnectionId(): number;
  opened(connection: Connection): void;
  closed(connection: Connection): void;
}

export class Listener {
  private readonly server: NetServer;

  constructor(
    readonly wire: Wire,
    shared: ListenerShared,
  ) {
    this.server = createServer({ noDelay: true, pauseOnConnect: true }, (socket) => {
      const address = socket.remoteAddress ?? '?';
      if (!shared.limits.admit(socket, address)) return;
      const connection = new Connection(socket, {
        id: shared.nextConnectionId(),
        wire,
        config: shared.config,
        logger: shared.logger,
        memory: shared.memory,
        scratch: shared.scratch,
        onClose: (c) => {
          shared.limits.closed(address);
          shared.closed(c);
        },
      });
      shared.opened(connection);
    });
    this.server.on('error', (error) => shared.logger.error({ err: error, wire: wire.name }, 'listener error'));
  }

  /** Binds host:port and resolves with the port actually bound (port 0 → an ephemeral one). */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.server.once('error', onError);
      this.server.listen({ host, port }, () => {
        this.server.off('error', onError);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** Stops accepting; resolves once the listening socket is closed (connections are the Transport's). */
  close(): Promise<void> {
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
