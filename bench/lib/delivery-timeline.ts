// A replay's delivery over time (replay-large.ts --timeline): records handed to the application and the
// process's minor page faults, per slice of wall time from the first delivery (its records count as time
// zero's). It shows what a whole-replay rate hides: a consumer's start-up (new memory faulted in) apart from
// its steady state, and stalls.

export interface TimelineSlice {
  /** Start and end of the slice, ms after the first delivery. */
  fromMs: number;
  toMs: number;
  records: number;
  faults: number;
}

export class DeliveryTimeline {
  private readonly slices: TimelineSlice[] = [];
  private startedAt = -1;
  private sliceAt = 0;
  private recordsAt = 0;
  private faultsAt = 0;
  private lastRecords = 0;

  constructor(private readonly sliceMs: number) {}

  /** After each delivery, with the records delivered so far. Reads the clock; the fault count only per slice. */
  readonly delivered = (records: number): void => {
    const now = performance.now();
    this.lastRecords = records;
    if (this.startedAt < 0) {
      this.startedAt = now;
      this.sliceAt = now;
      this.recordsAt = records;
      this.faultsAt = process.resourceUsage().minorPageFault;
      return;
    }
    if (now - this.sliceAt >= this.sliceMs) this.close(now);
  };

  /** The slices, the last one closed at the last delivery. */
  finish(): TimelineSlice[] {
    if (this.startedAt >= 0 && this.lastRecords > this.recordsAt) this.close(performance.now());
    return this.slices;
  }

  private close(now: number): void {
    const faults = process.resourceUsage().minorPageFault;
    this.slices.push({
      fromMs: this.sliceAt - this.startedAt,
      toMs: now - this.startedAt,
      records: this.lastRecords - this.recordsAt,
      faults: faults - this.faultsAt,
    });
    this.sliceAt = now;
    this.recordsAt = this.lastRecords;
    this.faultsAt = faults;
  }
}

/** One line per slice: its span, MiB/s of `recordBytes` records, page faults. */
export function formatTimeline(slices: readonly TimelineSlice[], recordBytes: number): string {
  return slices
    .map((s) => {
      const mibPerSecond = (s.records * recordBytes) / 2 ** 20 / ((s.toMs - s.fromMs) / 1000);
      return `  ${s.fromMs.toFixed(0)}–${s.toMs.toFixed(0)} ms: ${mibPerSecond.toFixed(0)} MiB/s, ${s.faults} page faults`;
    })
    .join('\n');
}
