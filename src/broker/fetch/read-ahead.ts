// Fetch read-ahead, per connection. A consumer catching up sends its next Fetch only once the previous
// response has arrived, and that fetch asks for the offset where the response ended, with the same size.
// Without read-ahead the broker starts its file read (a pread of up to the fetch size) only when that
// request arrives, so broker read and client receive alternate. So, once a fetch is answered from a
// file and more is readable, the broker starts reading the partition's next chunk at once, while the
// response is still being written; the next fetch takes that read (awaiting it if still running).
//
// Correctness: a read-ahead is only ever an answer to the request it predicted: same log object (a
// deleted and re-created partition is another object), same offset, same byte limit (or, for a caller that
// takes shorter answers, a smaller one, or a larger one whose bytes are within the limit: a FetchPush frame
// may carry less than its limit, and a read within the limit is a valid one); and it is used
// only if no truncation started or ended since it began (PartitionLog.truncationCount) and its offset
// is still at or above the log start (retention, deleteRecords: otherwise the fresh read's
// OFFSET_OUT_OF_RANGE answers). Its upper bound was the high watermark when it started: the watermark
// only moves back by a truncation, so its bytes stay visible; a later watermark just makes it shorter
// than a fresh read would be, which the next fetch continues from. A read-ahead that failed is dropped
// and the fetch reads afresh (meeting the error itself, if it persists).
//
// Depth: a Fetch's read-ahead is one read, the next fetch's (a consumer of plain fetches has its next one
// at the broker while it decodes a response: a second gained nothing, bench/RESULTS.md). A FetchPush stream
// (push.ts) writes a frame while the next one waits, so while its reads are what it waits for (the last
// read-ahead taken was still reading: a file read from the disk) it reads two ahead: with the first still
// running, the second starts where the segment's index says the first will end
// (PartitionLog.plannedReadEnd), so that two pool threads read at once. From the page cache a read is done
// long before it is taken, and a second one would only take a core from the threads that are the
// bottleneck, so a stream reads one ahead then. The second answers only the request it predicted, like the
// first: a wrong prediction costs a read, never a wrong answer. A partition's read-aheads are a queue in
// offset order; the next fetch takes the head, and a head made for another offset drops the whole queue.
// A second read starts only while fewer read-aheads than half the thread pool are reading, every
// connection's (ReadsInFlight): with many consumers replaying at once the reads lag because the pool is
// busy, not the disk, and a second read each would only queue behind the others, holding memory.
//
// Bound: per connection, read-aheads totalling at most the broker's maxFetchBytes (one more response's
// worth). Each one also holds its size of the broker's memory budget (memory-budget.ts) and is not started
// when that has no room: a read-ahead is optional. Once its read is done it holds the buffer the read keeps
// instead (a pool buffer may be larger than the byte limit: a size class at or above the read's span, or a
// free one of up to twice that class). Each one lives until the connection's next fetch: a partition that
// fetch does not take is dropped, as are all of them when the connection closes. A dropped read-ahead's
// pool buffer goes back to the pool once its read settles (nothing else saw it).
// All of a connection's read-aheads are dropped when one of its frames would wait for the budget, and
// every connection's when any frame is about to wait first (memory-budget.ts): they are let go only by
// their connection's next request, so otherwise the budget could fill with read-aheads of consumers that
// are busy, idle, or themselves waiting for room to send the request that would free them.
import { type PartitionLog, type ReadBufferPool, type ReadResult, releaseRead } from '../../../storage/index.js';
import type { MemoryShare } from '../transport/wire.js';

/** Read-aheads reading now, every connection's: one per broker (FetchSessions), shared by its connections. */
export class ReadsInFlight {
  running = 0;

  /**
   * `threads`: libuv's thread pool, which runs the file reads (UV_THREADPOOL_SIZE; `sluice serve` sets 16).
   * A second read-ahead starts only while fewer than half of them are reading read-aheads.
   */
  constructor(readonly threads: number) {}

  get roomForMore(): boolean {
    return this.running < this.threads / 2;
  }
}

/** libuv's thread pool size in this process. */
export function threadPoolSize(): number {
  const size = Number(process.env.UV_THREADPOOL_SIZE);
  return Number.isInteger(size) && size >= 1 ? Math.min(size, 1024) : 4;
}

const NONE: Promise<ReadResult | null> = Promise.resolve(null);
const NO_KEYS: ReadonlySet<string> = new Set();

interface Pending {
  log: PartitionLog;
  offset: number;
  maxBytes: number;
  /** The read's upper bound (the high watermark when it started) and shape: what predicts where it ends. */
  maxOffset: number;
  exactLimit: boolean;
  /** Its read has settled. */
  done: boolean;
  /** Of the memory budget: maxBytes, then the buffer the read keeps. */
  held: number;
  truncations: number;
  read: Promise<ReadResult | null>;
}

export class FetchReadAhead {
  /** Per partition, in offset order (each one starts where the one before it ends); never empty. */
  private readonly pending = new Map<string, Pending[]>();
  private reservedBytes = 0;
  private closed = false;
  /**
   * The last read-ahead taken was still reading when its fetch came for it: the connection's fetches wait
   * for the file (a cold one, read from the disk), so a stream reads two ahead (see Depth in the file comment).
   */
  private readsBehind = false;

  constructor(
    private readonly pool: ReadBufferPool,
    /** Read-ahead bytes one connection may hold (the broker's maxFetchBytes). */
    private readonly maxBytes: number,
    private readonly memory: MemoryShare,
    private readonly reads = new ReadsInFlight(threadPoolSize()),
  ) {
    // Under memory pressure the connection's next frame (the fetch that would take these) comes first.
    memory.onFrameWaiting(() => this.retainOnly(NO_KEYS));
  }

  /** Partitions with a read-ahead outstanding. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * The read-ahead made for exactly this read (`shorter`: or made with a smaller byte limit, or with a
   * larger one and holding no more than this one's bytes), or null
   * (none, or no longer valid: see the file comment). Either way the partition's first read-ahead is gone
   * afterwards; the ones after it stay for the fetches after this one, unless this one was for another offset.
   */
  async take(
    key: string,
    log: PartitionLog,
    offset: number,
    maxBytes: number,
    shorter = false,
  ): Promise<ReadResult | null> {
    const queue = this.pending.get(key);
    if (!queue) return null;
    const entry = queue.shift()!;
    this.forget(entry);
    if (queue.length === 0) this.pending.delete(key);
    if (entry.log !== log || entry.offset !== offset) {
      this.drop(entry);
      this.dropQueue(key);
      return null;
    }
    if (!(shorter || entry.maxBytes === maxBytes)) {
      this.drop(entry);
      return null;
    }
    this.readsBehind = !entry.done;
    const read = await entry.read;
    if (!read) return null;
    const stale = log.truncationCount !== entry.truncations || offset < log.logStartOffset;
    // Made with a larger limit than this read's (a stream's memory budget or credit is smaller now): its
    // bytes answer only if they are within this limit.
    if (stale || (entry.maxBytes > maxBytes && read.bytes > maxBytes)) {
      releaseRead(read, this.pool);
      return null;
    }
    // The bytes stand; the log's bounds are today's (the answer reports them as its watermarks). Named, not
    // `{ ...read, … }`: a spread with fields added outlives scavenges (ARCHITECTURE.md, "Tests and measurements").
    return {
      chunks: read.chunks,
      bytes: read.bytes,
      nextOffset: read.nextOffset,
      logStartOffset: log.logStartOffset,
      logEndOffset: log.logEndOffset,
      lease: read.lease,
      pins: read.pins,
    };
  }

  /**
   * Starts reading `maxBytes` at `offset` (where the answered read ended), bounded by `maxOffset` (the
   * high watermark now), unless the connection's read-ahead budget is spent or the partition already
   * has one there. A read that finds nothing is dropped: the tail is served from memory anyway. `exactLimit`: for a
   * FetchPush stream, whose reads take their credit-sized limit exactly (ReadOptions.exactLimit).
   * `followingBytes` (a stream's): also keep a second read-ahead going, of that limit, from where the segment's
   * index says the first one will end (see Depth in the file comment).
   */
  start(
    key: string,
    log: PartitionLog,
    offset: number,
    maxBytes: number,
    maxOffset: number,
    exactLimit = false,
    followingBytes = 0,
  ): void {
    if (this.closed) return;
    let queue = this.pending.get(key);
    if (queue && (queue[0]!.log !== log || queue[0]!.offset !== offset)) {
      this.dropQueue(key);
      queue = undefined;
    }
    if (!queue) {
      const first = this.begin(key, log, offset, maxBytes, maxOffset, exactLimit);
      if (!first) return;
      queue = [first];
      this.pending.set(key, queue);
    }
    if (followingBytes <= 0 || queue.length > 1 || !this.readsBehind || !this.reads.roomForMore) return;
    const head = queue[0]!;
    const options = {
      maxBytes: head.maxBytes,
      maxOffset: head.maxOffset,
      pool: this.pool,
      exactLimit: head.exactLimit,
    };
    const next = log.plannedReadEnd(head.offset, options);
    if (next === null || next >= maxOffset) return;
    const second = this.begin(key, log, next, followingBytes, maxOffset, exactLimit);
    if (second) queue.push(second);
  }

  /** A read-ahead started within the budgets, or null (no room: it is optional). */
  private begin(
    key: string,
    log: PartitionLog,
    offset: number,
    maxBytes: number,
    maxOffset: number,
    exactLimit: boolean,
  ): Pending | null {
    if (this.reservedBytes + maxBytes > this.maxBytes || !this.memory.tryReserve(maxBytes)) return null;
    const entry: Pending = {
      log,
      offset,
      maxBytes,
      maxOffset,
      exactLimit,
      done: false,
      held: maxBytes,
      truncations: log.truncationCount,
      read: NONE,
    };
    const reads = this.reads;
    reads.running++;
    const settled = () => {
      entry.done = true;
      reads.running--;
    };
    // Pinned: the tail cache may serve it (the log end reached the cache meanwhile), and it may wait long.
    entry.read = log.read(offset, { maxBytes, maxOffset, pool: this.pool, exactLimit, pin: true }).then(
      (r) => {
        settled();
        if (r.bytes === 0) {
          releaseRead(r, this.pool);
          return null;
        }
        const keeps = r.lease ? r.lease.length : r.bytes;
        if (keeps > entry.held && this.isPending(key, entry)) {
          this.memory.charge(keeps - entry.held);
          entry.held = keeps;
        }
        return r;
      },
      () => {
        settled();
        return null;
      },
    );
    this.reservedBytes += maxBytes;
    return entry;
  }

  /** Drops every read-ahead whose key is not in `keep` (the partitions the current fetch asks for). */
  retainOnly(keep: ReadonlySet<string>): void {
    // Deleting the entry being visited is safe in a Map's iteration.
    for (const key of this.pending.keys()) if (!keep.has(key)) this.dropQueue(key);
  }

  /** The connection closed: drop everything, and start nothing new. */
  close(): void {
    this.closed = true;
    this.retainOnly(NO_KEYS);
  }

  private isPending(key: string, entry: Pending): boolean {
    return this.pending.get(key)?.includes(entry) ?? false;
  }

  private dropQueue(key: string): void {
    const queue = this.pending.get(key);
    if (!queue) return;
    this.pending.delete(key);
    for (const entry of queue) {
      this.forget(entry);
      this.drop(entry);
    }
  }

  private forget(entry: Pending): void {
    this.reservedBytes -= entry.maxBytes;
    this.memory.release(entry.held);
  }

  /** Nobody will answer with this read: its buffer and pins go back once the read is done. */
  private drop(entry: Pending): void {
    void entry.read.then((r) => {
      if (r) releaseRead(r, this.pool);
    });
  }
}
