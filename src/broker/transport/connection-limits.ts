// Connection limits, shared by every listener of a broker: at most maxConnections connections, and
// maxConnectionsPerAddress from one remote address. A connection beyond either is refused as soon as it is
// accepted (its listener closes it, after answering its first request where its wire can say why:
// refused-connections.ts), with a warning (at most REFUSAL_LOG_LINES lines per REFUSAL_LOG_WINDOW_MS; refusals beyond
// are counted in the next line).
import type { Socket } from 'node:net';
import type { Logger } from 'pino';

const REFUSAL_LOG_WINDOW_MS = 1000;
const REFUSAL_LOG_LINES = 10;

export class ConnectionLimits {
  #open = 0;
  /** Open connections per remote address. */
  readonly #perAddress = new Map<string, number>();
  /** Refusal log lines in the current window, and refusals not logged since the last line. */
  #refusalWindowStart = 0;
  #refusalLines = 0;
  #refusedUnlogged = 0;

  constructor(
    private readonly limits: { maxConnections: number; maxConnectionsPerAddress: number },
    private readonly logger: Logger,
  ) {}

  get open(): number {
    return this.#open;
  }

  /**
   * Counts a new connection from `address` (null), or refuses it: returns why, for the log and the client
   * ("the broker has 100 connections open (maxConnections 100)"). A refused socket is not counted: the
   * caller closes it.
   */
  admit(socket: Socket, address: string): string | null {
    const refusal = this.#refusal(address);
    if (refusal) {
      this.#logRefusal(socket, address, refusal);
      return refusal;
    }
    this.#open++;
    this.#perAddress.set(address, (this.#perAddress.get(address) ?? 0) + 1);
    return null;
  }

  /** An admitted connection from `address` closed. */
  closed(address: string): void {
    this.#open--;
    const left = (this.#perAddress.get(address) ?? 1) - 1;
    if (left > 0) this.#perAddress.set(address, left);
    else this.#perAddress.delete(address);
  }

  /** Why a new connection from `address` is refused, or null. */
  #refusal(address: string): string | null {
    const { maxConnections, maxConnectionsPerAddress } = this.limits;
    if (this.#open >= maxConnections)
      return `the broker has ${this.#open} connections open (maxConnections ${maxConnections})`;
    const fromAddress = this.#perAddress.get(address) ?? 0;
    if (fromAddress >= maxConnectionsPerAddress)
      return `${address} has ${fromAddress} connections open (maxConnectionsPerAddress ${maxConnectionsPerAddress})`;
    return null;
  }

  #logRefusal(socket: Socket, address: string, reason: string): void {
    const now = Date.now();
    if (now - this.#refusalWindowStart >= REFUSAL_LOG_WINDOW_MS) {
      this.#refusalWindowStart = now;
      this.#refusalLines = 0;
    }
    if (this.#refusalLines >= REFUSAL_LOG_LINES) {
      this.#refusedUnlogged++;
      return;
    }
    this.#refusalLines++;
    const notLogged = this.#refusedUnlogged;
    this.#refusedUnlogged = 0;
    this.logger.warn(
      { peer: `${address}:${socket.remotePort ?? '?'}`, reason, ...(notLogged > 0 ? { notLogged } : {}) },
      `connection refused: ${reason}`,
    );
  }
}
