// The latency bench with Sluice and its floor measured over the same minutes: short segments of each in turn,
// the order swapped every pair (S F, F S, S F, ...), every percentile over one side's pooled samples. A floor
// run after a Sluice run measures another minute of this shared machine (its p99 moved 4× within ten minutes);
// interleaving gives both sides the same minutes. Both sides get the same treatment: the same send pattern
// (sendPaced) at the same rate, the same process layout (this process produces, two children), the same
// warm-up (the same seconds of sending before the first segment, not measured), the same pause between segments,
// the same lead-in before each segment and the same rule for which records count (those sent inside a segment's
// window).
// A side idles while the other runs; a lead-in (seconds of sending straight before a segment's window, not measured)
// keeps out what an idle process does when its load comes back (V8's memory reducer shrank its heap and young
// generation, its sockets and timers went cold), which a producer sending steadily at the rate never meets.
import { sendPaced } from './latency-pattern.js';
import { monoMs } from './latency-trace-hooks.js';
import { stealMeter, type MachineDuring } from './proc.js';
import { median, summarizeLatencies, type LatencySummary } from './stats.js';

/** One side's three processes, connected: this process sends, the children relay and stamp. */
export interface LatencyClients {
  /** The side's child processes (their CPU is counted for the side). */
  pids: number[];
  /** Sends one record (the 100-byte buffer sendPaced makes, its send time inside). */
  send(value: Buffer): void;
  /** Stops sending and consuming; every record the consumer stamped, in arrival order. */
  collect(): Promise<{ sentAt: number[]; arrivedAt: number[] }>;
  /** Ends the children (after collect, or on failure). */
  close(): void;
}

export interface InterleavedOptions {
  rate: number;
  /** Segments per side. */
  segments: number;
  segmentSeconds: number;
  /** Seconds of sending through each side before the first segment, not measured (JIT, heaps, connections). */
  warmupSeconds: number;
  /** Seconds of sending straight before each segment's window, not measured (0: none). */
  leadInSeconds: number;
}

export interface SideResult extends LatencySummary {
  /** Each segment's own summary, in the order they ran. */
  segments: LatencySummary[];
  /** CPU of this process and the side's children over its segments (summed), ms; time waiting for a core. */
  cpuMs: number;
  /** The same per process: this one (the producer) first, then the side's pids in order. */
  processCpuMs: number[];
  queuedMs: number;
  /** Records sent in the side's segments. */
  sent: number;
}

export interface InterleavedResult {
  sluice: SideResult;
  floor: SideResult;
  /** Pooled p99 and p99.9 of Sluice ÷ those of the floor. */
  p99Ratio: number;
  p999Ratio: number;
  /** Per pair of neighbouring segments (one of each side), Sluice p99 ÷ floor p99, and their median. */
  pairRatios: number[];
  pairRatioMedian: number;
  /** Steal share and load over the whole interleaved run. */
  stealPct: number;
  load: number;
}

/** Pause after each segment's last send (and after each warm-up) before the next side starts sending. */
const BETWEEN_SEGMENTS_MS = 300;
/** After the last segment: the last records delivered before the consumers stop. */
const DRAIN_MS = 1000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Window {
  side: 'sluice' | 'floor';
  from: number;
  to: number;
  machine: MachineDuring;
}

/** Runs the segments over two opened sides; both are collected (not closed) before it returns. */
export async function interleavedLatency(
  sides: { sluice: LatencyClients; floor: LatencyClients },
  options: InterleavedOptions,
): Promise<InterleavedResult> {
  const { rate, segments, segmentSeconds, warmupSeconds, leadInSeconds } = options;
  await pause(300);
  if (warmupSeconds > 0) {
    for (const side of ['sluice', 'floor'] as const) {
      await sendPaced(rate, warmupSeconds, sides[side].send);
      await pause(BETWEEN_SEGMENTS_MS);
    }
  }
  const whole = stealMeter([...sides.sluice.pids, ...sides.floor.pids]);
  const windows: Window[] = [];
  for (let pair = 0; pair < segments; pair++) {
    const order = pair % 2 === 0 ? (['sluice', 'floor'] as const) : (['floor', 'sluice'] as const);
    for (const side of order) {
      if (leadInSeconds > 0) await sendPaced(rate, leadInSeconds, sides[side].send);
      const meter = stealMeter(sides[side].pids);
      const from = monoMs();
      await sendPaced(rate, segmentSeconds, sides[side].send);
      const to = monoMs();
      await pause(BETWEEN_SEGMENTS_MS);
      windows.push({ side, from, to, machine: meter.stop() });
    }
  }
  await pause(DRAIN_MS);
  const machine = whole.stop();
  const consumed = { sluice: await sides.sluice.collect(), floor: await sides.floor.collect() };
  const result = (side: 'sluice' | 'floor'): SideResult => {
    const own = windows.filter((w) => w.side === side);
    const perSegment = own.map((w) => segmentSamples(consumed[side], w.from, w.to));
    return {
      ...summarizeLatencies(perSegment.flat()),
      segments: perSegment.map((samples) => summarizeLatencies(samples)),
      cpuMs: own.reduce((sum, w) => sum + w.machine.cpuMs, 0),
      processCpuMs: own.reduce(
        (sums, w) => sums.map((sum, i) => sum + w.machine.processCpuMs[i]!),
        own[0]!.machine.processCpuMs.map(() => 0),
      ),
      queuedMs: own.reduce((sum, w) => sum + w.machine.queuedMs, 0),
      sent: own.length * rate * segmentSeconds,
    };
  };
  const sluice = result('sluice');
  const floor = result('floor');
  const pairRatios = sluice.segments.map((s, i) => s.p99 / floor.segments[i]!.p99);
  return {
    sluice,
    floor,
    p99Ratio: sluice.p99 / floor.p99,
    p999Ratio: sluice.p999 / floor.p999,
    pairRatios,
    pairRatioMedian: median(pairRatios),
    stealPct: machine.stealPct,
    load: machine.load,
  };
}

/** Latencies of the records sent inside [from, to] (monotonic ms). */
function segmentSamples(consumed: { sentAt: number[]; arrivedAt: number[] }, from: number, to: number): number[] {
  const samples: number[] = [];
  for (let i = 0; i < consumed.sentAt.length; i++) {
    const sent = consumed.sentAt[i]!;
    if (sent >= from && sent <= to) samples.push(consumed.arrivedAt[i]! - sent);
  }
  return samples;
}
