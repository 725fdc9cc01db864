// The broker's transport: its listeners (the native protocol's, and any other wire beside it, such as
// Kafka's) and everything their connections share: the connection limits (connection-limits.ts) and the
// connections refused over them (refused-connections.ts), the memory budget of bytes in flight (memory-budget.ts), the sweep that closes idle connections
// (idle-sweep.ts), the landing buffer of direct reads and connection ids. On close it stops every listener,
// drains every connection (in-flight requests answered) within a grace period, then destroys what is left.
import type { Logger } from 'pino';
import type { BrokerConfig } from '../config.js';
import type { Connection } from './connection.js';
import { ConnectionLimits } from './connection-limits.js';
import { IdleSweep } from './idle-sweep.js';
import { Listener } from './listener.js';
import { MemoryBudget } from './memory-budget.js';
import { RefusedConnections } from './refused-connections.js';
import type { Wire } from './wire.js';
import type { TlsCertificates } from '../security/tls/certificates.js';
import { connectionChannel } from '../diagnostics.js';
import { publishConnectionActivity } from '../activity/events.js';

/** Direct reads land here unless they go straight into a frame: Node's own socket read size. */
const SCRATCH_BYTES = 64 * 1024;

export class Transport {
  readonly memory: MemoryBudget;
  private readonly logger: Logger;
  private readonly limits: ConnectionLimits;
  private readonly refused = new RefusedConnections();
  private readonly connections = new Set<Connection>();
  private readonly listeners: Listener[] = [];
  private readonly scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  private readonly idleSweep: IdleSweep | null;
  private lastConnectionId = 0;

  constructor(private readonly config: BrokerConfig) {
    this.logger = config.logger;
    this.memory = new MemoryBudget(config.maxInFlightBytes);
    this.limits = new ConnectionLimits(config, this.logger);
    this.idleSweep =
      config.connectionsMaxIdleMs > 0 ? new IdleSweep(config.connectionsMaxIdleMs, () => this.connections) : null;
  }

  /**
   * Opens a listener speaking `wire` on host:port, over TLS with `certificates`; resolves with the port
   * bound (0 → an ephemeral one).
   */
  async listen(wire: Wire, host: string, port: number, certificates: TlsCertificates | null = null): Promise<number> {
    const listener = new Listener(
      wire,
      {
        config: this.config,
        logger: this.logger,
        limits: this.limits,
        refused: this.refused,
        memory: this.memory,
        scratch: this.scratch,
        nextConnectionId: () => this.nextConnectionId(),
        opened: (c, name) => {
          this.connections.add(c);
          if (connectionChannel.hasSubscribers) connectionChannel.publish({ listener: name, delta: 1 });
          publishConnectionActivity('connection.opened', c, name);
        },
        closed: (c, name) => {
          this.connections.delete(c);
          if (connectionChannel.hasSubscribers) connectionChannel.publish({ listener: name, delta: -1 });
          publishConnectionActivity('connection.closed', c, name);
        },
      },
      certificates,
    );
    const bound = await listener.listen(host, port);
    this.listeners.push(listener);
    return bound;
  }

  /** A connection id never used before by any listener of this broker, this one's or another door's. */
  nextConnectionId(): number {
    return ++this.lastConnectionId;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Stops accepting, drains connections for up to `graceMs`, then destroys the rest. */
  async close(graceMs: number): Promise<void> {
    this.idleSweep?.stop();
    const closed = Promise.all(this.listeners.map((l) => l.close()));
    this.refused.destroyAll();
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
