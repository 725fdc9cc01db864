// What the machine charges for the things a broker and its clients are made of, so that figures taken on two
// hosts (or at two hours of one host) can be compared: JavaScript that allocates nothing, JavaScript that
// allocates what a record's delivery allocates (an object and a Buffer view), a promise turn, syscalls in a
// tight loop against the same syscalls made after the process slept 1 ms (the latency path's case: every
// burst wakes a process), first touches of new memory, and what the guest does with idle memory.
//   node --import tsx bench/host-probe.ts [--seconds 3 (per paced measurement)] [--dir <directory for the
//     write test, default the system's temporary directory>]
// Prints one line per figure. Nothing here runs Sluice: bench/RESULTS.md quotes it beside the figures of a run.
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { numberOptions, textOptions } from './lib/args.js';
import { stealMeter } from './lib/proc.js';
import { median } from './lib/stats.js';

const args = process.argv.slice(2);
const seconds = numberOptions(args)('seconds', 3);
const dir = mkdtempSync(join(textOptions(args)('dir', tmpdir()), 'sluice-probe-'));

/**
 * CPU ns per iteration of `loop(count)`, which runs `count` iterations and returns a value computed from all of
 * them (kept, so that no iteration can be optimised away). One warm-up run of the same size first.
 */
function cpuNsPer(count: number, loop: (count: number) => number): number {
  kept += loop(count);
  const started = process.cpuUsage();
  kept += loop(count);
  const used = process.cpuUsage(started);
  return ((used.user + used.system) * 1000) / count;
}

/** Median wall µs of `call` made once per 1 ms timer tick for `seconds` (the process sleeps between calls). */
async function pacedMicros(call: () => void): Promise<number> {
  const samples: number[] = [];
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    await sleep(1);
    const started = process.hrtime.bigint();
    call();
    samples.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  return median(samples);
}

/** Wall µs per call of `call` in a tight loop. */
function tightMicros(count: number, call: () => void): number {
  for (let i = 0; i < count; i++) call();
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) call();
  return Number(process.hrtime.bigint() - started) / 1000 / count;
}

/** The guest's memory reclaim: DAMON schemes that are on, and free page reporting from the boot line. */
function memoryReclaim(): string {
  const parts: string[] = [];
  const kdamonds = '/sys/kernel/mm/damon/admin/kdamonds';
  if (existsSync(kdamonds)) {
    for (const id of readdirSync(kdamonds).filter((name) => /^\d+$/.test(name))) {
      const state = readFileSync(join(kdamonds, id, 'state'), 'utf8').trim();
      if (state !== 'on') continue;
      const schemes = join(kdamonds, id, 'contexts', '0', 'schemes');
      const actions = existsSync(schemes)
        ? readdirSync(schemes)
            .filter((name) => /^\d+$/.test(name))
            .map((scheme) => readFileSync(join(schemes, scheme, 'action'), 'utf8').trim())
        : [];
      parts.push(`DAMON kdamond ${id} on (${actions.join(', ') || 'no scheme'})`);
    }
  }
  const reporting = /page_reporting\.page_reporting_order=(\d+)/.exec(readFileSync('/proc/cmdline', 'utf8'));
  if (reporting) parts.push(`free page reporting (order ${reporting[1]})`);
  return parts.length > 0 ? parts.join('; ') : 'none seen';
}

/** What the measured loops computed, summed: printed last so that none of their work is dead. */
let kept = 0;
const machine = stealMeter([]);
const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

// JavaScript: an allocation-free loop over a small array, then what a delivered record allocates.
const floats = new Float64Array(4096).fill(1);
const noAllocation = cpuNsPer(20_000_000, (count) => {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += floats[(i * 7) & 4095]! * 1.0001;
  return sum;
});
print(`JavaScript, no allocation (multiply-add over a Float64Array): ${noAllocation.toFixed(2)} ns per step`);
const FastBuffer = (Buffer as unknown as Record<symbol, new (b: ArrayBufferLike, o: number, l: number) => Buffer>)[
  Symbol.species
]!;
const memory = new ArrayBuffer(1 << 20);
// Each object and view is kept in a ring of 1,024 slots, as delivered messages are kept for a while: it escapes,
// so it is allocated (and most of them die young, as messages do).
const ring: unknown[] = new Array(1024).fill(null);
const objects = cpuNsPer(5_000_000, (count) => {
  for (let i = 0; i < count; i++) ring[i & 1023] = { a: i, b: 'x', c: null, d: i + 1 };
  return ring.length;
});
const views = cpuNsPer(5_000_000, (count) => {
  for (let i = 0; i < count; i++) ring[i & 1023] = new FastBuffer(memory, i & 0xffff, 100);
  return ring.length;
});
print(`an object of four fields: ${objects.toFixed(1)} ns; a Buffer view of 100 B: ${views.toFixed(1)} ns`);

/** CPU ns per `await` of an async function's (already resolved) promise, in an async function's loop. */
async function awaitNs(count: number): Promise<number> {
  let calls = 0;
  const handler = async (): Promise<void> => {
    calls++;
  };
  for (let i = 0; i < count; i++) await handler();
  const started = process.cpuUsage();
  for (let i = 0; i < count; i++) await handler();
  const used = process.cpuUsage(started);
  kept += calls;
  return ((used.user + used.system) * 1000) / count;
}
print(`await of an async function's promise: ${(await awaitNs(3_000_000)).toFixed(1)} ns`);

// Syscalls: tight against after a 1 ms sleep.
const path = join(dir, 'probe');
const fd = openSync(path, 'w+');
const record = Buffer.alloc(1200, 0x61);
let position = 0;
const write = (): void => {
  writeSync(fd, record, 0, record.length, position);
  position = (position + record.length) % (64 << 20);
};
const stat = (): void => {
  fstatSync(fd);
};
print(
  `fstat: ${tightMicros(200_000, stat).toFixed(2)} µs in a loop, ${(await pacedMicros(stat)).toFixed(2)} µs after a 1 ms sleep (median)`,
);
print(
  `write of 1,200 B into the page cache: ${tightMicros(50_000, write).toFixed(2)} µs in a loop, ${(await pacedMicros(write)).toFixed(2)} µs after a 1 ms sleep (median)`,
);
closeSync(fd);

// New memory: first touch of each 4 KiB page of a new 256 MiB buffer against a second touch.
{
  const pages = (256 << 20) / 4096;
  const fresh = Buffer.allocUnsafeSlow(256 << 20);
  const touch = (): number => {
    const started = process.hrtime.bigint();
    for (let page = 0; page < pages; page++) fresh[page * 4096] = 1;
    return Number(process.hrtime.bigint() - started) / pages;
  };
  const first = touch();
  const second = touch();
  print(
    `new memory: ${(first / 1000).toFixed(2)} µs per 4 KiB page on first touch, ${second.toFixed(0)} ns on the second`,
  );
}

const { stealPct, load } = machine.stop();
print(`guest memory reclaim: ${memoryReclaim()}`);
print(
  `steal ${stealPct.toFixed(1)} % during the probe, load ${load.toFixed(2)} (loops' checksum ${kept.toExponential(3)})`,
);
rmSync(dir, { recursive: true, force: true });
