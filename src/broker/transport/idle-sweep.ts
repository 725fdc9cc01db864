// Closes connections that stayed idle for connectionsMaxIdleMs (Kafka's connections.max.idle.ms): nothing
// in flight (Connection.quiet) and no byte read or written. A client that vanished without closing (its host
// crashed, a NAT or firewall forgot the connection) sends nothing and is sent nothing, so its connection
// would otherwise stay open for ever; a live client reconnects on its next request.
//
// The I/O paths only set a flag (Connection.takeActivity reads and clears it); the sweep runs every quarter of
// the limit and counts the sweeps in a row that found a connection quiet and inactive. A connection is closed on the
// sweep that sees it idle for the whole limit: between connectionsMaxIdleMs and a quarter more after its
// last byte.
import type { Connection } from './connection.js';

/** Sweeps per idle limit. */
const SWEEPS_PER_LIMIT = 4;

export class IdleSweep {
  readonly #idleMs: number;
  readonly #connections: () => Iterable<Connection>;
  /** Consecutive sweeps that found each connection quiet and inactive. */
  readonly #idleSweeps = new WeakMap<Connection, number>();
  readonly #timer: NodeJS.Timeout;

  constructor(idleMs: number, connections: () => Iterable<Connection>) {
    this.#idleMs = idleMs;
    this.#connections = connections;
    this.#timer = setInterval(() => this.sweep(), Math.max(1, Math.floor(idleMs / SWEEPS_PER_LIMIT)));
    this.#timer.unref();
  }

  sweep(): void {
    for (const connection of this.#connections()) {
      const active = connection.takeActivity();
      if (active || !connection.quiet) {
        this.#idleSweeps.set(connection, 0);
        continue;
      }
      const sweeps = (this.#idleSweeps.get(connection) ?? 0) + 1;
      this.#idleSweeps.set(connection, sweeps);
      if (sweeps >= SWEEPS_PER_LIMIT) connection.closeIdle(this.#idleMs);
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
