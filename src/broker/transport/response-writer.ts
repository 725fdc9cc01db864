// How a connection's response frames go onto its socket: one writer per connection, by listener kind.
//
// Plaintext: every chunk of every frame finished together goes out inside one cork, so the kernel gets
// one writev and record bytes are never copied.
//
// TLS: Node's TLSWrap gives a writev of several buffers to SSL_write as one buffer it first copies them
// into, and encrypts all of it before the first byte is handed to the kernel. A fetch response of 8 MiB
// written the plaintext way was one 8 MiB copy, then 8 MiB of AES-GCM on the broker's event loop with the
// client idle, then the transfer: encryption and decryption ran one after the other instead of side by
// side, and replay over TLS ran at ~36 % of plaintext. So on TLS the writer hands the socket pieces of
// at most PIECE_BYTES, each one buffer (no copy), and at most two at a time: one being encrypted and
// written, one waiting behind it. Node writes a lone waiting buffer with a plain write, never a writev,
// so nothing is concatenated. The next piece is encrypted while the client decrypts the previous one.
// Chunks smaller than SMALL_CHUNK_BYTES (frame heads, small batches, small responses) are gathered into
// one buffer (the copy SSL_write's caller made anyway) so that a burst of small responses is still one
// TLS write and one syscall.
//
// Ordering and callbacks: bytes leave in the order written. A frame's `written` callback runs once the
// piece holding its last byte has been written (the kernel has the ciphertext, so the frame's buffers may
// be reused), with an error instead if the socket failed or closed first; it runs exactly once either way.
//
// Backpressure: write() returns false, as socket.write() does, while bytes wait (here or in the socket)
// at or above the socket's high-water mark; onDrain is called once everything queued has been written.
import type { Socket } from 'node:net';

/** A callback of socket.write(): the bytes reached the kernel, or an error says they never will. */
export type WrittenCallback = (error?: Error | null) => void;

export interface ResponseWriter {
  /** Frames written until endBatch() leave together (one writev, or one TLS write). */
  beginBatch(): void;
  /** Queues one frame's chunks; `written` runs once its last byte is written. False: wait for onDrain. */
  write(frame: readonly Buffer[], written: WrittenCallback): boolean;
  endBatch(): void;
  /** Ends the socket once every frame queued before has been written; `done` runs when it has ended. */
  end(done: () => void): void;
}

/** Plaintext: straight onto the socket, corked per batch (see the file comment). */
export class SocketResponseWriter implements ResponseWriter {
  constructor(
    private readonly socket: Socket,
    onDrain: () => void,
  ) {
    socket.on('drain', onDrain);
  }

  beginBatch(): void {
    this.socket.cork();
  }

  write(frame: readonly Buffer[], written: WrittenCallback): boolean {
    const socket = this.socket;
    let flowing = true;
    const last = frame.length - 1;
    for (let i = 0; i < last; i++) if (!socket.write(frame[i]!)) flowing = false;
    // Writes complete in order: the last chunk's callback means the whole frame reached the kernel.
    if (!socket.write(frame[last]!, written)) flowing = false;
    return flowing;
  }

  endBatch(): void {
    this.socket.uncork();
  }

  end(done: () => void): void {
    this.socket.end(done);
  }
}

/** The most bytes handed to a TLS socket in one write (a multiple of TLS's 16 KiB record). */
const PIECE_BYTES = 256 * 1024;
/** Chunks below this are gathered by copying; larger ones are written as they are, cut into pieces. */
const SMALL_CHUNK_BYTES = 64 * 1024;
/** Pieces handed to the socket and not yet written: one being written, one waiting (never a writev). */
const MAX_OUTSTANDING = 2;

interface Piece {
  bytes: Buffer;
  /** The `written` callbacks of the frames whose last byte is in this piece, in order. */
  callbacks: WrittenCallback[] | null;
}

/** TLS: pieces, at most two at a time (see the file comment). */
export class TlsResponseWriter implements ResponseWriter {
  readonly #socket: Socket;
  readonly #onDrain: () => void;
  /** Pieces cut and not yet handed to the socket, in order; the small run below comes after them. */
  #queue: Piece[] = [];
  /** Small chunks being gathered into one piece, and the callbacks of the frames that end in them. */
  #small: Buffer[] = [];
  #smallBytes = 0;
  #smallCallbacks: WrittenCallback[] | null = null;
  /** Bytes queued here (pieces and the small run), not yet handed to the socket. */
  #queuedBytes = 0;
  #outstanding = 0;
  #batching = false;
  #needDrain = false;
  #ending: (() => void) | null = null;
  #failed: Error | null = null;

  constructor(socket: Socket, onDrain: () => void) {
    this.#socket = socket;
    this.#onDrain = onDrain;
    // Pieces still queued when the socket goes away are never written: their frames are told so.
    socket.once('close', () => this.#fail(new Error('the connection closed before the response was written')));
  }

  beginBatch(): void {
    this.#batching = true;
  }

  write(frame: readonly Buffer[], written: WrittenCallback): boolean {
    if (this.#failed) {
      const error = this.#failed;
      process.nextTick(() => written(error));
      return false;
    }
    for (const chunk of frame) this.#add(chunk);
    if (this.#small.length > 0) (this.#smallCallbacks ??= []).push(written);
    else {
      const last = this.#queue.at(-1);
      if (last) (last.callbacks ??= []).push(written);
      // A frame of empty chunks only: nothing to wait for.
      else process.nextTick(written);
    }
    if (!this.#batching) this.#pump();
    const flowing = this.#queuedBytes + this.#socket.writableLength < this.#socket.writableHighWaterMark;
    if (!flowing) this.#needDrain = true;
    return flowing;
  }

  endBatch(): void {
    this.#batching = false;
    this.#pump();
  }

  end(done: () => void): void {
    if (this.#failed || this.#idle()) this.#socket.end(done);
    else this.#ending = done;
  }

  #add(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#queuedBytes += chunk.length;
    if (chunk.length < SMALL_CHUNK_BYTES) {
      this.#small.push(chunk);
      this.#smallBytes += chunk.length;
      if (this.#smallBytes >= PIECE_BYTES) this.#sealSmall();
      return;
    }
    this.#sealSmall();
    for (let offset = 0; offset < chunk.length; offset += PIECE_BYTES)
      this.#queue.push({ bytes: chunk.subarray(offset, offset + PIECE_BYTES), callbacks: null });
  }

  /** The small run becomes one piece at the back of the queue. */
  #sealSmall(): void {
    if (this.#small.length === 0) return;
    const bytes = this.#small.length === 1 ? this.#small[0]! : Buffer.concat(this.#small, this.#smallBytes);
    this.#queue.push({ bytes, callbacks: this.#smallCallbacks });
    this.#small = [];
    this.#smallBytes = 0;
    this.#smallCallbacks = null;
  }

  /** Hands pieces to the socket while fewer than MAX_OUTSTANDING are in it. */
  #pump(): void {
    while (this.#outstanding < MAX_OUTSTANDING && this.#failed === null) {
      // The small run keeps gathering while the socket is busy; it goes once it is next in line.
      if (this.#queue.length === 0) this.#sealSmall();
      const piece = this.#queue.shift();
      if (!piece) break;
      this.#queuedBytes -= piece.bytes.length;
      this.#outstanding++;
      this.#socket.write(piece.bytes, (error) => this.#written(piece, error));
    }
  }

  #written(piece: Piece, error: Error | null | undefined): void {
    this.#outstanding--;
    if (piece.callbacks) for (const callback of piece.callbacks) callback(error);
    if (error) {
      this.#fail(error);
      return;
    }
    if (!this.#batching) this.#pump();
    if (!this.#idle()) return;
    if (this.#ending) {
      const done = this.#ending;
      this.#ending = null;
      this.#socket.end(done);
    } else if (this.#needDrain) {
      this.#needDrain = false;
      this.#onDrain();
    }
  }

  #idle(): boolean {
    return this.#outstanding === 0 && this.#queuedBytes === 0;
  }

  /** Every frame still queued here is told it will not be written. */
  #fail(error: Error): void {
    if (this.#failed) return;
    this.#failed = error;
    this.#sealSmall();
    const queue = this.#queue;
    this.#queue = [];
    this.#queuedBytes = 0;
    for (const piece of queue) if (piece.callbacks) for (const callback of piece.callbacks) callback(error);
    if (this.#ending) {
      const done = this.#ending;
      this.#ending = null;
      this.#socket.end(done);
    }
  }
}
