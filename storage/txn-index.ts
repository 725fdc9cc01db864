// The aborted-transactions index of one partition (Kafka's `.txnindex`): every aborted transaction whose
// data is still in the log, as (producerId, firstOffset, lastOffset = offset of its ABORT marker). A
// read_committed fetch returns the entries overlapping what it read, and the consumer drops those
// producers' batches inside them (Kafka's rule), so aborted data never reaches the application.
//
// Files: `<20-digit base>.txnindex` beside the segment holding the entries' markers, a sequence of 24-byte
// entries (int64 producerId, int64 firstOffset, int64 lastOffset, big-endian). A file is rewritten whole
// (temp, fsync, rename) when an ABORT marker lands in its segment: aborts are rare, and the entry is then
// durable whatever the flush policy. Everything here runs in the partition's queue.
//
// Recovery: all files are read at open; the producer-state replay (producer-snapshot.ts) adds the entries of
// the markers it replays again (entries are keyed by their marker offset, so an entry found twice — also
// after a cleaner swap interrupted once the files were merged — is one), then entries at or above the
// recovered log end (their marker was lost with a torn tail) are dropped.
// Entries wholly below the log start are forgotten on read; a segment's file goes with its segment.
import { join } from 'node:path';
import type { StorageFs } from './fs.js';
import { unlinkIfPresent, writeFileAtomic } from './atomic.js';
import { readInt64, writeInt64 } from './format/record-batch.js';
import type { AbortedTransaction } from './producer-state.js';
import { segmentFileName, TXN_INDEX_SUFFIX } from './segment.js';

export { TXN_INDEX_SUFFIX };
const TXN_INDEX_FILE = /^(\d{20})\.txnindex$/;
const ENTRY_BYTES = 24;

export function txnIndexPath(dir: string, baseOffset: number): string {
  return join(dir, segmentFileName(baseOffset, TXN_INDEX_SUFFIX));
}

export class TxnIndex {
  readonly #fs: StorageFs;
  readonly #dir: string;
  /** Segment base → its entries, in marker-offset order. */
  readonly #files = new Map<number, AbortedTransaction[]>();

  constructor(fs: StorageFs, dir: string) {
    this.#fs = fs;
    this.#dir = dir;
  }

  /** Reads every `.txnindex` file named in `names` (the directory's listing). */
  async load(names: readonly string[]): Promise<void> {
    this.#files.clear();
    const seen = new Set<number>();
    for (const name of [...names].sort()) {
      const m = TXN_INDEX_FILE.exec(name);
      if (!m) continue;
      const base = Number(m[1]);
      const bytes = await this.#fs.readFile(join(this.#dir, name)).catch(() => Buffer.alloc(0));
      const entries: AbortedTransaction[] = [];
      for (let pos = 0; pos + ENTRY_BYTES <= bytes.length; pos += ENTRY_BYTES) {
        const entry = {
          producerId: readInt64(bytes, pos),
          firstOffset: readInt64(bytes, pos + 8),
          lastOffset: readInt64(bytes, pos + 16),
        };
        if (seen.has(entry.lastOffset)) continue;
        seen.add(entry.lastOffset);
        entries.push(entry);
      }
      const kept = entries.length * ENTRY_BYTES;
      if (entries.length > 0) this.#files.set(base, entries);
      if (kept !== bytes.length) await this.#write(base, entries);
    }
  }

  /** An ABORT marker at `entry.lastOffset` was written into the segment based at `segmentBase`. */
  async add(segmentBase: number, entry: AbortedTransaction): Promise<void> {
    const entries = this.#files.get(segmentBase) ?? [];
    if (entries.some((e) => e.lastOffset === entry.lastOffset)) return;
    const next = [...entries, entry].sort((a, b) => a.lastOffset - b.lastOffset);
    // In memory before the write: the ABORT marker is already in the log and the last stable offset already
    // past it, so a read_committed fetch during the write must find the entry (else it serves aborted data).
    this.#files.set(segmentBase, next);
    await this.#write(segmentBase, next);
  }

  /** The log was cut back to `offset`: entries whose marker is gone go too. */
  async truncateTo(offset: number): Promise<void> {
    for (const [base, entries] of [...this.#files]) {
      const kept = entries.filter((e) => e.lastOffset < offset);
      if (kept.length === entries.length) continue;
      await this.#write(base, kept);
      if (kept.length === 0) this.#files.delete(base);
      else this.#files.set(base, kept);
    }
  }

  /** Segments were deleted (retention, truncation): their files are unlinked with them; forget the entries. */
  forgetSegment(segmentBase: number): void {
    this.#files.delete(segmentBase);
  }

  /**
   * The cleaner replaces the segments based at `bases` (first = the cleaned segment's base): their entries
   * move to the first one's file, written before the swap's commit point (its other files are unlinked by it),
   * except those whose ABORT marker the cleaner removed (`removed`: marker offsets). Removing one early is
   * harmless should the swap not happen: the cleaner removes a marker only once no data of its transaction
   * is left in the log.
   */
  async merge(bases: readonly number[], removed: ReadonlySet<number> = new Set()): Promise<void> {
    const before = bases.flatMap((b) => this.#files.get(b) ?? []);
    if (before.length === 0) return;
    const merged = before.filter((e) => !removed.has(e.lastOffset)).sort((a, b) => a.lastOffset - b.lastOffset);
    await this.#write(bases[0]!, merged);
    for (const b of bases) this.#files.delete(b);
    if (merged.length > 0) this.#files.set(bases[0]!, merged);
  }

  /** Aborted transactions whose data overlaps offsets [from, to), oldest first. */
  overlapping(from: number, to: number): AbortedTransaction[] {
    const out: AbortedTransaction[] = [];
    for (const entries of this.#files.values())
      for (const e of entries) if (e.lastOffset >= from && e.firstOffset < to) out.push(e);
    return out.sort((a, b) => a.firstOffset - b.firstOffset);
  }

  get size(): number {
    let n = 0;
    for (const entries of this.#files.values()) n += entries.length;
    return n;
  }

  async #write(base: number, entries: readonly AbortedTransaction[]): Promise<void> {
    const path = txnIndexPath(this.#dir, base);
    if (entries.length === 0) {
      await unlinkIfPresent(this.#fs, path);
      return;
    }
    const buf = Buffer.alloc(entries.length * ENTRY_BYTES);
    entries.forEach((e, i) => {
      writeInt64(buf, i * ENTRY_BYTES, e.producerId);
      writeInt64(buf, i * ENTRY_BYTES + 8, e.firstOffset);
      writeInt64(buf, i * ENTRY_BYTES + 16, e.lastOffset);
    });
    await writeFileAtomic(this.#fs, path, buf);
  }
}
