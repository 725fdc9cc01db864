// What a listener's protocol plugs into the transport. The transport (connection.ts) owns everything a
// connection does whatever it speaks: length-prefixed frames (a u32/int32 size, then the payload: the
// native protocol and Kafka's alike), the memory budget, backpressure, responses in request order, the
// stall watchdog and graceful close. A wire owns the rest: the request header, dispatch to its handlers,
// the response encoding, and what to say to a client that speaks something else.
import type { Logger } from 'pino';
import type { Principal } from '../security/principal.js';
import type { TlsFacts } from '../security/tls/client-certificate.js';

/** A connection's share of the broker's memory budget, for optional work such as fetch read-ahead. */
export interface MemoryShare {
  /** Takes `bytes` if they are free now; false (nothing taken) otherwise. */
  tryReserve(bytes: number): boolean;
  /** Counts `bytes` that exist already: never refused. */
  charge(bytes: number): void;
  release(bytes: number): void;
  /**
   * `giveBack` releases what this optional work holds; it is called when one of the connection's frames
   * would otherwise wait for room. Optional holdings are let go by the connection's next request, so a
   * frame that waited behind them could wait forever.
   */
  onFrameWaiting(giveBack: () => void): void;
}

/** One connection, as a wire and its handlers see it. Per-connection state elsewhere is keyed by `id`. */
export interface ConnectionFacts {
  /** Unique among every connection of every listener of this broker, never reused. */
  readonly id: number;
  /** "host:port" of the client, for logs. */
  readonly peer: string;
  /** The client's address without the port (ACL hosts, per-address limits, the activity log). */
  readonly clientHost: string;
  /**
   * Who this connection acts as: ANONYMOUS until authentication (src/broker/security/) replaces it. Only
   * the authentication flow writes it; everything else reads it per request (RequestContext.principal).
   */
  principal: Principal;
  /**
   * The TLS session of a connection to a TLS listener (protocol, the client certificate and the principal
   * it maps to); null or absent on a plaintext listener. PLAIN is offered only where this is set.
   */
  readonly tls?: TlsFacts | null;
  /** The client id its first request named (null until one did): for the activity log. */
  readonly clientId: string | null;
  /** Called by the wire with each request's client id; only the first one named is kept. */
  noteClientId(clientId: string | null): void;
  readonly logger: Logger;
  /** Aborted when the connection closes: a long wait stops waiting for nobody. */
  readonly signal: AbortSignal;
  readonly memory: MemoryShare;
  /**
   * Stops reading this connection: the requests already dispatched are answered, then the socket is ended
   * (a failed authentication is answered, then closed, as Kafka does).
   */
  endAfterResponses(): void;
}

/**
 * What a response being built holds of the broker's memory budget. Any response is counted once encoded,
 * at its frame's bytes or at what its handler held, whichever is more; a handler that reads a lot before
 * that (fetch) reserves first, reads only what it got, then holds what its answer keeps alive (a pool
 * buffer its records are views of counts whole).
 */
export interface ResponseMemory {
  /**
   * The request now holds `wanted`, or as much of it as is free (possibly 0): what it held already (a grant
   * of whenRoom, an earlier read) is kept up to `wanted` and topped up. Returns what it holds.
   */
  reserve(wanted: number): number;
  /** The request now holds exactly `bytes` (the memory its reads keep alive). */
  hold(bytes: number): void;
  /** Whether `bytes` fit now: what the request holds and the broker's free budget (src/broker/fetch/memory-room.ts). */
  hasRoom(bytes: number): boolean;
  /**
   * Takes `bytes` for the request once the broker's budget has room (on a later release, never inside this
   * call: ask hasRoom first), then calls `granted`. Returns the cancel function (a no-op once granted).
   */
  whenRoom(bytes: number, granted: () => void): () => void;
}

/** One request on its way through the transport: the wire serves it and builds its response. */
export interface Exchange {
  readonly connection: ConnectionFacts;
  readonly responseMemory: ResponseMemory;
  /**
   * Runs `callback` once, when this request's response is done with: `written` true once it has been
   * written to the socket (the kernel has copied its bytes: buffers it referenced may be reused), false
   * when it never will be (no response, the connection failed or closed first, or discardAfterWrite()),
   * when a buffer a failed write referenced must not be reused.
   */
  afterResponse(callback: (written: boolean) => void): void;
  /** The response was replaced (by an error frame): the afterResponse callbacks run now, unwritten. */
  discardAfterWrite(): void;
  /**
   * Writes a frame now, ahead of the response order (a stream's frames before its final response:
   * FetchPush). Its bytes, or `keeps` if more (the memory the frame keeps alive: the pool buffers its
   * records are views of), are held in the memory budget until written; `written` runs once, with true once
   * the kernel has them, false if the write failed. False, nothing written (and `written` never runs): the
   * connection has closed.
   */
  push(frame: Buffer[], keeps: number, written: (ok: boolean) => void): boolean;
  /**
   * A quota throttle (KIP-219): this request is answered at once, and the connection's next request is
   * neither read nor served until `ms` have passed. The connection is never closed for it.
   */
  throttle(ms: number): void;
}

/** A response frame as chunks written in one corked batch, or null: this request gets no response. */
export type ResponseFrame = Buffer[] | null;

/** Thrown (or rejected) by a wire when the byte stream is unusable: the connection is closed, logged. */
export class CloseConnection extends Error {
  constructor(
    /** For the log: "unreadable request header". */
    readonly what: string,
    options?: { cause?: unknown },
  ) {
    super(what, options);
    this.name = 'CloseConnection';
  }
}

/** A client that speaks another protocol, recognised from a connection's first bytes. */
export interface ForeignClient {
  /** One sentence for the log: what connected, and where it should go instead. */
  readonly message: string;
  /**
   * Written to the client before the connection closes, if any: an HTTP 400 a browser shows, plaintext a
   * TLS client's handshake fails on at once (a close would look like a broker stopping).
   */
  readonly reply?: string;
  /** Fields for the log line. */
  readonly fields: Record<string, unknown>;
}

export interface Wire {
  /** For logs: "native", "kafka". */
  readonly name: string;
  /**
   * Serves one frame's payload: decodes its header and body, runs the handler, encodes the response.
   * Synchronous when the handler is. Every outcome but an unusable stream becomes a frame (an error
   * response included); an unusable stream throws or rejects with CloseConnection.
   */
  serve(payload: Buffer, exchange: Exchange): ResponseFrame | Promise<ResponseFrame>;
  /** When the stream turned out not to be frames: who connected, from its first bytes (up to 16), or null. */
  identifyForeign?(firstBytes: Buffer): ForeignClient | null;
  /**
   * The answer to the first frame of a connection refused over a connection limit (`reason`: which, as
   * connection-limits.ts words it), written before the connection is ended; null: closed without a word.
   * Absent: every refused connection of this wire is closed at once (refused-connections.ts).
   */
  refusalAnswer?(firstFrame: Buffer, reason: string): ResponseFrame;
}
