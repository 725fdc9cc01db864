// One FetchPush stream's credit and control: what the stream (push.ts) may still push, and whether its
// client asked it to end (FetchPushCredit, push-credit.ts). Both handlers run on the broker's one event
// loop: a grant, an end or a frame the socket took wakes the stream's wait through `onChange`, never racing
// a read.
export class PushStream {
  #credit: number;
  #ended = false;
  #unwritten = 0;
  #changed: (() => void) | null = null;

  constructor(creditBytes: number) {
    this.#credit = creditBytes;
  }

  /** Record bytes the stream may still push (may be below 0: a frame's first batch is always whole). */
  get credit(): number {
    return this.#credit;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** The stream pushed `bytes` of records. */
  spend(bytes: number): void {
    this.#credit -= bytes;
  }

  grant(bytes: number): void {
    this.#credit += bytes;
    if (bytes > 0) this.#changed?.();
  }

  /** Frames handed to the connection that the socket has not taken yet. */
  get unwritten(): number {
    return this.#unwritten;
  }

  /** A frame was handed to the connection; `written()` once the socket has taken it. */
  pushed(): void {
    this.#unwritten++;
  }

  written(): void {
    this.#unwritten--;
    this.#changed?.();
  }

  end(): void {
    this.#ended = true;
    this.#changed?.();
  }

  /** `callback` runs on the next grant, end or written frame (one at a time); returns the function that removes it. */
  onChange(callback: () => void): () => void {
    this.#changed = callback;
    return () => {
      if (this.#changed === callback) this.#changed = null;
    };
  }
}
