// A small etcd v3 client over etcd's JSON gateway (the HTTP/JSON face every etcd 3.4+ server has on its
// client port: POST /v3/kv/range, /v3/kv/txn, /v3/lease/grant, /v3/lease/keepalive, /v3/watch …).
//
// Why the gateway and not the `etcd3` npm package: the cluster needs six calls (range, put, delete,
// compare-and-swap txn, leases, watch). The gateway gives them with Node's own fetch and no dependency;
// `etcd3` brings gRPC (@grpc/grpc-js, protobuf loading, its own retry policy and connection pool) into a
// broker that otherwise has none, for the same six calls. The price is ours to pay: the JSON mapping
// (bytes as base64, 64-bit integers as decimal strings, fields holding the proto default omitted) is
// handled here, in one place, and nowhere else in the broker.
//
// Errors: a request etcd refuses, or one that cannot reach it, is an EtcdError (retriable when it is a
// connection failure, a timeout or a 5xx; `unreachable` when no endpoint answered at all). Callers decide
// what a failure means for them. An outage is reported once, not per call: `onReachability` hears when
// calls start failing to reach etcd and when one gets through again, so callers that retry in a loop log
// their unreachable failures at debug level.

export class EtcdError extends Error {
  readonly retriable: boolean;
  /** No endpoint answered (connection refused, reset, or timed out): etcd is down or cut off. */
  readonly unreachable: boolean;
  constructor(message: string, retriable: boolean, options?: { cause?: unknown; unreachable?: boolean }) {
    super(message, options);
    this.name = 'EtcdError';
    this.retriable = retriable;
    this.unreachable = options?.unreachable === true;
  }
}

/** Whether `error` is an etcd call that reached no endpoint (an outage, already reported once by the client). */
export function isEtcdUnreachable(error: unknown): boolean {
  return error instanceof EtcdError && error.unreachable;
}

/** An outage began (`reachable: false`, with the failure) or ended (`reachable: true`, with its length). */
export type EtcdReachability = { reachable: false; error: EtcdError } | { reachable: true; downForMs: number };

/** One key as etcd stores it. Revisions are below 2^53 for any realistic cluster lifetime. */
export interface KeyValue {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
  lease: string;
}

export interface WatchEvent {
  type: 'put' | 'delete';
  kv: KeyValue;
}

/** The condition of a compare-and-swap: the key's modRevision (0 = the key must not exist). */
export interface KeyRevision {
  key: string;
  modRevision: number;
}

export interface EtcdClientOptions {
  /** Client URLs, e.g. ["http://127.0.0.1:2379"]; a failed call moves on to the next one. */
  endpoints: readonly string[];
  /** A single call's bound (default 5 s). */
  requestTimeoutMs?: number;
  /** Told when calls stop reaching etcd and when one reaches it again (once each per outage). */
  onReachability?: (change: EtcdReachability) => void;
}

export interface Watch {
  /** Resolves once etcd confirmed the watch (events after the returned revision will be delivered). */
  readonly ready: Promise<void>;
  /** Ends the watch. */
  cancel(): void;
}

export interface WatchOptions {
  /** Deliver events from this revision on (default: from now). */
  fromRevision?: number;
  onEvents: (events: WatchEvent[], revision: number) => void;
  /** The stream ended or failed (not called after cancel()). The caller re-reads and re-watches. */
  onEnd: (error: Error) => void;
}

interface RawKeyValue {
  key?: string;
  value?: string;
  create_revision?: string;
  mod_revision?: string;
  version?: string;
  lease?: string;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const unb64 = (text: string | undefined) => (text ? Buffer.from(text, 'base64').toString('utf8') : '');
const int = (text: string | undefined) => (text ? Number(text) : 0);

/** base64 of the key just past every key starting with `prefix` (etcd's range_end for a prefix). */
function rangeEndOf(prefix: string): string {
  const bytes = Buffer.from(prefix, 'utf8');
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      bytes[i]! += 1;
      return bytes.subarray(0, i + 1).toString('base64');
    }
  }
  return Buffer.from([0]).toString('base64');
}

function keyValue(raw: RawKeyValue): KeyValue {
  return {
    key: unb64(raw.key),
    value: unb64(raw.value),
    createRevision: int(raw.create_revision),
    modRevision: int(raw.mod_revision),
    version: int(raw.version),
    lease: raw.lease ?? '0',
  };
}

/** An open watch stream and the endpoint it reads from. */
interface OpenWatch {
  readonly endpoint: string;
  end(error: Error): void;
}

export class EtcdClient {
  readonly #endpoints: readonly string[];
  readonly #timeoutMs: number;
  readonly #onReachability: ((change: EtcdReachability) => void) | undefined;
  /**
   * Invariant: a watch reads from the endpoint that was current when it started, and is ended as soon as a
   * call to that endpoint gets no answer. A watch on a link that went silent never ends by itself (no
   * bytes, no error), so the calls the broker makes anyway (lease renewals a third of a lease apart) are
   * what notices: the watch's owner then reads again and watches again, on the next endpoint.
   */
  readonly #watches = new Set<OpenWatch>();
  #current = 0;
  /** performance.now() of the first call that reached no endpoint in the current outage, or undefined. */
  #unreachableSince: number | undefined;

  constructor(options: EtcdClientOptions) {
    if (options.endpoints.length === 0) throw new TypeError('etcd: at least one endpoint is needed');
    this.#endpoints = options.endpoints.map((e) => e.replace(/\/+$/, ''));
    this.#timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#onReachability = options.onReachability;
  }

  /** The value of one key, or undefined. */
  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.#call<{ kvs?: RawKeyValue[] }>('/v3/kv/range', { key: b64(key) });
    return res.kvs?.[0] ? keyValue(res.kvs[0]) : undefined;
  }

  /** Every key under `prefix`, in key order, and the store's revision they were read at. */
  async getPrefix(prefix: string): Promise<{ kvs: KeyValue[]; revision: number }> {
    const res = await this.#call<{ kvs?: RawKeyValue[]; header?: { revision?: string } }>('/v3/kv/range', {
      key: b64(prefix),
      range_end: rangeEndOf(prefix),
    });
    return { kvs: (res.kvs ?? []).map(keyValue), revision: int(res.header?.revision) };
  }

  /** Unconditional write; `lease` ties the key's life to a lease. Resolves with the new revision. */
  async put(key: string, value: string, lease?: string): Promise<number> {
    const res = await this.#call<{ header?: { revision?: string } }>('/v3/kv/put', {
      key: b64(key),
      value: b64(value),
      ...(lease ? { lease } : {}),
    });
    return int(res.header?.revision);
  }

  async delete(key: string): Promise<void> {
    await this.#call('/v3/kv/deleterange', { key: b64(key) });
  }

  /**
   * Compare-and-swap: writes every `puts` entry (and removes every `deletes` key) only if every `expect` key still has the given modRevision
   * (0: the key must not exist). All or nothing, in one etcd transaction. Resolves with whether it won and
   * the revision of the store after the call.
   */
  async compareAndSwap(
    expect: readonly KeyRevision[],
    puts: readonly { key: string; value: string; lease?: string }[],
    /** Keys deleted in the same transaction (`prefix`: every key starting with `key`). */
    deletes: readonly { key: string; prefix?: boolean }[] = [],
  ): Promise<{ succeeded: boolean; revision: number }> {
    const res = await this.#call<{ succeeded?: boolean; header?: { revision?: string } }>('/v3/kv/txn', {
      compare: expect.map((c) => ({
        key: b64(c.key),
        target: 'MOD',
        result: 'EQUAL',
        mod_revision: String(c.modRevision),
      })),
      success: [
        ...puts.map((p) => ({
          request_put: { key: b64(p.key), value: b64(p.value), ...(p.lease ? { lease: p.lease } : {}) },
        })),
        ...deletes.map((d) => ({
          request_delete_range: { key: b64(d.key), ...(d.prefix ? { range_end: rangeEndOf(d.key) } : {}) },
        })),
      ],
    });
    return { succeeded: res.succeeded === true, revision: int(res.header?.revision) };
  }

  /** A new lease living `ttlSeconds` unless kept alive. Resolves with its id (a decimal string). */
  async grantLease(ttlSeconds: number): Promise<string> {
    const res = await this.#call<{ ID?: string; error?: string }>('/v3/lease/grant', { TTL: String(ttlSeconds) });
    if (!res.ID) throw new EtcdError(`etcd granted no lease${res.error ? `: ${res.error}` : ''}`, true);
    return res.ID;
  }

  /**
   * Renews a lease: resolves with its remaining TTL in seconds, 0 when it has expired (or never existed).
   * `timeoutMs` bounds each endpoint's attempt, below the client's request timeout: a renewal must give up
   * on an endpoint that holds it without answering soon enough to try the next one, or try again, before the
   * lease runs out.
   */
  async keepAlive(lease: string, options: { timeoutMs?: number } = {}): Promise<number> {
    const res = await this.#call<{ result?: { TTL?: string } }>(
      '/v3/lease/keepalive',
      { ID: lease },
      Math.min(options.timeoutMs ?? this.#timeoutMs, this.#timeoutMs),
    );
    return int(res.result?.TTL);
  }

  async revokeLease(lease: string): Promise<void> {
    await this.#call('/v3/lease/revoke', { ID: lease });
  }

  /**
   * Watches every key under `prefix`. Events arrive in revision order; `onEnd` reports a stream that ended
   * (etcd restarted, a compaction past fromRevision, a network failure, or a call to the watch's endpoint got
   * no answer: see #watches): the caller re-reads and watches again.
   */
  watchPrefix(prefix: string, options: WatchOptions): Watch {
    const abort = new AbortController();
    let cancelled = false;
    let confirm!: () => void;
    let refuse!: (error: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      confirm = resolve;
      refuse = reject;
    });
    ready.catch(() => {});
    const endpoint = this.#endpoints[this.#current]!;
    const open: OpenWatch = {
      endpoint,
      end: (error: Error) => {
        this.#watches.delete(open);
        refuse(error);
        if (!cancelled) options.onEnd(error);
        cancelled = true;
        abort.abort();
      },
    };
    this.#watches.add(open);
    const body = JSON.stringify({
      create_request: {
        key: b64(prefix),
        range_end: rangeEndOf(prefix),
        ...(options.fromRevision ? { start_revision: String(options.fromRevision) } : {}),
      },
    });
    void (async () => {
      const response = await fetch(`${endpoint}/v3/watch`, { method: 'POST', body, signal: abort.signal });
      if (!response.ok || !response.body) throw new EtcdError(`etcd watch refused: HTTP ${response.status}`, true);
      const decoder = new TextDecoder();
      let pending = '';
      for await (const chunk of response.body) {
        pending += decoder.decode(chunk as Uint8Array, { stream: true });
        let newline = pending.indexOf('\n');
        while (newline >= 0) {
          const line = pending.slice(0, newline).trim();
          pending = pending.slice(newline + 1);
          newline = pending.indexOf('\n');
          if (line) this.#onWatchLine(line, options, confirm);
        }
        if (cancelled) return;
      }
      throw new EtcdError('etcd watch stream ended', true);
    })().catch((error: unknown) => {
      if (cancelled) return;
      open.end(error instanceof Error ? error : new EtcdError(String(error), true));
    });
    return {
      ready,
      cancel: () => {
        this.#watches.delete(open);
        cancelled = true;
        refuse(new EtcdError('watch cancelled', false));
        abort.abort();
      },
    };
  }

  #onWatchLine(line: string, options: WatchOptions, confirm: () => void): void {
    const message = JSON.parse(line) as {
      result?: {
        header?: { revision?: string };
        created?: boolean;
        canceled?: boolean;
        cancel_reason?: string;
        compact_revision?: string;
        events?: { type?: string; kv?: RawKeyValue }[];
      };
      error?: { message?: string };
    };
    if (message.error) throw new EtcdError(`etcd watch failed: ${message.error.message ?? 'unknown error'}`, true);
    const result = message.result;
    if (!result) return;
    if (result.canceled) {
      const why = result.compact_revision ? `compacted at revision ${result.compact_revision}` : result.cancel_reason;
      throw new EtcdError(`etcd cancelled the watch${why ? `: ${why}` : ''}`, true);
    }
    if (result.created) confirm();
    const events = (result.events ?? []).map(
      (e): WatchEvent => ({ type: e.type === 'DELETE' ? 'delete' : 'put', kv: keyValue(e.kv ?? {}) }),
    );
    if (events.length > 0) options.onEvents(events, int(result.header?.revision));
  }

  /** One request, tried on each endpoint in turn (from the last one that answered), `timeoutMs` each. */
  async #call<T>(path: string, body: unknown, timeoutMs = this.#timeoutMs): Promise<T> {
    let lastError: unknown;
    for (let attempt = 0; attempt < this.#endpoints.length; attempt++) {
      const endpoint = this.#endpoints[this.#current]!;
      let response: Response;
      let text: string;
      try {
        response = await fetch(`${endpoint}${path}`, {
          method: 'POST',
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
        // The body is read under the same timeout: an endpoint that stalls after the headers has not answered.
        text = await response.text();
      } catch (error) {
        lastError = error;
        this.#endWatchesOn(endpoint, error);
        this.#current = (this.#current + 1) % this.#endpoints.length;
        continue;
      }
      this.#reached();
      if (!response.ok) {
        const retriable = response.status >= 500;
        throw new EtcdError(`etcd ${path} failed: HTTP ${response.status} ${text.slice(0, 200)}`, retriable);
      }
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new EtcdError(
          `etcd ${path} at ${endpoint} answered something that is not etcd's JSON (is it an etcd client port?): ${text.slice(0, 100)}`,
          false,
        );
      }
    }
    const reason = lastError instanceof Error ? (lastError.cause ?? lastError) : lastError;
    const error = new EtcdError(
      `etcd is unreachable (${this.#endpoints.join(', ')}): ${reason instanceof Error ? reason.message : String(reason)}`,
      true,
      { cause: lastError, unreachable: true },
    );
    if (this.#unreachableSince === undefined) {
      this.#unreachableSince = performance.now();
      this.#onReachability?.({ reachable: false, error });
    }
    throw error;
  }

  /** A call to `endpoint` got no answer: the watches reading from it are ended (see #watches). */
  #endWatchesOn(endpoint: string, failure: unknown): void {
    for (const watch of [...this.#watches]) {
      if (watch.endpoint !== endpoint) continue;
      const why = failure instanceof Error ? (failure.cause ?? failure) : failure;
      watch.end(
        new EtcdError(
          `etcd endpoint ${endpoint} stopped answering (${why instanceof Error ? why.message : String(why)}): its watch is ended`,
          true,
          { cause: failure, unreachable: true },
        ),
      );
    }
  }

  /** A call got an answer: ends the outage, if there was one. */
  #reached(): void {
    const since = this.#unreachableSince;
    if (since === undefined) return;
    this.#unreachableSince = undefined;
    this.#onReachability?.({ reachable: true, downForMs: Math.round(performance.now() - since) });
  }
}
