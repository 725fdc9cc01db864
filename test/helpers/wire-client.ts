// A minimal raw-protocol client for broker tests: sends request frames (or arbitrary bytes), decodes
// response frames in arrival order and matches them to requests by correlationId. No retries, no
// reconnects: tests see exactly what the broker sent.
import { connect, type Socket } from 'node:net';
import { type ConnectionOptions, connect as connectTls, type TLSSocket } from 'node:tls';
import {
  apiByKey,
  decodeResponsePayload,
  encodeRequestFrame,
  FrameDecoder,
  type ApiSpec,
  type DecodedResponseFrame,
} from '../../src/protocol/index.js';

export interface RawResponse extends DecodedResponseFrame {}

/** A response that arrived as `{ error }` instead of a body. */
export class WireError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly correlationId: number,
  ) {
    super(message);
  }
}

export class WireClient {
  private readonly decoder = new FrameDecoder(1024 * 1024 * 1024);
  private readonly waiting = new Map<number, { resolve(r: RawResponse): void; reject(e: Error): void }>();
  /** Every response in the order it arrived (for ordering assertions). */
  readonly arrivals: number[] = [];
  /** Called with every frame (a FetchPush stream's frames before its final one included). */
  onFrame: ((response: RawResponse) => void) | null = null;
  private nextCorrelationId = 1;
  private closedError: Error | undefined;
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const payload of this.decoder.push(chunk)) {
        const response = decodeResponsePayload(payload);
        this.arrivals.push(response.correlationId);
        this.onFrame?.(response);
        const w = this.waiting.get(response.correlationId);
        this.waiting.delete(response.correlationId);
        w?.resolve(response);
      }
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.closedError = new Error('connection closed by the broker');
        for (const w of this.waiting.values()) w.reject(this.closedError);
        this.waiting.clear();
        resolve();
      });
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1', options: { localAddress?: string } = {}): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host, noDelay: true, ...options }, () => {
        socket.off('error', reject);
        resolve(new WireClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** The same over TLS (a TLS listener): `options` are tls.connect's (ca, cert, key). */
  static connectTls(port: number, options: ConnectionOptions, host = '127.0.0.1'): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = connectTls({ port, host, ...options }, () => {
        socket.off('error', reject);
        resolve(new WireClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** The TLS certificate the broker presented on this connection (a TLS connection only). */
  get peerCertificateSubject(): string | undefined {
    return (this.socket as TLSSocket).getPeerX509Certificate?.()?.subject;
  }

  get isClosed(): boolean {
    return this.closedError !== undefined;
  }

  /** Sends a typed request and resolves with the typed response; an error frame rejects with WireError. */
  async request<Req, Res>(api: ApiSpec<Req, Res>, request: Req, options: { apiVersion?: number } = {}): Promise<Res> {
    const { body, tail } = api.encodeRequest(request);
    const raw = await this.send(api.key, options.apiVersion ?? api.maxVersion, body, tail);
    if (raw.error) throw new WireError(raw.error.code, raw.error.message, raw.correlationId);
    return api.decodeResponse(raw.body, raw.tail, options.apiVersion ?? api.maxVersion);
  }

  /** Sends a request with an arbitrary body and tail; resolves with the raw response frame. */
  send(
    apiKey: number,
    apiVersion: number,
    body: unknown,
    tail: Buffer[] = [],
    correlationId = this.nextCorrelationId++,
  ): Promise<RawResponse> {
    const promise = this.expect(correlationId);
    this.write(encodeRequestFrame({ apiKey, apiVersion, correlationId, clientId: 'test' }, body, tail));
    return promise;
  }

  /** Sends a request that gets no response (produce acks=0). */
  sendOneWay(apiKey: number, body: unknown, tail: Buffer[] = []): number {
    const correlationId = this.nextCorrelationId++;
    const api = apiByKey(apiKey)!;
    this.write(encodeRequestFrame({ apiKey, apiVersion: api.maxVersion, correlationId, clientId: 'test' }, body, tail));
    return correlationId;
  }

  /** Registers interest in a correlationId (for raw writes). */
  expect(correlationId: number): Promise<RawResponse> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => this.waiting.set(correlationId, { resolve, reject }));
  }

  newCorrelationId(): number {
    return this.nextCorrelationId++;
  }

  write(chunks: Buffer | Buffer[]): void {
    for (const chunk of Array.isArray(chunks) ? chunks : [chunks]) this.socket.write(chunk);
  }

  close(): Promise<void> {
    this.socket.end();
    this.socket.destroySoon();
    return this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
