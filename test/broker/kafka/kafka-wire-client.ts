// A minimal Kafka wire client for the listener's protocol-level tests: encodes requests with the codec,
// collects response frames in arrival order, and notices when the broker closes the connection.
import { connect, type Socket } from 'node:net';
import {
  decodeResponsePayload,
  encodeRequestFrame,
  type KafkaApi,
  kafkaFrameDecoder,
  type RequestInputOf,
  type ResponseOf,
} from '../../../src/protocol/kafka/index.js';
import { until } from './helpers.js';

export class KafkaWireClient {
  readonly frames: Buffer[] = [];
  closed = false;
  private nextCorrelationId = 1;

  private constructor(readonly socket: Socket) {
    const decoder = kafkaFrameDecoder();
    socket.on('data', (chunk: Buffer) => this.frames.push(...decoder.push(chunk).map((f) => Buffer.from(f))));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => {});
  }

  static connect(port: number): Promise<KafkaWireClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new KafkaWireClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends a request; returns its correlation id. */
  send<A extends KafkaApi>(api: A, version: number, body: RequestInputOf<A>): number {
    const correlationId = this.nextCorrelationId++;
    for (const chunk of encodeRequestFrame(api, version, { correlationId, clientId: 'wire-test' }, body as never))
      this.socket.write(chunk);
    return correlationId;
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The `n`th response frame (0-based), waiting for it. */
  async frame(n: number, ms = 5000): Promise<Buffer> {
    await until(() => this.frames.length > n || this.closed, ms, `response frame ${n}`);
    if (this.frames.length <= n) throw new Error(`connection closed before response frame ${n}`);
    return this.frames[n]!;
  }

  /** Sends a request and decodes its response (the next frame). */
  async request<A extends KafkaApi>(api: A, version: number, body: RequestInputOf<A>): Promise<ResponseOf<A>> {
    const n = this.frames.length;
    const correlationId = this.send(api, version, body);
    const response = decodeResponsePayload(api, version, await this.frame(n));
    if (response.correlationId !== correlationId)
      throw new Error(`correlation id ${response.correlationId}, expected ${correlationId}`);
    return response.body as unknown as ResponseOf<A>;
  }

  /** Sends `count` copies of a request at once (pipelined) and decodes their responses, in order. */
  async pipeline<A extends KafkaApi>(
    api: A,
    version: number,
    body: RequestInputOf<A>,
    count: number,
  ): Promise<Array<ResponseOf<A>>> {
    const first = this.frames.length;
    const ids = Array.from({ length: count }, () => this.send(api, version, body));
    await this.frame(first + count - 1);
    return ids.map((correlationId, i) => {
      const response = decodeResponsePayload(api, version, this.frames[first + i]!);
      if (response.correlationId !== correlationId)
        throw new Error(`correlation id ${response.correlationId}, expected ${correlationId}`);
      return response.body as unknown as ResponseOf<A>;
    });
  }

  async waitClosed(ms = 5000): Promise<void> {
    await until(() => this.closed, ms, 'the broker to close the connection');
  }

  destroy(): void {
    this.socket.destroy();
  }
}
