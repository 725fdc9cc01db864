// Idempotent-producer state of one partition (Kafka's ProducerStateManager, in memory). For every
// producer id seen in the log it keeps the metadata of its last PRODUCER_BATCHES_KEPT batches: epoch,
// first/last sequence, first/last offset. The partition's serial append path asks it, per batch with
// producerId >= 0, whether the batch is next in sequence (append it), a retry of one of those batches
// (do not append: answer with the original offsets), or wrong (stale epoch, gap, unknown producer).
//
// Invariant: the table describes exactly the batches that are in the log (acknowledged or waiting for
// their fsync). An append records its batches only after its write succeeded; a rollback or truncation
// trims the batches at or above the new log end (`truncateTo`), and when trimming leaves a producer
// without any retained batch although older ones existed, the caller rebuilds the table from the last
// snapshot and the batch headers after it (producer-snapshot.ts), so a retry is never mistaken for a
// duplicate of data that is gone.
//
// Expiry (Kafka's producer.id.expiration.ms): a producer that has not appended for the expiration time, or
// whose every batch retention deleted, is forgotten (`expire`), so the table does not grow with every
// producer id ever seen. Its next batch then gets UNKNOWN_PRODUCER_ID and the SDK starts a new epoch.
// "Last appended" is the broker's clock at the append; batches replayed from headers after a crash, and
// snapshots written before the time was kept, count as appended at the time of the rebuild.
import { StorageError } from './errors.js';

const PRODUCER_BATCHES_KEPT = 5;
/** Sequences are int32 and wrap from 2^31-1 to 0 (Kafka's rule). */
const SEQUENCE_SPAN = 0x8000_0000;

export interface ProducerBatchMeta {
  epoch: number;
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
}

interface ProducerEntry {
  /** Oldest first; never empty. */
  batches: ProducerBatchMeta[];
  /** True when older batches of this producer exist in the log but are no longer in `batches`. */
  evicted: boolean;
  /** Broker clock (ms) of this producer's last append. */
  lastAppendMs: number;
  /** First offset of this producer's open transaction in this partition, -1 when none is open. */
  txnFirstOffset: number;
  /** Epoch of the last transaction marker written for this producer (-1: none); older epochs are fenced. */
  markerEpoch: number;
  /** Offset of that marker, -1 when none. */
  markerOffset: number;
}

/** An aborted transaction of one producer: its data lies in firstOffset..lastOffset (the ABORT marker). */
export interface AbortedTransaction {
  producerId: number;
  firstOffset: number;
  lastOffset: number;
}

/** The producer facts of one batch, read from its header. */
export interface ProducerBatchInfo {
  producerId: number;
  epoch: number;
  firstSeq: number;
  lastSeq: number;
  /** The batch belongs to a transaction (attributes bit 4). */
  transactional?: boolean;
}

export type ProducerErrorCode =
  | 'OUT_OF_ORDER_SEQUENCE_NUMBER'
  | 'INVALID_PRODUCER_EPOCH'
  | 'UNKNOWN_PRODUCER_ID'
  | 'DUPLICATE_SEQUENCE_NUMBER';

/** A batch's producer sequence or epoch does not fit the partition's state. Nothing was written. */
export class ProducerSequenceError extends StorageError {
  override name = 'ProducerSequenceError';
  constructor(code: ProducerErrorCode, message: string) {
    super(message, { code, retriable: code === 'OUT_OF_ORDER_SEQUENCE_NUMBER' });
  }
}

/** What to do with one batch: append it, or it is a retry of `duplicateOf` (already in the log). */
export type SequenceVerdict = { duplicateOf: ProducerBatchMeta | null };

/** The verdict of a batch to append (shared: a verdict is read, never changed). */
const FRESH: SequenceVerdict = Object.freeze({ duplicateOf: null });

export function nextSequence(seq: number): number {
  return seq === SEQUENCE_SPAN - 1 ? 0 : seq + 1;
}

export function lastSequenceOf(firstSeq: number, lastOffsetDelta: number): number {
  return (firstSeq + lastOffsetDelta) % SEQUENCE_SPAN;
}

/**
 * A snapshot entry: [producerId, [[epoch, firstSeq, lastSeq, firstOffset, lastOffset], …], lastAppendMs,
 * txnFirstOffset, markerEpoch, markerOffset]. Snapshots written before expiry existed have no third element,
 * before transactions no fourth to sixth (read as -1: no open transaction, no marker).
 */
export type SnapshotProducer = [
  number,
  Array<[number, number, number, number, number]>,
  number?,
  number?,
  number?,
  number?,
];

/** Validates a decoded snapshot's producer list (files are checked before they are trusted). */
export function isSnapshotProducers(value: unknown): value is SnapshotProducer[] {
  const tuple = (t: unknown) => Array.isArray(t) && t.length === 5 && t.every((v) => Number.isSafeInteger(v));
  const entry = (p: unknown) =>
    Array.isArray(p) &&
    p.length >= 2 &&
    p.length <= 6 &&
    p.slice(2).every((v: unknown) => Number.isSafeInteger(v)) &&
    Number.isSafeInteger(p[0]) &&
    Array.isArray(p[1]) &&
    p[1].every(tuple);
  return Array.isArray(value) && value.every(entry);
}

export class ProducerStateTable {
  private readonly producers = new Map<number, ProducerEntry>();

  get size(): number {
    return this.producers.size;
  }

  /**
   * Checks one batch against the table and the batches before it in the same append (`pending`:
   * producerId → last accepted batch of this append, filled by this method; null for an append of one
   * batch). Throws ProducerSequenceError.
   */
  check(info: ProducerBatchInfo, pending: Map<number, ProducerBatchInfo> | null, where: string): SequenceVerdict {
    const { producerId, epoch, firstSeq, lastSeq } = info;
    const entry = this.producers.get(producerId);
    const prior = pending?.get(producerId);
    const lastOfTable = entry?.batches[entry.batches.length - 1];
    const markerEpoch = entry?.markerEpoch ?? -1;
    if (epoch < markerEpoch) {
      throw new ProducerSequenceError(
        'INVALID_PRODUCER_EPOCH',
        `${where}: producer ${producerId} epoch ${epoch} is fenced: a transaction marker of epoch ${markerEpoch} was written`,
      );
    }
    const lastEpoch = prior?.epoch ?? lastOfTable?.epoch;
    const lastSeq0 = prior?.lastSeq ?? lastOfTable?.lastSeq;
    if (lastEpoch === undefined || lastSeq0 === undefined) {
      if (firstSeq !== 0) {
        throw new ProducerSequenceError(
          'UNKNOWN_PRODUCER_ID',
          `${where}: producer ${producerId} has no state here and its batch starts at sequence ${firstSeq}, not 0`,
        );
      }
      pending?.set(producerId, info);
      return FRESH;
    }
    if (epoch < lastEpoch) {
      throw new ProducerSequenceError(
        'INVALID_PRODUCER_EPOCH',
        `${where}: producer ${producerId} epoch ${epoch} is older than the current epoch ${lastEpoch}`,
      );
    }
    if (epoch > lastEpoch) {
      if (firstSeq !== 0) {
        throw new ProducerSequenceError(
          'OUT_OF_ORDER_SEQUENCE_NUMBER',
          `${where}: producer ${producerId} starts epoch ${epoch} at sequence ${firstSeq}, not 0`,
        );
      }
      pending?.set(producerId, info);
      return FRESH;
    }
    if (!prior && entry) {
      for (const b of entry.batches) {
        if (b.epoch === epoch && b.firstSeq === firstSeq && b.lastSeq === lastSeq) return { duplicateOf: b };
      }
    }
    const expected = nextSequence(lastSeq0);
    if (firstSeq === expected) {
      pending?.set(producerId, info);
      return FRESH;
    }
    if (!prior && entry) {
      // Entirely before the remembered window: stored long ago, its offsets are no longer known.
      const before = (entry.batches[0]!.firstSeq - lastSeq + SEQUENCE_SPAN) % SEQUENCE_SPAN;
      if (before > 0 && before < SEQUENCE_SPAN / 2) {
        throw new ProducerSequenceError(
          'DUPLICATE_SEQUENCE_NUMBER',
          `${where}: producer ${producerId} batch ${firstSeq}..${lastSeq} was stored earlier (before the last ${PRODUCER_BATCHES_KEPT} batches remembered)`,
        );
      }
    }
    throw new ProducerSequenceError(
      'OUT_OF_ORDER_SEQUENCE_NUMBER',
      `${where}: producer ${producerId} sent sequence ${firstSeq}, expected ${expected}`,
    );
  }

  /** Records a batch that was just written to the log, at broker time `appendMs`. */
  record(info: ProducerBatchInfo, firstOffset: number, lastOffset: number, appendMs: number): void {
    const meta: ProducerBatchMeta = {
      epoch: info.epoch,
      firstSeq: info.firstSeq,
      lastSeq: info.lastSeq,
      firstOffset,
      lastOffset,
    };
    const entry = this.producers.get(info.producerId);
    const txnFirstOffset = info.transactional ? firstOffset : -1;
    if (!entry) {
      this.producers.set(info.producerId, {
        batches: [meta],
        evicted: false,
        lastAppendMs: appendMs,
        txnFirstOffset,
        markerEpoch: -1,
        markerOffset: -1,
      });
      return;
    }
    entry.lastAppendMs = Math.max(entry.lastAppendMs, appendMs);
    if (entry.txnFirstOffset < 0) entry.txnFirstOffset = txnFirstOffset;
    if (entry.batches[entry.batches.length - 1]!.epoch !== info.epoch) {
      // A new epoch starts a new sequence: older batches can no longer be duplicates.
      entry.evicted = true;
      entry.batches.length = 0;
    }
    entry.batches.push(meta);
    if (entry.batches.length > PRODUCER_BATCHES_KEPT) {
      entry.batches.shift();
      entry.evicted = true;
    }
  }

  /**
   * Forgets batches at or above `offset` (the log was cut back there). Returns false when that is not
   * enough: a producer lost every retained batch but had older ones, so the caller must rebuild.
   */
  truncateTo(offset: number): boolean {
    let exact = true;
    for (const [producerId, entry] of this.producers) {
      const batches = entry.batches;
      while (batches.length > 0 && batches[batches.length - 1]!.lastOffset >= offset) batches.pop();
      // A cut marker reopens its transaction, whose start only a replay can tell.
      if (entry.markerOffset >= offset) exact = false;
      if (entry.txnFirstOffset >= offset) entry.txnFirstOffset = -1;
      if (batches.length > 0) continue;
      this.producers.delete(producerId);
      if (entry.evicted) exact = false;
    }
    return exact;
  }

  /**
   * Forgets producers that have not appended for `expirationMs` (at broker time `nowMs`), and producers
   * whose last batch lies below `logStartOffset` (retention deleted all their records). Returns how many.
   */
  expire(nowMs: number, expirationMs: number, logStartOffset: number): number {
    let removed = 0;
    for (const [producerId, entry] of this.producers) {
      const last = entry.batches[entry.batches.length - 1]!;
      if (entry.txnFirstOffset >= 0) continue; // an open transaction keeps its producer (the coordinator ends it)
      if (nowMs - entry.lastAppendMs >= expirationMs || last.lastOffset < logStartOffset) {
        this.producers.delete(producerId);
        removed++;
      }
    }
    return removed;
  }

  clear(): void {
    this.producers.clear();
  }

  toSnapshot(): SnapshotProducer[] {
    const out: SnapshotProducer[] = [];
    for (const [producerId, entry] of this.producers) {
      const batches = entry.batches.map(
        (b) =>
          [b.epoch, b.firstSeq, b.lastSeq, b.firstOffset, b.lastOffset] as [number, number, number, number, number],
      );
      // The transaction fields only for producers that ever used a transaction (older readers' layout otherwise).
      if (entry.txnFirstOffset < 0 && entry.markerEpoch < 0) out.push([producerId, batches, entry.lastAppendMs]);
      else
        out.push([
          producerId,
          batches,
          entry.lastAppendMs,
          entry.txnFirstOffset,
          entry.markerEpoch,
          entry.markerOffset,
        ]);
    }
    return out;
  }

  /** The lowest first offset of an open transaction, or -1 when none is open (the last stable offset's bound). */
  firstUnstableOffset(): number {
    let first = -1;
    for (const entry of this.producers.values())
      if (entry.txnFirstOffset >= 0 && (first < 0 || entry.txnFirstOffset < first)) first = entry.txnFirstOffset;
    return first;
  }

  /** Throws INVALID_PRODUCER_EPOCH when a marker of `epoch` would be older than what the table knows. */
  checkMarker(producerId: number, epoch: number, where: string): void {
    const entry = this.producers.get(producerId);
    if (!entry) return;
    const known = Math.max(entry.markerEpoch, entry.batches[entry.batches.length - 1]!.epoch);
    if (epoch < known) {
      throw new ProducerSequenceError(
        'INVALID_PRODUCER_EPOCH',
        `${where}: a transaction marker of producer ${producerId} epoch ${epoch} is older than its epoch ${known}`,
      );
    }
  }

  /**
   * A transaction marker of `producerId` was written at `offset`: its open transaction ends here. Returns
   * the aborted transaction for an ABORT marker closing data in this partition, else null.
   */
  recordMarker(producerId: number, epoch: number, offset: number, commit: boolean): AbortedTransaction | null {
    const entry = this.producers.get(producerId);
    if (!entry) return null; // the transaction wrote nothing here
    const firstOffset = entry.txnFirstOffset;
    entry.txnFirstOffset = -1;
    entry.markerEpoch = Math.max(entry.markerEpoch, epoch);
    entry.markerOffset = offset;
    if (commit || firstOffset < 0) return null;
    return { producerId, firstOffset, lastOffset: offset };
  }

  /**
   * Replaces the table with a snapshot's content (already validated). History before it counts as
   * evicted. An entry without its last-append time counts as appended at `nowMs`.
   */
  loadSnapshot(producers: SnapshotProducer[], nowMs: number): void {
    this.producers.clear();
    for (const [producerId, batches, lastAppendMs, txnFirstOffset, markerEpoch, markerOffset] of producers) {
      if (batches.length === 0) continue;
      const metas = batches.map(([epoch, firstSeq, lastSeq, firstOffset, lastOffset]) => ({
        epoch,
        firstSeq,
        lastSeq,
        firstOffset,
        lastOffset,
      }));
      this.producers.set(producerId, {
        batches: metas,
        evicted: true,
        lastAppendMs: lastAppendMs ?? nowMs,
        txnFirstOffset: txnFirstOffset ?? -1,
        markerEpoch: markerEpoch ?? -1,
        markerOffset: markerOffset ?? -1,
      });
    }
  }
}

/** How an append's batches relate to the table: the first `duplicates` are retries already in the log. */
export interface ProducerAppendPlan {
  duplicates: number;
  /** Offsets of the duplicated batches in the log (valid when duplicates > 0). */
  firstOffset: number;
  lastOffset: number;
}

/**
 * Checks every idempotent batch of an append, in order (throws ProducerSequenceError). Duplicates may
 * only form a prefix: a retried request can repeat batches that were stored, then carry new ones.
 */
export function planProducerAppend(
  table: ProducerStateTable,
  producers: ReadonlyArray<ProducerBatchInfo | null>,
  where: string,
): ProducerAppendPlan {
  const plan: ProducerAppendPlan = { duplicates: 0, firstOffset: -1, lastOffset: -1 };
  // Batches of one append that follow each other are checked against the ones before them, not only the
  // table: a single batch (the usual append) needs no such map.
  const pending = producers.length > 1 ? new Map<number, ProducerBatchInfo>() : null;
  let fresh = false;
  for (let i = 0; i < producers.length; i++) {
    const info = producers[i];
    if (!info) {
      fresh = true;
      continue;
    }
    const { duplicateOf } = table.check(info, pending, where);
    if (!duplicateOf) {
      fresh = true;
      continue;
    }
    if (fresh) {
      throw new ProducerSequenceError(
        'OUT_OF_ORDER_SEQUENCE_NUMBER',
        `${where}: producer ${info.producerId} repeats sequence ${info.firstSeq} after new batches in the same request`,
      );
    }
    if (plan.duplicates === 0) plan.firstOffset = duplicateOf.firstOffset;
    plan.lastOffset = duplicateOf.lastOffset;
    plan.duplicates++;
  }
  return plan;
}
