// The Kafka listener: a second TCP door on the broker's host, speaking Kafka's binary protocol over the same
// core (topics, logs, groups, producer state) as the native listener. Accepts sockets, gives each a
// KafkaConnection, and on stop drains them (in-flight requests answered) within the grace period.
// maxConnections and maxConnectionsPerAddress apply to this listener's connections as on the native one.
import { createServer, type AddressInfo, type Server as NetServer } from 'node:net';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../config.js';
import type { BrokerContext } from '../handlers/types.js';
import type { MemoryBudget } from '../transport/memory-budget.js';
import { KafkaConnection } from './connection.js';
import type { KafkaListenerInfo } from './handler.js';
import { KAFKA_HANDLERS } from './handlers/index.js';
import { KafkaHandlerRegistry } from './registry.js';

/** A listen() failure of the Kafka listener (e.g. EADDRINUSE), told apart from the native listener's. */
export class KafkaListenError extends Error {
  override name = 'KafkaListenError';
  constructor(
    message: string,
    readonly code: string | undefined,
    override readonly cause: unknown,
  ) {
    super(message);
  }
}

/** Direct reads land here unless they go straight into a frame: Node's own socket read size. */
const SCRATCH_BYTES = 64 * 1024;

export class KafkaServer {
  private readonly server: NetServer;
  private readonly connections = new Set<KafkaConnection>();
  private readonly perAddress = new Map<string, number>();
  private readonly logger: Logger;
  private readonly registry = new KafkaHandlerRegistry(KAFKA_HANDLERS);
  private readonly scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  private boundPort = -1;

  constructor(
    private readonly config: BrokerConfig,
    private readonly port: number,
    broker: BrokerContext,
    memory: MemoryBudget,
    /** Connection ids shared with the native listener's (the transport's). */
    nextConnectionId: () => number,
  ) {
    this.logger = config.logger;
    const self = this;
    const listener: KafkaListenerInfo = {
      advertisedHost: config.advertisedHost,
      get advertisedPort() {
        return config.advertisedKafkaPort ?? self.boundPort;
      },
      apiVersions: () => this.registry.versions(),
    };
    this.server = createServer({ noDelay: true, pauseOnConnect: true }, (socket) => {
      const address = socket.remoteAddress ?? '?';
      const open = this.perAddress.get(address) ?? 0;
      if (this.connections.size >= config.maxConnections || open >= config.maxConnectionsPerAddress) {
        this.logger.warn(
          { peer: `${address}:${socket.remotePort ?? '?'}` },
          'Kafka connection refused: too many connections',
        );
        socket.destroy();
        return;
      }
      this.perAddress.set(address, open + 1);
      const connection = new KafkaConnection(socket, {
        config,
        registry: this.registry,
        broker,
        listener,
        logger: this.logger,
        memory,
        scratch: this.scratch,
        connectionId: nextConnectionId(),
        onClose: (c) => {
          this.connections.delete(c);
          const left = (this.perAddress.get(address) ?? 1) - 1;
          if (left > 0) this.perAddress.set(address, left);
          else this.perAddress.delete(address);
        },
      });
      this.connections.add(connection);
    });
    this.server.on('error', (error) => this.logger.error({ err: error }, 'Kafka listener error'));
  }

  /** Binds host:port and resolves with the port actually bound (0 → a free one). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) =>
        reject(
          new KafkaListenError(
            `the Kafka listener cannot bind ${this.config.host}:${this.port}: ${error.message}`,
            error.code,
            error,
          ),
        );
      this.server.once('error', onError);
      this.server.listen({ host: this.config.host, port: this.port }, () => {
        this.server.off('error', onError);
        this.boundPort = (this.server.address() as AddressInfo).port;
        resolve(this.boundPort);
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
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([drained, expired]);
    clearTimeout(timer);
    for (const c of this.connections) c.destroy();
    await closed;
  }
}
