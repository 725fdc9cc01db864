// The small file-system interface the engine uses, so tests can inject failures (FaultyFs) and count
// fsyncs. Segment files are opened once and used through a handle with positional reads and writes:
// no path-based call happens on the append path.
import { mkdirSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { open as fsOpen, rename, rm, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { channel } from 'node:diagnostics_channel';

/** Data fsyncs, `{ durationMs }` each, for metrics (free when nobody subscribes). */
const fsyncChannel = channel('sluice:storage:fsync');

export interface StorageFileHandle {
  readonly path: string;
  /** Writes the whole buffer at `position` (loops over short writes). */
  write(buffer: Buffer, position: number): Promise<void>;
  /**
   * The same write done synchronously, for a buffer of at most SYNC_WRITE_MAX_BYTES (the append's hot path:
   * partition-append.ts appendNow); throws as write() rejects. Absent where a handle cannot (then write()).
   */
  writeSync?(buffer: Buffer, position: number): void;
  /** Reads up to `length` bytes at `position` into `buffer[offset..]`; returns the bytes read (short at EOF). */
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** fdatasync: data and the metadata needed to read it (the size) are durable when this resolves. */
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

/** 'r': read only; 'r+': read/write an existing file; 'w+': create or truncate, read/write. */
export type OpenMode = 'r' | 'r+' | 'w+';

export interface StorageFs {
  open(path: string, mode: OpenMode): Promise<StorageFileHandle>;
  readFile(path: string): Promise<Buffer>;
  readdir(path: string): Promise<string[]>;
  /** Undefined when the path does not exist. */
  stat(path: string): Promise<{ size: number; isDirectory: boolean } | undefined>;
  mkdir(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Removes a directory tree; no error when missing. */
  rmdir(path: string): Promise<void>;
  /** fsync of a directory, making renames, creations and unlinks in it durable. */
  syncDir(path: string): Promise<void>;
}

/**
 * Writes up to this size are done with a synchronous pwrite on the event loop instead of through libuv's
 * thread pool. A small write into the page cache costs a few µs; the thread-pool round trip costs more
 * CPU than that (queue, futex wake of a worker, eventfd + epoll wake of the loop) and two thread
 * wake-ups that, on a loaded machine, each wait for a free core — measured in the produce→consume
 * latency tail (bench/latency-trace.ts). Larger writes stay asynchronous so the loop is never held for
 * a long copy. Either way it is the same positional write, so ordering and crash behaviour are unchanged.
 */
export const SYNC_WRITE_MAX_BYTES = 64 * 1024;

class NodeFileHandle implements StorageFileHandle {
  constructor(
    readonly path: string,
    private readonly fh: FileHandle,
  ) {}

  async write(buffer: Buffer, position: number): Promise<void> {
    if (buffer.length <= SYNC_WRITE_MAX_BYTES) return this.writeSync(buffer, position);
    let done = 0;
    while (done < buffer.length) {
      const { bytesWritten } = await this.fh.write(buffer, done, buffer.length - done, position + done);
      if (bytesWritten <= 0) throw Object.assign(new Error(`short write to ${this.path}`), { code: 'EIO' });
      done += bytesWritten;
    }
  }

  writeSync(buffer: Buffer, position: number): void {
    let done = 0;
    while (done < buffer.length) {
      const written = writeSync(this.fh.fd, buffer, done, buffer.length - done, position + done);
      if (written <= 0) throw Object.assign(new Error(`short write to ${this.path}`), { code: 'EIO' });
      done += written;
    }
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(buffer, offset + done, length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }

  sync(): Promise<void> {
    if (!fsyncChannel.hasSubscribers) return this.fh.datasync();
    const started = performance.now();
    return this.fh.datasync().then(() => {
      fsyncChannel.publish({ durationMs: performance.now() - started });
    });
  }

  truncate(length: number): Promise<void> {
    return this.fh.truncate(length);
  }

  async size(): Promise<number> {
    return (await this.fh.stat()).size;
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/**
 * readFile, readdir, stat and mkdir run synchronously (the promise is already settled when returned).
 * They serve only partition open and creation — checkpoints, index files, directory listings — where
 * each is one to four cached-metadata syscalls of a few µs, while an asynchronous call costs a thread-pool
 * round trip per syscall (fs.promises.readFile is four: open, fstat, read, close). Opening 10,000
 * partitions is ~20 of them each; done asynchronously the main thread spent its time dispatching them.
 * Nothing on the produce or fetch path calls them. Calls that fsync (and rename/unlink next to fsyncs)
 * stay asynchronous.
 */
export const nodeFs: StorageFs = {
  async open(path, mode) {
    return new NodeFileHandle(path, await fsOpen(path, mode));
  },
  async readFile(path) {
    return readFileSync(path);
  },
  async readdir(path) {
    return readdirSync(path);
  },
  async stat(path) {
    const s = statSync(path, { throwIfNoEntry: false });
    return s && { size: s.size, isDirectory: s.isDirectory() };
  },
  async mkdir(path) {
    mkdirSync(path, { recursive: true });
  },
  rename: (from, to) => rename(from, to),
  unlink: (path) => unlink(path),
  rmdir: (path) => rm(path, { recursive: true, force: true }),
  async syncDir(path) {
    const fh = await fsOpen(path, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
};
