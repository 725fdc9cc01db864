// A StorageFs wrapper for tests: counts calls and fails chosen writes/fsyncs with a chosen errno,
// for the next N calls and/or for paths matching a predicate. It can also write a prefix of the buffer
// before failing (a torn write), delay fsyncs (to make group commit observable), delay truncations, and delay
// reads, counting the writes that start while a read is still going on (to make the space reserved ahead observable).
import type { OpenMode, StorageFileHandle, StorageFs } from './fs.js';
import { nodeFs } from './fs.js';

export type FaultOp = 'write' | 'sync' | 'open' | 'truncate' | 'rename' | 'read';

export interface FaultOptions {
  /** errno code of the injected error. Default 'EIO'. */
  code?: string;
  /** Fail this many matching calls, then stop. Default: every matching call until cleared. */
  times?: number;
  /** Only calls on paths for which this returns true. */
  path?: (path: string) => boolean;
  /** For writes: write this many bytes of the buffer before failing (a torn write). */
  partialBytes?: number;
}

interface ArmedFault extends FaultOptions {
  op: FaultOp;
  remaining: number;
}

export class FaultyFs implements StorageFs {
  /** Calls per operation, including failed ones. `sync` counts file fsyncs (not directory fsyncs). */
  readonly counts: Record<FaultOp | 'syncDir' | 'readdir' | 'readFile', number> = {
    write: 0,
    sync: 0,
    open: 0,
    truncate: 0,
    rename: 0,
    read: 0,
    syncDir: 0,
    readdir: 0,
    readFile: 0,
  };
  /** Milliseconds each file fsync takes in addition to the real one. */
  syncDelayMs = 0;
  /** Milliseconds each file truncation (either way: cut or extend) takes before the real one. */
  truncateDelayMs = 0;
  /** Milliseconds each file read takes in addition to the real one. */
  readDelayMs = 0;
  /** File reads going on now, and the writes (either kind) that started while one was. */
  readsInFlight = 0;
  writesWhileReading = 0;
  private faults: ArmedFault[] = [];

  constructor(readonly inner: StorageFs = nodeFs) {}

  failWrites(options: FaultOptions = {}): void {
    this.arm('write', options);
  }

  failFsyncs(options: FaultOptions = {}): void {
    this.arm('sync', options);
  }

  fail(op: FaultOp, options: FaultOptions = {}): void {
    this.arm(op, options);
  }

  clearFaults(): void {
    this.faults = [];
  }

  private arm(op: FaultOp, options: FaultOptions): void {
    this.faults.push({ ...options, op, remaining: options.times ?? Number.POSITIVE_INFINITY });
  }

  /** Returns the fault to inject for this call, consuming one of its uses, or undefined. */
  take(op: FaultOp, path: string): ArmedFault | undefined {
    this.counts[op]++;
    const fault = this.faults.find((f) => f.op === op && f.remaining > 0 && (f.path === undefined || f.path(path)));
    if (fault) fault.remaining--;
    return fault;
  }

  static errorFor(fault: ArmedFault, op: string, path: string): NodeJS.ErrnoException {
    const code = fault.code ?? 'EIO';
    return Object.assign(new Error(`${code}: injected fault, ${op} '${path}'`), { code, syscall: op, path });
  }

  private check(op: FaultOp, path: string): void {
    const fault = this.take(op, path);
    if (fault) throw FaultyFs.errorFor(fault, op, path);
  }

  async open(path: string, mode: OpenMode): Promise<StorageFileHandle> {
    this.check('open', path);
    return new FaultyHandle(this, await this.inner.open(path, mode));
  }

  readFile(path: string): Promise<Buffer> {
    this.counts.readFile++;
    return this.inner.readFile(path);
  }
  readdir(path: string): Promise<string[]> {
    this.counts.readdir++;
    return this.inner.readdir(path);
  }
  stat(path: string): Promise<{ size: number; isDirectory: boolean } | undefined> {
    return this.inner.stat(path);
  }
  mkdir(path: string): Promise<void> {
    return this.inner.mkdir(path);
  }
  async rename(from: string, to: string): Promise<void> {
    this.check('rename', to);
    return this.inner.rename(from, to);
  }
  unlink(path: string): Promise<void> {
    return this.inner.unlink(path);
  }
  rmdir(path: string): Promise<void> {
    return this.inner.rmdir(path);
  }
  syncDir(path: string): Promise<void> {
    this.counts.syncDir++;
    return this.inner.syncDir(path);
  }
}

class FaultyHandle implements StorageFileHandle {
  writeSync?: (buffer: Buffer, position: number) => void;

  constructor(
    private readonly owner: FaultyFs,
    private readonly inner: StorageFileHandle,
  ) {
    // Synchronous writes (the append's hot path) fail as chosen too, where the wrapped handle has them.
    const innerWriteSync = inner.writeSync?.bind(inner);
    if (innerWriteSync) {
      this.writeSync = (buffer, position) => {
        if (this.owner.readsInFlight > 0) this.owner.writesWhileReading++;
        const fault = this.owner.take('write', this.path);
        if (!fault) return innerWriteSync(buffer, position);
        const partial = Math.min(fault.partialBytes ?? 0, buffer.length);
        if (partial > 0) innerWriteSync(buffer.subarray(0, partial), position);
        throw FaultyFs.errorFor(fault, 'write', this.path);
      };
    }
  }

  get path(): string {
    return this.inner.path;
  }

  async write(buffer: Buffer, position: number): Promise<void> {
    if (this.owner.readsInFlight > 0) this.owner.writesWhileReading++;
    const fault = this.owner.take('write', this.path);
    if (!fault) return this.inner.write(buffer, position);
    const partial = Math.min(fault.partialBytes ?? 0, buffer.length);
    if (partial > 0) await this.inner.write(buffer.subarray(0, partial), position);
    throw FaultyFs.errorFor(fault, 'write', this.path);
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    const fault = this.owner.take('read', this.path);
    if (fault) throw FaultyFs.errorFor(fault, 'read', this.path);
    this.owner.readsInFlight++;
    try {
      if (this.owner.readDelayMs > 0) await new Promise((r) => setTimeout(r, this.owner.readDelayMs));
      return await this.inner.read(buffer, offset, length, position);
    } finally {
      this.owner.readsInFlight--;
    }
  }

  async sync(): Promise<void> {
    const fault = this.owner.take('sync', this.path);
    if (this.owner.syncDelayMs > 0) await new Promise((r) => setTimeout(r, this.owner.syncDelayMs));
    if (fault) throw FaultyFs.errorFor(fault, 'fsync', this.path);
    return this.inner.sync();
  }

  async truncate(length: number): Promise<void> {
    const fault = this.owner.take('truncate', this.path);
    if (fault) throw FaultyFs.errorFor(fault, 'ftruncate', this.path);
    if (this.owner.truncateDelayMs > 0) await new Promise((r) => setTimeout(r, this.owner.truncateDelayMs));
    return this.inner.truncate(length);
  }

  size(): Promise<number> {
    return this.inner.size();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
