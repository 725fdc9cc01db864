// Where a produce request's time at the broker goes: the SDK producing 100 B records (quick.ts produce's
// workload: one producer, `--lanes` sends of 1,000 records in flight, acks=1) into the traced broker
// (bench/lib/traced-broker.ts: the built broker with its connection and append paths wrapped, bench only),
// then, for the appends of the timed records: how long each took from its call to its end (the partition's
// queue and the write), the gap before the next one was called, how many were called while the last was
// still running, the time from the request's last bytes in to its append's call (decoding and checking),
// and from the append's end to the next response written.
//   node --import tsx bench/produce-trace.ts [--records 3000000] [--warmup 1000000] [--lanes 16]
import { numberOptions } from './lib/args.js';
import { describeCommit, describeMachine, today } from './lib/machine.js';
import { load } from './lib/proc.js';
import { withTracedBroker } from './lib/traced-broker-process.js';
import { percentileSorted } from './lib/stats.js';
import { produce } from './lib/workloads.js';

const opt = numberOptions(process.argv.slice(2));
const records = opt('records', 3_000_000);
const warmup = opt('warmup', 1_000_000);
const lanes = opt('lanes', 16);

let rate = 0;
const { trace } = await withTracedBroker(async (broker) => {
  await produce(broker, 't', warmup, 100, { inFlight: lanes });
  rate = await produce(broker, 't', records, 100, { inFlight: lanes });
});

// Appends of the timed records: [ms, stage, first offset, end offset], calls and ends in the same order.
const calls = trace.spans.filter((s) => s[1] === 'append:start' && s[2] >= warmup);
const ends = trace.spans.filter((s) => s[1] === 'append' && s[2] >= warmup);
const sorted = (values: number[]) => values.sort((a, b) => a - b);
const ms = (values: number[], p: number) => percentileSorted(values, p).toFixed(2);
const took = sorted(ends.map((end, i) => end[0] - calls[i]![0]));
const gaps = ends.slice(0, -1).map((end, i) => calls[i + 1]![0] - end[0]);
const calledWhileRunning = gaps.filter((gap) => gap < 0).length;
const first = calls[0]![0];
const last = ends.at(-1)![0];
const inSpan = trace.events.filter((e) => e[0] >= first && e[0] <= last);
const reads = inSpan.filter((e) => e[1].startsWith('recv:')).map((e) => e[0]);
const writes = inSpan.filter((e) => e[1].startsWith('write:')).map((e) => e[0]);
/** For each time in `at`, how long after the last of `times` at or before it (both ascending). */
const sinceLast = (at: number[], times: number[]) => {
  const out: number[] = [];
  let j = 0;
  for (const t of at) {
    while (j + 1 < times.length && times[j + 1]! <= t) j++;
    if (times[j] !== undefined && times[j]! <= t) out.push(t - times[j]!);
  }
  return sorted(out);
};
/** For each time in `at`, how long until the first of `times` after it. */
const untilNext = (at: number[], times: number[]) => {
  const out: number[] = [];
  let j = 0;
  for (const t of at) {
    while (j < times.length && times[j]! < t) j++;
    if (j < times.length) out.push(times[j]! - t);
  }
  return sorted(out);
};
const readToCall = sinceLast(
  calls.map((c) => c[0]),
  reads,
);
const endToWrite = untilNext(
  ends.map((e) => e[0]),
  writes,
);
const running = took.reduce((sum, t) => sum + t, 0);
process.stdout.write(
  [
    `Date ${today()}, commit ${describeCommit()}, machine: ${describeMachine()}, load ${load()}.`,
    `Command: \`node --import tsx bench/produce-trace.ts --records ${records} --warmup ${warmup} --lanes ${lanes}\`.`,
    `${(rate / 1e6).toFixed(3)} M records/s through the traced broker; ${calls.length} appends of ~${(records / calls.length).toFixed(0)} records over ${(last - first).toFixed(0)} ms, an append running ${((running / (last - first)) * 100).toFixed(0)} % of it.`,
    `append, call → end: p50 ${ms(took, 50)} ms, p90 ${ms(took, 90)}, max ${ms(took, 100)}`,
    `end → the next append's call: p50 ${ms(sorted(gaps), 50)} ms, p90 ${ms(sorted(gaps), 90)}; ${calledWhileRunning} of ${gaps.length} called while the one before was running`,
    `a request's last bytes in → its append's call: p50 ${ms(readToCall, 50)} ms, p90 ${ms(readToCall, 90)}`,
    `append end → the next response written: p50 ${ms(endToWrite, 50)} ms, p90 ${ms(endToWrite, 90)}`,
    '',
  ].join('\n'),
);
