// Fetch's per-connection state, keyed by connection id: each connection's read-ahead (read-ahead.ts) and
// fetch chain (chain.ts), made on its first fetch and dropped when the connection closes (its signal aborts). The transport
// knows nothing of it; a fetch reaches its connection's state through RequestContext.connectionId.
import type { ReadBufferPool } from '../../../storage/index.js';
import type { MemoryShare } from '../transport/wire.js';
import { onAbort } from './abort-hooks.js';
import { FetchChain } from './chain.js';
import { FetchReadAhead } from './read-ahead.js';

/** What a fetch request tells of its connection (RequestContext). */
export interface FetchConnection {
  readonly connectionId: number;
  /** Aborted when the connection closes. */
  readonly signal: AbortSignal;
  readonly connectionMemory: MemoryShare;
}

/** One connection's fetch state. */
export interface FetchSession {
  readonly readAhead: FetchReadAhead;
  readonly chain: FetchChain;
}

export class FetchSessions {
  readonly #sessions = new Map<number, FetchSession>();

  constructor(
    private readonly pool: ReadBufferPool,
    /** Read-ahead bytes one connection may hold (the broker's maxFetchBytes). */
    private readonly maxBytesPerConnection: number,
  ) {}

  /** Connections with fetch state. */
  get size(): number {
    return this.#sessions.size;
  }

  /** The read-ahead of this request's connection; a closed one (starting nothing) if it has closed. */
  readAheadOf(ctx: FetchConnection): FetchReadAhead {
    return this.sessionOf(ctx).readAhead;
  }

  /** This request's connection's state; a fresh one, not kept, with a closed read-ahead if it has closed. */
  sessionOf(ctx: FetchConnection): FetchSession {
    const known = this.#sessions.get(ctx.connectionId);
    if (known) return known;
    const readAhead = new FetchReadAhead(this.pool, this.maxBytesPerConnection, ctx.connectionMemory);
    const session: FetchSession = { readAhead, chain: new FetchChain() };
    if (ctx.signal.aborted) {
      readAhead.close();
      return session;
    }
    this.#sessions.set(ctx.connectionId, session);
    onAbort(ctx.signal, () => {
      this.#sessions.delete(ctx.connectionId);
      readAhead.close();
    });
    return session;
  }
}
