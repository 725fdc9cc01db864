// Fetch's per-connection state, keyed by connection id: each connection's read-ahead (read-ahead.ts),
// made on its first fetch and dropped when the connection closes (its signal aborts), and its open
// FetchPush streams (push-stream.ts) by stream id, each removed by its own handler when it ends. The
// transport knows nothing of it; a fetch reaches its connection's state through RequestContext.connectionId.
import type { ReadBufferPool } from '../../../storage/index.js';
import type { MemoryShare } from '../transport/wire.js';
import { onAbort } from './abort-hooks.js';
import { PushStream } from './push-stream.js';
import { FetchReadAhead, ReadsInFlight, threadPoolSize } from './read-ahead.js';

/** What a fetch request tells of its connection (RequestContext). */
export interface FetchConnection {
  readonly connectionId: number;
  /** Aborted when the connection closes. */
  readonly signal: AbortSignal;
  readonly connectionMemory: MemoryShare;
}

export class FetchSessions {
  readonly #readAheads = new Map<number, FetchReadAhead>();
  readonly #streams = new Map<number, Map<number, PushStream>>();
  /** Every connection's read-aheads reading now. */
  readonly #reads = new ReadsInFlight(threadPoolSize());

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
    const readAhead = new FetchReadAhead(this.pool, this.maxBytesPerConnection, ctx.connectionMemory, this.#reads);
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

  /** Opens stream `streamId` (its FetchPush request's correlationId) of this connection; closeStream() ends it. */
  openStream(ctx: FetchConnection, streamId: number, creditBytes: number): PushStream {
    const stream = new PushStream(creditBytes);
    let streams = this.#streams.get(ctx.connectionId);
    if (!streams) this.#streams.set(ctx.connectionId, (streams = new Map()));
    streams.get(streamId)?.end(); // a client reusing a correlationId ends the older stream
    streams.set(streamId, stream);
    return stream;
  }

  /** The open stream `streamId` of connection `connectionId`, if any. */
  streamOf(connectionId: number, streamId: number): PushStream | undefined {
    return this.#streams.get(connectionId)?.get(streamId);
  }

  closeStream(ctx: FetchConnection, streamId: number, stream: PushStream): void {
    const streams = this.#streams.get(ctx.connectionId);
    if (streams?.get(streamId) !== stream) return;
    streams.delete(streamId);
    if (streams.size === 0) this.#streams.delete(ctx.connectionId);
  }

  /** Open FetchPush streams, every connection's. */
  get streams(): number {
    let n = 0;
    for (const streams of this.#streams.values()) n += streams.size;
    return n;
  }
}
