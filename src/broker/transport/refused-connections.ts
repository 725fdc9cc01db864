// Connections refused over a connection limit (connection-limits.ts) that are told why before they close.
// Closing at once would leave a client nothing but a close to retry on; a wire that can say why (the native
// one: an error response CONNECTION_LIMIT_REACHED naming the limit) answers the connection's first request
// with the refusal, then the connection is ended. Kafka's wire cannot (Kafka itself just closes): its
// refusals are closed at once, as are all of them while every place below is taken.
//
// A refused connection is none of the broker's connections (no memory budget, no Connection): this reads
// its first frame with a FrameDecoder of its own, bounded three ways so that a flood of refusals costs the
// broker little: at most ANSWERED_AT_ONCE are answered at a time (a place is held from the accept, through
// a TLS handshake, until the socket closes), each for at most ANSWER_WITHIN_MS from its accept, and a
// first frame over FIRST_FRAME_MAX_BYTES (the SDK's first request, ApiVersions, is well under 2 KiB) closes
// it unanswered.
import type { Socket } from 'node:net';
import { FrameDecoder } from '../../protocol/index.js';

const ANSWERED_AT_ONCE = 64;
const ANSWER_WITHIN_MS = 2000;
const FIRST_FRAME_MAX_BYTES = 8 * 1024;

/** The answer to a refused connection's first frame (its payload, after the length prefix), or null: none. */
export type RefusalAnswer = (firstFrame: Buffer) => Buffer[] | null;

export class RefusedConnections {
  /** Sockets holding a place, each destroyed at its deadline if still open. */
  readonly #held = new Set<Socket>();

  constructor(private readonly answerWithinMs = ANSWER_WITHIN_MS) {}

  /**
   * Takes a place for answering the refused `socket` until it closes (destroyed at the latest
   * answerWithinMs from now); false when every place is taken: the caller closes it at once.
   */
  hold(socket: Socket): boolean {
    if (this.#held.size >= ANSWERED_AT_ONCE) return false;
    this.#held.add(socket);
    const deadline = setTimeout(() => socket.destroy(), this.answerWithinMs);
    socket.once('close', () => {
      clearTimeout(deadline);
      this.#held.delete(socket);
    });
    return true;
  }

  /**
   * Reads the first frame of `stream` (the held socket, or the TLS socket over it), writes `answer`'s
   * reply to it and ends the connection; bytes that are no frame within the bounds close it unanswered.
   */
  answer(stream: Socket, answer: RefusalAnswer): void {
    const decoder = new FrameDecoder(FIRST_FRAME_MAX_BYTES);
    // A refused client's socket errors (a reset) only end its wait: the 'close' that follows frees its place.
    stream.on('error', () => {});
    const onData = (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
      } catch {
        stream.destroy();
        return;
      }
      if (frames.length === 0) return;
      stream.off('data', onData);
      stream.pause();
      const reply = answer(frames[0]!);
      if (reply === null) stream.destroy();
      else stream.end(Buffer.concat(reply));
    };
    stream.on('data', onData);
    stream.resume();
  }

  /** The broker stops: every refused connection still open is closed now. */
  destroyAll(): void {
    for (const socket of this.#held) socket.destroy();
  }
}
