// A budget of open segment files, shared by every partition of a LogManager. Each segment's .log file is a
// PooledFile: a StorageFileHandle that opens its file again on demand after the pool closed it for being
// idle. Without this every segment kept its file open for the life of the process, so 1 KiB segments, or
// 10,000 partitions, ran the process out of descriptors (EMFILE: rolls failed, connections were refused).
//
// Which files may be closed (PooledFile.closable): none with an operation in flight (pinned), none a reader
// holds (Segment.retain: the file must stay readable even if it is unlinked meanwhile — see Segment.delete),
// and none holding written data not yet fsynced (only an active segment can): Linux reports a writeback
// error to descriptors open when it happened, so a file is closed only after its data is known durable.
// Those dirty files are asked to flush (onPressure) when the pool is over budget and nothing else can go.
// Least recently used files are closed first. The budget is a target, not a hard limit: an operation never
// waits for a free slot (that could deadlock with the reader it waits for); the pool goes back under the
// budget as operations finish.
import { SYNC_WRITE_MAX_BYTES, type StorageFileHandle, type StorageFs } from './fs.js';
import type { Logger } from './types.js';
import { noopLogger } from './types.js';

export interface FileStats {
  /** Open segment files the pool aims to stay under. */
  budget: number;
  /** Segment files open now. */
  open: number;
  /** Most segment files open at once. */
  peak: number;
  /** Files opened again after an idle close. */
  reopened: number;
  /** Files closed for being idle. */
  closedIdle: number;
}

/** After a long pass that could not get under budget, passes pause this long (each scans the open files). */
const STALL_MS = 50;
const STALL_AFTER_SCANNING = 256;
const WARN_EVERY_MS = 60_000;

export class FilePool {
  readonly budget: number;
  /** Every open PooledFile, least recently used first. Untracked when the budget is unlimited. */
  readonly #lru = new Map<PooledFile, true>();
  /** The file last moved to the newest end of #lru by touch(), while it is still there. */
  #newest: PooledFile | null = null;
  #open = 0;
  #closing = 0;
  #peak = 0;
  #reopened = 0;
  #closedIdle = 0;
  #stalledUntil = 0;
  #warnedAt = Number.NEGATIVE_INFINITY;
  #retrim: NodeJS.Timeout | undefined;
  readonly #logger: Logger;

  constructor(budget = Number.POSITIVE_INFINITY, logger: Logger = noopLogger) {
    this.budget = budget;
    this.#logger = logger;
  }

  get stats(): FileStats {
    return {
      budget: this.budget,
      open: this.#open,
      peak: this.#peak,
      reopened: this.#reopened,
      closedIdle: this.#closedIdle,
    };
  }

  /** Opens `path` (counted against the budget) as a file the pool may close while idle. */
  async open(fs: StorageFs, path: string, mode: 'r+' | 'w+'): Promise<PooledFile> {
    const fh = await fs.open(path, mode);
    const file = new PooledFile(this, fs, path, fh);
    this.opened(file, false);
    return file;
  }

  /** @internal */ opened(file: PooledFile, again: boolean): void {
    this.#open++;
    if (this.#open > this.#peak) this.#peak = this.#open;
    if (again) this.#reopened++;
    if (this.budget !== Number.POSITIVE_INFINITY) {
      this.#lru.set(file, true);
      this.#newest = null; // the next touch moves the file to the newest end, whatever its place now
    }
  }

  /** @internal */ touch(file: PooledFile): void {
    if (this.budget === Number.POSITIVE_INFINITY) return;
    // The file touched last is already the newest: a partition's appends in a row move nothing (a Map
    // delete and set each, and the delete may make the Map a smaller table).
    if (file === this.#newest) return;
    this.#lru.delete(file);
    this.#lru.set(file, true);
    this.#newest = file;
  }

  /** @internal */ closeStarted(file: PooledFile, idle: boolean): void {
    if (file === this.#newest) this.#newest = null;
    this.#lru.delete(file);
    this.#closing++;
    if (idle) this.#closedIdle++;
  }

  /** @internal */ closeEnded(): void {
    this.#closing--;
    this.#open--;
  }

  /** Closes least recently used idle files while over budget; asks dirty ones to flush if that is not enough. */
  /** @internal */ trim(fromTimer = false): void {
    if (this.#open - this.#closing <= this.budget) return;
    const now = Date.now();
    if (now < this.#stalledUntil && !fromTimer) return; // the timer below is armed
    const dirty: PooledFile[] = [];
    let scanned = 0;
    for (const file of this.#lru.keys()) {
      if (this.#open - this.#closing <= this.budget) return;
      scanned++;
      if (file.closable()) file.closeIdle();
      else if (file.dirty()) dirty.push(file);
    }
    if (this.#open - this.#closing <= this.budget) return;
    // A long fruitless scan is not repeated on every operation; a short one costs less than the timer.
    if (scanned > STALL_AFTER_SCANNING) this.#stalledUntil = now + STALL_MS;
    for (const file of dirty.slice(0, this.#open - this.#closing - this.budget)) file.onPressure?.();
    // Flushes finish and readers let go without an operation on the pool to notice: look again shortly.
    this.#retrim ??= setTimeout(() => {
      this.#retrim = undefined;
      this.trim(true);
    }, STALL_MS);
    this.#retrim.unref();
    if (now - this.#warnedAt >= WARN_EVERY_MS) {
      this.#warnedAt = now;
      this.#logger.warn(
        { ...this.stats, unflushed: dirty.length },
        'more segment files are open than the budget allows: files in use by reads, or holding unflushed data, cannot be closed yet',
      );
    }
  }
}

const closedError = (path: string) => Object.assign(new Error(`EBADF: file closed, ${path}`), { code: 'EBADF', path });

export class PooledFile implements StorageFileHandle {
  /** May the pool close the file now? (Set by the owner: Segment.) */
  canClose: () => boolean = () => true;
  /** Does the file hold written data not yet fsynced? (Set by the owner.) */
  dirty: () => boolean = () => false;
  /** Called when the pool is over budget and this dirty file is among the oldest: flush it. */
  onPressure: (() => void) | undefined;
  #fh: StorageFileHandle | null;
  #opening: Promise<StorageFileHandle> | null = null;
  #closing: Promise<void> | null = null;
  #pins = 0;
  #drained: (() => void) | undefined;
  #retired: Promise<void> | undefined;

  constructor(
    private readonly pool: FilePool,
    private readonly fs: StorageFs,
    readonly path: string,
    fh: StorageFileHandle,
  ) {
    this.#fh = fh;
  }

  /** Open, idle, clean and not held by a reader. */
  closable(): boolean {
    return this.#fh !== null && this.#closing === null && this.#pins === 0 && this.canClose();
  }

  /** Closes the descriptor; the next operation opens the file again. */
  closeIdle(): void {
    const fh = this.#fh!;
    this.#fh = null;
    this.pool.closeStarted(this, true);
    this.#closing = fh
      .close()
      .catch(() => {})
      .finally(() => {
        this.#closing = null;
        this.pool.closeEnded();
      });
  }

  async #handle(): Promise<StorageFileHandle> {
    for (;;) {
      if (this.#retired) throw closedError(this.path);
      if (this.#fh !== null) return this.#fh;
      if (this.#closing) {
        await this.#closing;
        continue;
      }
      this.#opening ??= this.fs.open(this.path, 'r+').then(
        (fh) => {
          this.#opening = null;
          this.#fh = fh;
          this.pool.opened(this, true);
          return fh;
        },
        (err: unknown) => {
          this.#opening = null;
          throw err;
        },
      );
      return await this.#opening;
    }
  }

  async #use<T>(op: (fh: StorageFileHandle) => Promise<T>): Promise<T> {
    if (this.#retired) throw closedError(this.path);
    this.#pins++;
    try {
      const fh = this.#fh ?? (await this.#handle());
      this.pool.touch(this);
      return await op(fh);
    } finally {
      if (--this.#pins === 0) {
        this.#drained?.();
        this.pool.trim();
      }
    }
  }

  /** Makes sure the file is open (a reader holds the segment, and its file is about to be unlinked). */
  keepOpen(): Promise<void> {
    return this.#use(async () => {});
  }

  write(buffer: Buffer, position: number): Promise<void> {
    return this.#use((fh) => fh.write(buffer, position));
  }

  /** Whether writeNow() of `bytes` bytes would write (now, before anything else runs). */
  canWriteNow(bytes: number): boolean {
    return this.#fh?.writeSync !== undefined && !this.#retired && bytes <= SYNC_WRITE_MAX_BYTES;
  }

  /**
   * write() done synchronously when it can be (the file open, not closing or retired, its handle able to,
   * the buffer at most SYNC_WRITE_MAX_BYTES): true once written; false, having done nothing, when not.
   * Throws as write() rejects.
   */
  writeNow(buffer: Buffer, position: number): boolean {
    const fh = this.#fh;
    if (fh === null || !this.canWriteNow(buffer.length)) return false;
    this.#pins++;
    try {
      this.pool.touch(this);
      fh.writeSync!(buffer, position);
      return true;
    } finally {
      if (--this.#pins === 0) {
        this.#drained?.();
        this.pool.trim();
      }
    }
  }
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return this.#use((fh) => fh.read(buffer, offset, length, position));
  }
  sync(): Promise<void> {
    return this.#use((fh) => fh.sync());
  }
  truncate(length: number): Promise<void> {
    return this.#use((fh) => fh.truncate(length));
  }
  size(): Promise<number> {
    return this.#use((fh) => fh.size());
  }

  /** Closes for good, after the operations in flight. Idempotent. */
  close(): Promise<void> {
    this.#retired ??= (async () => {
      while (this.#pins > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
      if (this.#closing) await this.#closing;
      const fh = this.#fh;
      if (fh === null) return;
      this.#fh = null;
      this.pool.closeStarted(this, false);
      try {
        await fh.close();
      } finally {
        this.pool.closeEnded();
      }
    })();
    return this.#retired;
  }
}
