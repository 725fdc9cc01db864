// The test seam of the real broker (Broker.intercept), in the spirit of franz-go kfake's ControlKey: for
// one API, an interceptor sees each request (decoded) before its handler and may answer it with an error,
// delay it, answer it with a response of its own, drop it or its response, or close the connection. It
// returns nothing to let the request through untouched (and stays for the next one).
//
// Lifetime: an interceptor that intercepts is removed after that request (kfake's default), unless it was
// added with { keep: true } (kfake's KeepControl) or { times: n } (removed after n). remove() on the handle
// takes it away at once. Several interceptors of one API are asked in the order they were added; the
// first that returns an action decides, the others are not asked for that request.
//
// Nothing here runs for an API with no interceptor: the wire asks `has(apiKey)` (one Map lookup) first.
import type { ErrorName } from '../protocol/index.js';

/** A request of the intercepted API, as the interceptor sees it. */
export interface InterceptedRequest<Req = any> {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  /** "host:port" of the client. */
  readonly peer: string;
  /** The request body, decoded and validated (the API's request type, as its handler gets it). */
  readonly request: Req;
}

/**
 * What to do with an intercepted request. `delayMs` goes first and combines with the rest (alone: the
 * request is served normally, late). Then at most one of the others applies, in this order.
 */
export interface InterceptAction<Res = any> {
  /** Wait this long before doing the rest (cut short if the connection closes). */
  delayMs?: number;
  /**
   * 'request': the request is neither served nor answered; 'response': it is served, its response never
   * sent. Responses go in request order, so later requests on that connection wait too, until it closes:
   * what a client sees of a lost response (it times out). With `disconnect`, the connection closes
   * instead of waiting.
   */
  drop?: 'request' | 'response';
  /**
   * Close the client's connection instead of answering (a broker that went away): before serving the
   * request, or after it with drop: 'response' (stored, and the answer lost with the connection).
   */
  disconnect?: boolean;
  /** Answer the whole request with this error (and message), unserved: the wire's error response. */
  error?: ErrorName;
  message?: string;
  /** Answer with this response (the API's response type), unserved. */
  respond?: Res;
  /** Write these bytes, unserved, as the response frame, verbatim (length prefix included): a hostile broker. */
  frame?: Buffer;
}

/** What an interceptor returns: an action, or nothing to let the request through. */
// biome-ignore lint/suspicious/noConfusingVoidType: an interceptor that lets a request through returns nothing (void)
export type InterceptResult<Res = any> = InterceptAction<Res> | undefined | void;

export type Interceptor<Req = any, Res = any> = (
  request: InterceptedRequest<Req>,
) => InterceptResult<Res> | Promise<InterceptResult<Res>>;

export interface InterceptOptions {
  /** Stay after intercepting (until remove()). Default: removed after its first interception. */
  keep?: boolean;
  /** Removed after intercepting this many requests (default 1; ignored with keep). */
  times?: number;
}

export interface InterceptHandle {
  /** Requests this interceptor has intercepted (returned an action for) so far. */
  readonly intercepted: number;
  /** Still in place (not removed, and not used up). */
  readonly active: boolean;
  remove(): void;
}

class Entry implements InterceptHandle {
  intercepted = 0;
  active = true;

  constructor(
    readonly fn: Interceptor,
    private readonly limit: number,
    private readonly owner: Interceptors,
    readonly apiKey: number,
  ) {}

  /** This interceptor returned an action: count it, and retire it when used up. */
  used(): void {
    this.intercepted++;
    if (this.intercepted >= this.limit) this.remove();
  }

  remove(): void {
    if (!this.active) return;
    this.active = false;
    this.owner.removed(this);
  }
}

export class Interceptors {
  readonly #byKey = new Map<number, Entry[]>();

  add(apiKey: number, fn: Interceptor, options: InterceptOptions = {}): InterceptHandle {
    const times = options.keep ? Number.POSITIVE_INFINITY : (options.times ?? 1);
    if (!(times >= 1)) throw new RangeError(`intercept: times must be 1 or more, got ${options.times}`);
    const entry = new Entry(fn, times, this, apiKey);
    const list = this.#byKey.get(apiKey);
    if (list) list.push(entry);
    else this.#byKey.set(apiKey, [entry]);
    return entry;
  }

  /** Some interceptor is in place for this API. */
  has(apiKey: number): boolean {
    return this.#byKey.has(apiKey);
  }

  /** Asks the API's interceptors in order; the first action returned decides (undefined: none did). */
  async decide(request: InterceptedRequest): Promise<InterceptAction | undefined> {
    for (const entry of [...(this.#byKey.get(request.apiKey) ?? [])]) {
      if (!entry.active) continue;
      const action = await entry.fn(request);
      if (action) {
        entry.used();
        return action;
      }
    }
    return undefined;
  }

  /** Removes every interceptor. */
  clear(): void {
    for (const list of [...this.#byKey.values()]) for (const entry of list) entry.remove();
  }

  /** Called by Entry.remove(). */
  removed(entry: Entry): void {
    const list = this.#byKey.get(entry.apiKey);
    if (!list) return;
    const at = list.indexOf(entry);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.#byKey.delete(entry.apiKey);
  }
}
