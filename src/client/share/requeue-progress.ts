// What a requeue of dead letters has already moved out of one DLQ partition, kept as the committed offset of
// the group `sluice-dlq-requeue` on the DLQ topic plus that commit's metadata:
//
//   committed offset C   every record below C was requeued
//   metadata "requeued:<ranges>"   the records at or above C that were requeued too, e.g. "requeued:7-9,12"
//
// A filter (or a record with no source topic) leaves records behind, so the moved ones above C are not
// contiguous; the ranges name them. Kafka stores at most 4096 bytes of metadata per offset: when the
// ranges would need more, requeue stops moving records of that partition (the caller says so).
// Shared by `sluice dlq requeue` and the HTTP door's requeue route (requeue-plan.ts).

const PREFIX = 'requeued:';
/** Kafka's offset.metadata.max.bytes default; the broker refuses more. */
export const METADATA_BUDGET = 4096;

interface Range {
  first: number;
  last: number;
}

export class RequeueProgress {
  #committed: number;
  /** Sorted, disjoint, non-adjacent ranges of requeued offsets, all ≥ #committed. */
  #ranges: Range[];

  private constructor(committed: number, ranges: Range[]) {
    this.#committed = committed;
    this.#ranges = ranges;
    this.#advance();
  }

  /** From a committed offset (-1: none) and its metadata; `low` is the partition's first offset. */
  static fromCommit(offset: number, metadata: string | null | undefined, low: number): RequeueProgress {
    const committed = Math.max(offset, low, 0);
    const ranges: Range[] = [];
    if (metadata?.startsWith(PREFIX)) {
      for (const part of metadata.slice(PREFIX.length).split(',')) {
        const m = /^(\d+)(?:-(\d+))?$/.exec(part);
        if (!m) continue;
        const first = Number(m[1]);
        const last = Number(m[2] ?? m[1]);
        if (last >= committed && last >= first) ranges.push({ first: Math.max(first, committed), last });
      }
    }
    ranges.sort((a, b) => a.first - b.first);
    return new RequeueProgress(committed, mergeAdjacent(ranges));
  }

  /** The first offset not known to be requeued: where reading starts. */
  get committed(): number {
    return this.#committed;
  }

  has(offset: number): boolean {
    if (offset < this.#committed) return true;
    return this.#ranges.some((r) => offset >= r.first && offset <= r.last);
  }

  /** How many offsets of [from, to) have not been requeued. */
  notRequeuedIn(from: number, to: number): number {
    const start = Math.max(from, this.#committed);
    let n = Math.max(0, to - start);
    for (const r of this.#ranges) n -= Math.max(0, Math.min(r.last + 1, to) - Math.max(r.first, start));
    return n;
  }

  /** Records `offset` as requeued, unless the metadata would outgrow its budget (then false, nothing changed). */
  add(offset: number): boolean {
    if (this.has(offset)) return true;
    const next = mergeAdjacent([...this.#ranges, { first: offset, last: offset }].sort((a, b) => a.first - b.first));
    const candidate = new RequeueProgress(this.#committed, next);
    if (Buffer.byteLength(candidate.metadata) > METADATA_BUDGET) return false;
    this.#committed = candidate.#committed;
    this.#ranges = candidate.#ranges;
    return true;
  }

  /** Requeued records at or above the committed offset. */
  get metadata(): string {
    return PREFIX + this.#ranges.map((r) => (r.first === r.last ? String(r.first) : `${r.first}-${r.last}`)).join(',');
  }

  /** Moves the committed offset over the ranges that start at (or below) it. */
  #advance(): void {
    while (this.#ranges.length > 0 && this.#ranges[0]!.first <= this.#committed) {
      this.#committed = Math.max(this.#committed, this.#ranges.shift()!.last + 1);
    }
  }
}

function mergeAdjacent(sorted: Range[]): Range[] {
  const out: Range[] = [];
  for (const r of sorted) {
    const prev = out[out.length - 1];
    if (prev && r.first <= prev.last + 1) prev.last = Math.max(prev.last, r.last);
    else out.push({ ...r });
  }
  return out;
}
