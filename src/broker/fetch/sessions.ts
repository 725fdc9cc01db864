// Fetch's per-connection state, keyed by connection id: each connection's read-ahead (read-ahead.ts),
// made on its first fetch and dropped when the connection closes (its signal aborts). The transport
// knows nothing of it; a fetch reaches its connection's state through RequestContext.connectionId.
import type { ReadBufferPool } from '../../../storage/index.js';
import type { MemoryShare } from '../transport/wire.js';
import { onAbort } from './abort-hooks.js';
import { FetchReadAhead } from './read-ahead.js';

/** What a fetch request tells of its connection (RequestContext). */
export interface FetchConnection {
  readonly connectionId: number;
  /** Aborted when the connection closes. */
  readonly signal: AbortSignal;
  readonly connectionMemory: MemoryShare;
}

export class FetchSessions {
  readonly #readAheads = new Map<number, FetchReadAhead>();

  constructor(
    private readonly pool: ReadBufferPool,
    /** Read-ahead bytes one connection may hold (the broker's maxFetchBytes). */
    private readonly maxBytesPerConnection: number,
  ) {}

  /** Connections with fetch state. */
  get size(): number {
    return this.#readAheads.size;
  }

  /** The read-ahead of this request's connection; a closed one (starting nothing) if it has closed. */
  readAheadOf(ctx: FetchConnection): FetchReadAhead {
    const known = this.#readAheads.get(ctx.connectionId);
    if (known) return known;
    const readAhead = new FetchReadAhead(this.pool, this.maxBytesPerConnection, ctx.connectionMemory);
    if (ctx.signal.aborted) {
      readAhead.close();
      return readAhead;
    }
    this.#readAheads.set(ctx.connectionId, readAhead);
    onAbort(ctx.signal, () => {
      this.#readAheads.delete(ctx.connectionId);
      readAhead.close();
    });
    return readAhead;
  }
}
