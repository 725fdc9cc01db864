// Share groups: CPU of the share-partition state machine alone (src/broker/share/share-partition.ts), in
// one process, no I/O: four members take turns acquiring 100 records and acknowledging them as ranges, the
// window refilled as it empties, as the broker does per ShareFetch. Prints ns per acquired and acked record
// for each of three rounds (the first warms V8 up); compare builds with alternating invocations.
//   node --import tsx bench/queues/state-machine.ts [--records 2000000] [--per-offset]
// --per-offset acknowledges offset by offset (acknowledge()) instead of by range (acknowledgeRange()).
import { resolveRetryPolicy } from '../../src/broker/share/retry-policy.js';
import { SharePartition, type ShareRecord } from '../../src/broker/share/share-partition.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const records = Number(flag('records', '2000000'));
const perOffset = process.argv.includes('--per-offset');
const WINDOW = 1000;
const MAX_IN_FLIGHT = 100;
const LOCK_MS = 30_000;
const batch = { section: Buffer.alloc(0), baseOffset: 0, baseTimestamp: 0, appendTimestamp: null };

const record = (offset: number): ShareRecord => ({
  offset,
  timestamp: 0,
  key: null,
  value: null,
  headers: [],
  priority: 0,
  deliverAt: 0,
  batch,
  start: 0,
  end: 0,
});

const sp = new SharePartition({
  startOffset: 0,
  retry: resolveRetryPolicy({ maxAttempts: 5, backoff: { type: 'fixed', initialMs: 100 } }),
  windowRecords: WINDOW,
});
let next = 0;
const fill = () => {
  const loaded: ShareRecord[] = [];
  while (loaded.length < sp.room) loaded.push(record(next++));
  sp.load(loaded, next, 0);
};
const members = ['m0', 'm1', 'm2', 'm3'];
const held: number[][] = members.map(() => []);
const ignore = () => {};

/** Acknowledges a member's offsets: by runs of consecutive offsets, or one at a time. */
function ackAll(member: string, offsets: readonly number[]): void {
  if (perOffset) {
    for (const offset of offsets) sp.acknowledge(member, offset, 'ack', 1, {});
    return;
  }
  for (let i = 0; i < offsets.length; ) {
    let j = i;
    while (j + 1 < offsets.length && offsets[j + 1] === offsets[j]! + 1) j++;
    sp.acknowledgeRange(member, offsets[i]!, offsets[j]!, 'ack', 1, {}, ignore);
    i = j + 1;
  }
}

fill();
for (let round = 1; round <= 3; round++) {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  let acked = 0;
  while (acked < records) {
    for (let m = 0; m < members.length; m++) {
      ackAll(members[m]!, held[m]!);
      acked += held[m]!.length;
      held[m] = sp.acquire(members[m]!, MAX_IN_FLIGHT, 1, LOCK_MS).map((a) => a.record.offset);
      sp.takeChanges();
      if (sp.room >= MAX_IN_FLIGHT) fill();
    }
  }
  const wallNs = Number(process.hrtime.bigint() - started) / acked;
  const used = process.cpuUsage(cpu);
  const cpuNs = ((used.user + used.system) * 1000) / acked;
  process.stdout.write(
    `round ${round}: ${cpuNs.toFixed(0)} ns CPU (${wallNs.toFixed(0)} ns wall) per acquired and acked record${perOffset ? ', acked offset by offset' : ''}\n`,
  );
}
