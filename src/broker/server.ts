// The TCP listener: accepts sockets, gives each a Connection, and on stop closes the listener, drains
// the connections (in-flight requests answered) within a grace period, then destroys what is left.
//
// Limits: at most maxConnections connections, and maxConnectionsPerAddress from one remote address; a
// connection beyond either is closed as soon as it is accepted, before anything is read from it, with a
// warning (at most 10 lines a second; refusals beyond are counted in the next line). Every
// connection reads into one shared landing buffer and draws on one memory budget (memory-budget.ts).
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { BrokerConfig } from './config.js';
import { Connection } from './connection.js';
import type { HandlerRegistry } from './handlers/index.js';
import type { BrokerContext } from './handlers/types.js';
import { MemoryBudget } from './memory-budget.js';
import { connectionChannel } from './diagnostics.js';

/** Direct reads land here unless they go straight into a frame: Node's own socket read size. */
const SCRATCH_BYTES = 64 * 1024;
const REFUSAL_LOG_WINDOW_MS = 1000;
const REFUSAL_LOG_LINES = 10;

export class Server {
  private readonly server: NetServer;
  private readonly connections = new Set<Connection>();
  /** Open connections per remote address. */
  private readonly perAddress = new Map<string, number>();
  private readonly logger: Logger;
  readonly memory: MemoryBudget;
  private readonly scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  /** Refusal log lines in the current window, and refusals not logged since the last line. */
  private refusalWindowStart = 0;
  private refusalLines = 0;
  private refusedUnlogged = 0;

  constructor(
    private readonly config: BrokerConfig,
    registry: HandlerRegistry,
    broker: BrokerContext,
  ) {
    this.logger = config.logger;
    this.memory = new MemoryBudget(config.maxInFlightBytes);
    this.server = createServer({ noDelay: true, pauseOnConnect: true }, (socket) => {
      const address = socket.remoteAddress ?? '?';
      const refusal = this.refusal(address);
      if (refusal) {
        this.refuse(socket, address, refusal);
        return;
      }
      this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
      const connection = new Connection(socket, {
        config,
        registry,
        broker,
        logger: this.logger,
        memory: this.memory,
        scratch: this.scratch,
        onClose: (c) => {
          this.connections.delete(c);
          if (connectionChannel.hasSubscribers) connectionChannel.publish({ listener: 'native', delta: -1 });
          const left = (this.perAddress.get(address) ?? 1) - 1;
          if (left > 0) this.perAddress.set(address, left);
          else this.perAddress.delete(address);
        },
      });
      this.connections.add(connection);
      if (connectionChannel.hasSubscribers) connectionChannel.publish({ listener: 'native', delta: 1 });
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

  /** Why a new connection from `address` is refused, or null. */
  private refusal(address: string): string | null {
    const { maxConnections, maxConnectionsPerAddress } = this.config;
    if (this.connections.size >= maxConnections)
      return `the broker has ${this.connections.size} connections open (maxConnections ${maxConnections})`;
    const fromAddress = this.perAddress.get(address) ?? 0;
    if (fromAddress >= maxConnectionsPerAddress)
      return `${address} has ${fromAddress} connections open (maxConnectionsPerAddress ${maxConnectionsPerAddress})`;
    return null;
  }

  private refuse(socket: Socket, address: string, reason: string): void {
    socket.destroy();
    const now = Date.now();
    if (now - this.refusalWindowStart >= REFUSAL_LOG_WINDOW_MS) {
      this.refusalWindowStart = now;
      this.refusalLines = 0;
    }
    if (this.refusalLines >= REFUSAL_LOG_LINES) {
      this.refusedUnlogged++;
      return;
    }
    this.refusalLines++;
    const notLogged = this.refusedUnlogged;
    this.refusedUnlogged = 0;
    this.logger.warn(
      { peer: `${address}:${socket.remotePort ?? '?'}`, reason, ...(notLogged > 0 ? { notLogged } : {}) },
      `connection refused: ${reason}`,
    );
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
