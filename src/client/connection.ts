// One TCP connection to one broker. Requests are pipelined: each gets a correlationId and waits in
// `pending` until the response carrying that id arrives (the broker answers in request order, but
// matching by id also lets a timed-out request's late answer be recognised and dropped).
//
// Writes: a frame is a small head (length prefix + msgpack header/body) followed by record bytes as
// separate chunks; they are written with cork/uncork so the kernel gets one writev and record bytes are
// never copied. When the socket's buffer is above its high-water mark, `drained()` lets a caller wait.
//
// Client-side throttling (KIP-219, as kafkajs does it): a response with throttleTimeMs > 0 says its
// sender is over a quota; the broker answered at once and will not read this connection's next request
// before the throttle ends. So requests made meanwhile wait here, in order, and go out when it ends (their
// timeout counts from then): the client waits instead of piling requests into a connection the broker
// holds. The throttle is per connection (per broker), like the broker's.
//
// Lifecycle: connect() opens the socket (bounded by connectionTimeout) and sends ApiVersions first. Any
// socket error or close fails every pending request with a retriable SluiceConnectionError; a closed
// Connection is never reused — the cluster opens a fresh one on the next request (see cluster.ts). A peer
// that shows in that first exchange it is no native port (foreign-peer.ts) fails it with a non-retriable
// SluiceForeignProtocolError instead. A broker over its connection limit answers that first request with
// CONNECTION_LIMIT_REACHED and closes: retriable, and the error says which limit (foreign-peer.ts). With
// `ssl`, a TLS handshake answered with bytes that are not TLS fails it non-retriable too (the port has no TLS).
//
// Instrumentation: requests, timeouts and the number of unanswered requests are reported to the client's
// NetworkSource (network-events.ts) only while someone listens; otherwise a request costs one check.
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { ApiSpec, EncodedMessage } from '../protocol/api-keys.js';
import { ApiKey } from '../protocol/api-keys.js';
import { ApiVersionsApi, type ApiVersionRange } from '../protocol/apis/api-versions.js';
import {
  type DecodedResponseFrame,
  decodeResponsePayload,
  encodeRequestFrame,
  FrameDecoder,
  type LocatedResponseBody,
  locateResponseBody,
} from '../protocol/framing.js';
import {
  describeSocketError,
  KafkaJSServerDoesNotSupportApiKey,
  SluiceConnectionError,
  SluiceError,
  SluiceProtocolError,
  SluiceRequestTimeoutError,
} from './errors.js';
import { foreignAnswer, refusedOverLimit, silentPeer, tlsHandshakeFailure, unreadableAnswer } from './foreign-peer.js';
import { framePool } from './frame-pool.js';
import type { Logger } from './logger.js';
import type { NetworkSource, RequestTimeoutPayload } from './network-events.js';
import { authenticate, type ClientSasl } from './sasl.js';

export interface ConnectionOptions {
  host: string;
  port: number;
  clientId: string;
  connectionTimeout: number;
  requestTimeout: number;
  logger: Logger;
  maxFrameBytes?: number;
  /** Called once when the connection closes for any reason. */
  onClose?: (connection: Connection) => void;
  /** The client whose requests these are, for the instrumentation channels (none: nothing is published). */
  network?: NetworkSource;
  /** TLS options (kafkajs's `ssl`): the connection is a TLS one. */
  ssl?: tls.ConnectionOptions;
  /** Authenticate right after ApiVersions (kafkajs's `sasl`). */
  sasl?: ClientSasl;
  /** Re-authenticate this long before the broker's session lifetime runs out (kafkajs's default 10 s). */
  reauthenticationThreshold?: number;
}

export interface RequestOptions {
  /** Overrides requestTimeout (a long-poll fetch adds its maxWait). */
  timeoutMs?: number;
  /** false: resolve (with undefined) once the bytes are handed to the socket; the broker sends nothing. */
  expectResponse?: boolean;
  /**
   * A request answered by a stream of frames (FetchPush): every frame before the last (`final` false) goes
   * to `stream.frame`, and the timeout starts again at each; the promise resolves with the last one.
   * `stream.id` is set to the request's correlationId (the stream's id) when the request is made (0 before).
   */
  stream?: ResponseStream;
}

/** See RequestOptions.stream. */
export interface ResponseStream {
  id: number;
  frame(response: unknown): void;
}

interface Pending {
  api: ApiSpec<unknown, unknown>;
  version: number;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  /** Date.now() when sent, taken only while someone listens to requests or timeouts (else 0). */
  sentAt: number;
  /** Milliseconds it waited for a throttle before it was sent (0: none, or nobody listens). */
  pendingDuration: number;
  /** A stream request's (RequestOptions.stream): where frames before the final one go. */
  stream: ResponseStream | null;
}

/** A request made while the connection is throttled: sent when the throttle ends (or failed on close). */
interface Held {
  send(): void;
  fail(error: Error): void;
}

type State = 'new' | 'connecting' | 'ready' | 'closed';

export class Connection {
  readonly broker: string;
  private socket: net.Socket | null = null;
  private state: State = 'new';
  private nextCorrelationId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly decoder: FrameDecoder;
  private versions = new Map<number, ApiVersionRange>();
  private connecting: Promise<void> | null = null;
  private closeError: Error | null = null;
  private reauthTimer: NodeJS.Timeout | null = null;
  /** performance.now() until which the broker asked for no request (throttleTimeMs); 0: not throttled. */
  private throttledUntil = 0;
  /** Requests waiting for the throttle to end, in the order they were made. */
  private readonly held: Held[] = [];
  private throttleTimer: NodeJS.Timeout | null = null;
  /** The socket is open and the handshake (ApiVersions, then SASL) is under way. */
  private handshaking = false;
  /** The peer has sent at least one byte. */
  private heard = false;

  constructor(private readonly options: ConnectionOptions) {
    this.broker = `${options.host}:${options.port}`;
    this.decoder = new FrameDecoder(options.maxFrameBytes, { allocate: (length) => framePool.take(length) });
  }

  isConnected(): boolean {
    return this.state === 'ready';
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Requests made while the broker's throttle runs, not sent yet. */
  get throttled(): number {
    return this.held.length;
  }

  connect(): Promise<void> {
    if (this.state === 'ready') return Promise.resolve();
    if (this.state === 'closed') return Promise.reject(this.closeError ?? this.connectionError('connection is closed'));
    this.connecting ??= this.open();
    return this.connecting;
  }

  private open(): Promise<void> {
    this.state = 'connecting';
    const { connectionTimeout } = this.options;
    return new Promise<void>((resolve, reject) => {
      // Direct reads: the kernel copies a large response (a fetch) straight into its frame buffer; no
      // chunk per read is allocated (see FrameDecoder.readBuffer). No 'data' events are emitted.
      const socket = this.options.ssl ? this.connectTls() : this.connectPlain();
      this.socket = socket;
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        fail(
          new SluiceConnectionError(
            `cannot reach broker ${this.broker}: connection timed out after ${connectionTimeout} ms`,
            this.broker,
            { code: 'ETIMEDOUT' },
          ),
        );
      }, connectionTimeout);
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(error);
        this.close(error);
      };
      socket.once(this.options.ssl ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        this.handshaking = true;
        this.handshake().then(resolve, fail);
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        // The TLS handshake runs before ours (`handshaking`): its failure may show the port has no TLS.
        const tlsFailure =
          this.options.ssl && this.state === 'connecting' && !this.handshaking
            ? tlsHandshakeFailure(err, this.broker)
            : null;
        if (tlsFailure) return fail(tlsFailure);
        const verb = this.state === 'connecting' ? 'cannot reach broker' : 'connection to broker';
        fail(
          new SluiceConnectionError(`${verb} ${this.broker}: ${describeSocketError(err)}`, this.broker, {
            code: err.code,
            cause: err,
          }),
        );
      });
      socket.on('close', () =>
        fail(
          this.handshaking && !this.heard
            ? silentPeer(this.broker)
            : this.connectionError('connection closed by the broker'),
        ),
      );
    });
  }

  private connectPlain(): net.Socket {
    return net.connect({
      host: this.options.host,
      port: this.options.port,
      onread: {
        buffer: () => this.decoder.readBuffer(),
        callback: (n: number, buf: Uint8Array) => {
          this.onData(n, buf as Buffer);
          return true; // false would pause reading
        },
      },
    });
  }

  /** TLS: the decrypted bytes are read straight into the frame buffers too (tls.connect's `onread`). */
  private connectTls(): tls.TLSSocket {
    const { host, port } = this.options;
    return tls.connect({
      ...(net.isIP(host) === 0 ? { servername: host } : {}),
      ...this.options.ssl,
      host,
      port,
      onread: {
        buffer: () => this.decoder.readBuffer(),
        callback: (n: number, buf: Uint8Array) => {
          this.onData(n, buf as Buffer);
          return true; // false would pause reading
        },
      },
    } as tls.ConnectionOptions);
  }

  /** ApiVersions is the first request on every connection (DESIGN §3), then SASL when configured. */
  private async handshake(): Promise<void> {
    const response = await this.send(ApiVersionsApi, {}, { allowBeforeReady: true }).catch((error: unknown) => {
      throw refusedOverLimit(error, this.broker) ?? error;
    });
    if (response.errorCode !== 0)
      throw new SluiceProtocolError(response.errorCode, `ApiVersions failed on ${this.broker}`);
    this.versions = new Map(response.apiVersions.map((v) => [v.apiKey, v]));
    if (this.options.sasl) await this.authenticate();
    this.handshaking = false;
    this.state = 'ready';
    this.options.logger.debug('connected', { broker: this.broker, brokerVersion: response.brokerVersion });
  }

  /**
   * SASL on this connection; when the broker grants a limited session (a token's lifetime), re-authenticates
   * before it runs out (KIP-368), while requests keep flowing. A failed re-authentication closes the connection.
   */
  private async authenticate(): Promise<void> {
    const send = <Req, Res>(api: ApiSpec<Req, Res>, request: Req) =>
      this.send(api, request, { allowBeforeReady: true });
    const lifetime = await authenticate(send, this.options.sasl!, this.broker);
    if (lifetime <= 0 || this.state === 'closed') return;
    const threshold = this.options.reauthenticationThreshold ?? 10_000;
    const delay = lifetime > threshold * 2 ? lifetime - threshold : Math.floor(lifetime * 0.8);
    this.reauthTimer = setTimeout(() => {
      this.reauthTimer = null;
      this.authenticate().catch((error: Error) => this.close(error));
    }, delay);
    this.reauthTimer.unref();
  }

  private connectionError(what: string): SluiceConnectionError {
    return new SluiceConnectionError(`${what} (${this.broker})`, this.broker);
  }

  /** Highest version both sides speak, or a non-retriable error when the broker lacks the API. */
  private versionFor(api: ApiSpec<unknown, unknown>): number {
    if (api.key === ApiKey.ApiVersions) return 0;
    const range = this.versions.get(api.key);
    if (!range || range.maxVersion < api.minVersion || range.minVersion > api.maxVersion) {
      throw new KafkaJSServerDoesNotSupportApiKey(
        `broker ${this.broker} does not support API ${api.name} v${api.minVersion}-${api.maxVersion}`,
        { apiKey: api.key, apiName: api.name },
      );
    }
    return Math.min(range.maxVersion, api.maxVersion);
  }

  /** Whether the broker serves `api` (as listed by ApiVersions when the connection opened). */
  supports(api: ApiSpec<unknown, unknown>): boolean {
    const range = this.versions.get(api.key);
    return range !== undefined && range.maxVersion >= api.minVersion && range.minVersion <= api.maxVersion;
  }

  /** Sends a typed request. */
  send<Req, Res>(
    api: ApiSpec<Req, Res>,
    request: Req,
    options?: RequestOptions & { allowBeforeReady?: boolean },
  ): Promise<Res> {
    return this.sendEncoded(api, api.encodeRequest(request), options) as Promise<Res>;
  }

  /** Sends an already encoded body + tail (the producer builds its own multi-chunk tail). */
  sendEncoded<Req, Res>(
    api: ApiSpec<Req, Res>,
    message: EncodedMessage,
    options: RequestOptions & { allowBeforeReady?: boolean } = {},
  ): Promise<Res | undefined> {
    const ready = this.state === 'ready' || (options.allowBeforeReady && this.state === 'connecting');
    if (!ready || !this.socket) return Promise.reject(this.closeError ?? this.connectionError('not connected'));
    let version: number;
    try {
      version = this.versionFor(api as ApiSpec<unknown, unknown>);
    } catch (err) {
      return Promise.reject(err);
    }
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) | 0 || 1;
    const header = { apiKey: api.key, apiVersion: version, correlationId, clientId: this.options.clientId };
    const frame = encodeRequestFrame(header, message.body, message.tail);
    // Known before it is sent: a request held by a throttle goes out after the stream's own request, so
    // credit or an end made meanwhile must already name the stream.
    if (options.stream) options.stream.id = correlationId;
    const network = this.options.network;
    const createdAt = network?.wantsRequests ? Date.now() : 0;
    const mustWait = this.held.length > 0 || this.throttledUntil > performance.now();
    // A request not held back is sent at once: its pendingDuration is 0, not a millisecond tick crossed
    // between two clock reads.
    if (options.expectResponse === false) {
      return new Promise((resolve, reject) => {
        const send = () => {
          const sentAt = createdAt > 0 && mustWait ? Date.now() : createdAt;
          this.write(frame, (err) => {
            if (err) return reject(this.closeError ?? this.connectionError(err.message));
            if (sentAt > 0)
              this.reportRequest(
                api as ApiSpec<unknown, unknown>,
                version,
                correlationId,
                sentAt,
                0,
                sentAt - createdAt,
              );
            resolve(undefined);
          });
        };
        if (mustWait) this.hold({ send, fail: reject });
        else send();
      });
    }
    return new Promise<Res>((resolve, reject) => {
      const send = () => {
        const sentAt = createdAt > 0 && mustWait ? Date.now() : createdAt;
        const timeoutMs = options.timeoutMs ?? this.options.requestTimeout;
        const timer = setTimeout(() => this.onTimeout(correlationId, timeoutMs), timeoutMs);
        this.pending.set(correlationId, {
          api: api as ApiSpec<unknown, unknown>,
          version,
          resolve: resolve as (v: unknown) => void,
          reject,
          timer,
          sentAt,
          pendingDuration: sentAt - createdAt,
          stream: options.stream ?? null,
        });
        if (network?.wantsQueueSize) this.reportQueueSize();
        this.write(frame);
      };
      if (mustWait) this.hold({ send, fail: reject });
      else send();
    });
  }

  /** A request made while throttled: queued behind the others until the throttle ends. */
  private hold(request: Held): void {
    this.held.push(request);
    this.scheduleRelease();
  }

  /** The broker said to wait `ms` before the next request (a response's throttleTimeMs). */
  private throttle(ms: number): void {
    const until = performance.now() + ms;
    if (until <= this.throttledUntil) return;
    this.throttledUntil = until;
    this.options.logger.debug('client-side throttling', { broker: this.broker, throttleTimeMs: ms });
    if (this.held.length > 0) this.scheduleRelease();
  }

  /** Sends the held requests once the throttle has ended (a later throttle moves the time on). */
  private scheduleRelease(): void {
    if (this.throttleTimer) clearTimeout(this.throttleTimer);
    const wait = Math.max(0, this.throttledUntil - performance.now());
    this.throttleTimer = setTimeout(() => {
      this.throttleTimer = null;
      if (this.state === 'closed') return;
      if (this.throttledUntil > performance.now()) return this.scheduleRelease();
      // A response to one of these may throttle again: the rest then wait for that one.
      while (this.held.length > 0 && !(this.throttledUntil > performance.now())) this.held.shift()!.send();
      if (this.held.length > 0) this.scheduleRelease();
    }, Math.ceil(wait));
  }

  private reportRequest(
    api: ApiSpec<unknown, unknown>,
    apiVersion: number,
    correlationId: number,
    sentAt: number,
    size: number,
    pendingDuration: number,
  ): void {
    this.options.network?.request({
      broker: this.broker,
      clientId: this.options.clientId,
      correlationId,
      size,
      createdAt: sentAt - pendingDuration,
      sentAt,
      pendingDuration,
      duration: Date.now() - sentAt,
      apiName: api.name,
      apiKey: api.key,
      apiVersion,
    });
  }

  private reportQueueSize(): void {
    this.options.network?.queueSize({
      broker: this.broker,
      clientId: this.options.clientId,
      queueSize: this.pending.size,
    });
  }

  private write(frame: Buffer[], callback?: (err?: Error | null) => void): void {
    const socket = this.socket!;
    if (frame.length === 1) {
      socket.write(frame[0]!, callback);
      return;
    }
    socket.cork();
    const last = frame.length - 1;
    for (let i = 0; i < last; i++) socket.write(frame[i]!);
    socket.write(frame[last]!, callback);
    socket.uncork();
  }

  /** Resolves when the socket's write buffer is below its high-water mark. */
  drained(): Promise<void> {
    const socket = this.socket;
    if (!socket?.writableNeedDrain || this.state === 'closed') return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  }

  private onTimeout(correlationId: number, timeoutMs: number): void {
    const entry = this.pending.get(correlationId);
    if (!entry) return;
    this.pending.delete(correlationId);
    const network = this.options.network;
    if (network?.wantsQueueSize) this.reportQueueSize();
    const sentAt = entry.sentAt > 0 ? entry.sentAt : Date.now() - timeoutMs;
    const details: RequestTimeoutPayload = {
      broker: this.broker,
      clientId: this.options.clientId,
      correlationId,
      createdAt: sentAt,
      sentAt,
      pendingDuration: 0,
      apiName: entry.api.name,
      apiKey: entry.api.key,
      apiVersion: entry.version,
    };
    network?.requestTimeout(details);
    // The late response, if it ever comes, finds no entry and is dropped in onData.
    entry.reject(
      new SluiceRequestTimeoutError(
        `${entry.api.name} request to ${this.broker} timed out after ${timeoutMs} ms`,
        details,
      ),
    );
  }

  private onData(n: number, buf: Buffer): void {
    if (!this.heard) {
      this.heard = true;
      // The first read lands at the start of the decoder's scratch buffer: another protocol's answer is named
      // before its first bytes are taken for a frame length.
      const foreign = this.handshaking ? foreignAnswer(buf.subarray(0, n), this.broker, !!this.options.ssl) : null;
      if (foreign) {
        this.close(foreign);
        return;
      }
    }
    this.decode(() => this.decoder.onRead(n, buf));
  }

  private decode(read: () => Buffer[]): void {
    let payloads: Buffer[];
    try {
      payloads = read();
    } catch (err) {
      this.close(
        this.handshaking
          ? unreadableAnswer(this.broker, err)
          : new SluiceConnectionError(
              `unreadable data from broker ${this.broker}: ${(err as Error).message}`,
              this.broker,
              {
                cause: err,
              },
            ),
      );
      return;
    }
    for (const payload of payloads) this.onFrame(payload);
  }

  private onFrame(payload: Buffer): void {
    // The broker's answers are read straight from their bytes (locateResponseBody, decodeResponseFrom);
    // any other layout, and bytes that reader does not take, are decoded the generic way.
    let located: LocatedResponseBody | null = null;
    let frame: DecodedResponseFrame | null = null;
    try {
      located = locateResponseBody(payload);
      if (located === null) frame = decodeResponsePayload(payload);
    } catch (err) {
      this.closeMalformed(err);
      return;
    }
    const correlationId = located !== null ? located.correlationId : frame!.correlationId;
    const entry = this.pending.get(correlationId);
    if (!entry) {
      this.options.logger.debug('dropping response to a request no longer waited for', {
        broker: this.broker,
        correlationId,
      });
      return;
    }
    let response: unknown;
    if (located !== null) {
      const { api, version } = entry;
      response = api.decodeResponseFrom?.(located.header, located.bodyStart, located.tail, version);
      if (response === undefined) {
        try {
          frame = decodeResponsePayload(payload);
        } catch (err) {
          this.closeMalformed(err);
          return;
        }
      }
    }
    let failure: Error | null = null;
    if (frame !== null) {
      if (frame.error) failure = new SluiceProtocolError(frame.error.code, frame.error.message || undefined);
      else {
        try {
          response = entry.api.decodeResponse(frame.body, frame.tail, entry.version);
        } catch (err) {
          failure = this.invalidResponse(entry, err);
        }
      }
    }
    // A stream request's frame before its last: handed to the stream, the request stays pending with its
    // timeout restarted. The last one, an error or an undecodable frame answers the request.
    if (failure === null && entry.stream && (response as { final?: unknown }).final === false) {
      entry.timer.refresh();
      entry.stream.frame(response);
      return;
    }
    this.pending.delete(correlationId);
    clearTimeout(entry.timer);
    if (this.options.network?.wantsQueueSize) this.reportQueueSize();
    if (entry.sentAt > 0)
      this.reportRequest(entry.api, entry.version, correlationId, entry.sentAt, payload.length, entry.pendingDuration);
    if (failure !== null) {
      entry.reject(failure);
      return;
    }
    // Before the caller sees the response, so that its next request already waits.
    const throttleTimeMs = (response as { throttleTimeMs?: unknown }).throttleTimeMs;
    if (typeof throttleTimeMs === 'number' && throttleTimeMs > 0) this.throttle(throttleTimeMs);
    entry.resolve(response);
  }

  private closeMalformed(err: unknown): void {
    if (this.handshaking) {
      this.close(unreadableAnswer(this.broker, err));
      return;
    }
    this.close(
      new SluiceConnectionError(
        `malformed response from broker ${this.broker}: ${(err as Error).message}`,
        this.broker,
        {
          cause: err,
        },
      ),
    );
  }

  private invalidResponse(entry: Pending, err: unknown): Error {
    if (err instanceof SluiceError) return err;
    const e = err as Error & { code?: number };
    return new SluiceProtocolError(
      typeof e.code === 'number' ? e.code : 'INVALID_REQUEST',
      `invalid ${entry.api.name} response from ${this.broker}: ${e.message}`,
    );
  }

  /** Closes the socket and fails everything pending with `error` (retriable connection error by default). */
  close(error?: Error): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closeError = error ?? this.connectionError('connection closed by the client');
    if (this.reauthTimer) clearTimeout(this.reauthTimer);
    if (this.throttleTimer) clearTimeout(this.throttleTimer);
    this.throttleTimer = null;
    for (const request of this.held.splice(0)) request.fail(this.closeError);
    this.socket?.destroy();
    const hadPending = this.pending.size > 0;
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      entry.reject(this.closeError);
    }
    this.pending.clear();
    if (hadPending && this.options.network?.wantsQueueSize) this.reportQueueSize();
    this.options.onClose?.(this);
  }
}
