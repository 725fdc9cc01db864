// The TCP listener: accepts sockets, gives each a Connection, and on stop closes the listener, drains
// the connections (in-flight requests answered) within a grace period, then destroys what is left.
import { createServer, type AddressInfo, type Server as NetServer } from 'node:net';
import type { Logger } from 'pino';
import type { BrokerConfig } from './config.js';
import { Connection } from './connection.js';
import type { HandlerRegistry } from './handlers/index.js';
import type { BrokerContext } from './handlers/types.js';

export class Server {
  private readonly server: NetServer;
  private readonly connections = new Set<Connection>();
  private readonly logger: Logger;

  constructor(
    private readonly config: BrokerConfig,
    registry: HandlerRegistry,
    broker: BrokerContext,
  ) {
    this.logger = config.logger;
    this.server = createServer({ noDelay: true, pauseOnConnect: true }, (socket) => {
      const connection = new Connection(socket, {
        config,
        registry,
        broker,
        logger: this.logger,
        onClose: (c) => this.connections.delete(c),
      });
      this.connections.add(connection);
    });
    this.server.on('error', (error) => this.logger.error({ err: error }, 'listener error'));
  }

  /** Binds host:port and resolves with the port actually bound (port 0 → an ephemeral one). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.server.once('error', onError);
      this.server.listen({ host: this.config.host, port: this.config.port }, () => {
        this.server.off('error', onError);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Stops accepting, drains connections for up to `graceMs`, then destroys the rest. */
  async close(graceMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const drained = Promise.all([...this.connections].map((c) => c.shutdown()));
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    const outcome = await Promise.race([drained.then(() => 'drained' as const), expired]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.logger.warn(
        { connections: this.connections.size },
        'shutdown grace period over; closing connections with requests in flight',
      );
    }
    for (const c of this.connections) c.destroy();
    await closed;
  }
}
