// The latency benches' common pattern, for Sluice (workloads.ts) and the floor without it (latency-floor.ts)
// alike: how records are sent, and which of them count once the warm-up is over.
import { monoMs } from './latency-trace-hooks.js';

/**
 * The latency benches' send pattern: `rate` records/s for `seconds`, in bursts of the records that fell
 * due since the last one; each record is a fresh 100-byte buffer starting with its send time (monoMs,
 * a big-endian double). Returns the number of bursts.
 */
export async function sendPaced(rate: number, seconds: number, send: (value: Buffer) => void): Promise<number> {
  const total = rate * seconds;
  const started = performance.now();
  let bursts = 0;
  for (let i = 0; i < total; ) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    if (i < total && i < due) bursts++;
    while (i < total && i < due) {
      const value = Buffer.alloc(100);
      value.writeDoubleBE(monoMs(), 0);
      send(value);
      i++;
    }
    // Sleep between bursts instead of spinning on setImmediate: a spinning producer would take a whole
    // core of this 2-core machine from the broker and the consumer it measures.
    await new Promise((r) => setTimeout(r, 1));
  }
  return bursts;
}

/** Latencies (arrival − send) of the records sent after the warm-up, and those records' stamps. */
export function afterWarmup(
  consumed: { sentAt: number[]; arrivedAt: number[]; offsets?: number[] },
  warmupEnds: number,
) {
  const samples: number[] = [];
  const kept = { sentAt: [] as number[], arrivedAt: [] as number[], offsets: [] as number[] };
  for (let i = 0; i < consumed.sentAt.length; i++) {
    if (consumed.sentAt[i]! <= warmupEnds) continue;
    samples.push(consumed.arrivedAt[i]! - consumed.sentAt[i]!);
    kept.sentAt.push(consumed.sentAt[i]!);
    kept.arrivedAt.push(consumed.arrivedAt[i]!);
    if (consumed.offsets) kept.offsets.push(consumed.offsets[i]!);
  }
  return { samples, kept };
}
