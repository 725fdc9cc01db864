// A scriptable broker for unit tests: speaks the real framing, answers ApiVersions and Metadata by
// itself, and hands every other request to a handler that may answer, answer late, or never answer.
import * as net from 'node:net';
import {
  ALL_APIS,
  apiByKey,
  decodeRequestPayload,
  encodeResponseFrame,
  FrameDecoder,
  type DecodedRequestFrame,
} from '../../src/protocol/index.js';

export interface FakeRequest extends DecodedRequestFrame {
  /** The request decoded with its API's decodeRequest. */
  decoded: any;
  socket: net.Socket;
}

/** Return a response body to answer now, a Promise of one to answer later, or null to never answer. */
export type FakeHandler = (request: FakeRequest) => unknown | Promise<unknown> | null;

export class FakeBroker {
  readonly requests: FakeRequest[] = [];
  readonly sockets = new Set<net.Socket>();
  handler: FakeHandler = () => null;
  topics: Array<{ name: string; partitions: number }> = [];
  private server = net.createServer((socket) => this.onConnection(socket));
  port = 0;

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Requests of one API seen so far. */
  of(apiKey: number): FakeRequest[] {
    return this.requests.filter((r) => r.apiKey === apiKey);
  }

  private onConnection(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    const decoder = new FrameDecoder();
    // Responses go out in request order, like the real broker: each waits for the previous one.
    let chain: Promise<void> = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      for (const payload of decoder.push(chunk)) {
        const frame = decodeRequestPayload(Buffer.from(payload));
        const api = apiByKey(frame.apiKey)!;
        const request: FakeRequest = {
          ...frame,
          decoded: api.decodeRequest(frame.body, frame.tail, frame.apiVersion),
          socket,
        };
        this.requests.push(request);
        const answer = Promise.resolve(this.answer(request));
        chain = chain.then(async () => {
          const body = await answer;
          if (body === null || body === undefined || socket.destroyed) return;
          const encoded = api.encodeResponse(body);
          for (const part of encodeResponseFrame(frame.correlationId, encoded.body, encoded.tail)) socket.write(part);
        });
      }
    });
  }

  private answer(request: FakeRequest): unknown {
    if (request.apiKey === 18) {
      return {
        errorCode: 0,
        brokerVersion: 'fake',
        apiVersions: ALL_APIS.map((a) => ({ apiKey: a.key, minVersion: a.minVersion, maxVersion: a.maxVersion })),
      };
    }
    if (request.apiKey === 3) {
      const wanted: string[] | null = request.decoded.topics;
      return {
        brokers: [{ nodeId: 0, host: '127.0.0.1', port: this.port }],
        clusterId: 'fake',
        controllerId: 0,
        topics: [
          ...this.topics
            .filter((t) => wanted === null || wanted.includes(t.name))
            .map((t) => ({
              name: t.name,
              errorCode: 0,
              errorMessage: null,
              isInternal: false,
              partitions: Array.from({ length: t.partitions }, (_, p) => ({
                partition: p,
                errorCode: 0,
                leader: 0,
                replicas: [0],
                isr: [0],
              })),
            })),
          ...(wanted ?? [])
            .filter((n) => !this.topics.some((t) => t.name === n))
            .map((name) => ({ name, errorCode: 3, errorMessage: 'unknown', isInternal: false, partitions: [] })),
        ],
      };
    }
    return this.handler(request);
  }
}
