// A bare protocol connection for the scale benches: sends frames, counts response frames, and can stop
// reading its socket (a client that falls behind) — no SDK state, so the broker's memory is what is measured.
import { connect, type Socket } from 'node:net';
import { ApiKey, encodeRequestFrame } from '../../src/protocol/index.js';

export class RawConnection {
  readonly socket: Socket;
  responses = 0;
  private pending: Buffer = Buffer.alloc(0);
  private correlationId = 0;
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {});
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  send(apiKey: number, body: unknown): void {
    const frame = encodeRequestFrame(
      { apiKey, apiVersion: 0, correlationId: this.correlationId++, clientId: 'bench-raw' },
      body,
    );
    for (const b of frame) this.socket.write(b);
  }

  /** Sends ApiVersions and waits for its response (what every client does first). */
  async apiVersions(): Promise<void> {
    const want = this.responses + 1;
    this.send(ApiKey.ApiVersions, {});
    await this.until(want);
  }

  until(count: number): Promise<void> {
    if (this.responses >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  private onData(chunk: Buffer): void {
    // Frames are only counted: length prefix, skip.
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 4) {
      const len = this.pending.readUInt32BE(0);
      if (this.pending.length < 4 + len) break;
      this.pending = this.pending.subarray(4 + len);
      this.responses++;
    }
    if (this.pending.length === 0) this.pending = Buffer.alloc(0);
    this.waiters = this.waiters.filter((w) => {
      if (this.responses < w.count) return true;
      w.resolve();
      return false;
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
