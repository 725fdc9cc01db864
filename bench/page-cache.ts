// The cost of the broker's append at the kernel: positional writes of produce-sized requests into a new file,
// once into page-cache pages the kernel takes from free memory, once right after another file of the same
// size was removed (its freed pages are the ones taken). On a VM whose free memory goes back to the host
// (free page reporting), the first is a fault per page at the host, the second is a memcpy. Each fresh write
// waits --settle seconds after the last removal, so the pages that removal freed have gone back first.
//   node --import tsx bench/page-cache.ts [--mib 256] [--write-kib 600] [--dir <dir>] [--runs 3] [--settle 10]
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { load } from './lib/proc.js';
import { median } from './lib/stats.js';
import { numberOptions } from './lib/args.js';

const args = process.argv.slice(2);
const opt = numberOptions(args);
const total = opt('mib', 256) * 2 ** 20;
const chunk = Buffer.alloc(opt('write-kib', 600) * 1024, 0x5a);
const runs = opt('runs', 3);
const settleMs = opt('settle', 10) * 1000;
const dirArg = args.indexOf('--dir');
const dir = mkdtempSync(join(dirArg >= 0 ? args[dirArg + 1]! : tmpdir(), 'sluice-page-cache-'));
/** Bytes a 100 B record takes in a segment (record framing + its share of a 2,400-record batch header). */
const RECORD_BYTES_ON_DISK = 110;

/** Writes `total` bytes into a new file; CPU ns per byte (user + system) and MB/s. */
function writeFile(path: string): { nsPerByte: number; mbPerSec: number } {
  const fd = openSync(path, 'w');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let position = 0; position < total; position += chunk.length) writeSync(fd, chunk, 0, chunk.length, position);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  closeSync(fd);
  return { nsPerByte: ((cpu.user + cpu.system) * 1000) / total, mbPerSec: total / 1e6 / (ms / 1000) };
}

const fresh: number[] = [];
const recycled: number[] = [];
try {
  for (let run = 0; run < runs; run++) {
    await sleep(settleMs);
    const a = writeFile(join(dir, `fresh-${run}`));
    unlinkSync(join(dir, `fresh-${run}`));
    const b = writeFile(join(dir, `recycled-${run}`));
    unlinkSync(join(dir, `recycled-${run}`));
    fresh.push(a.nsPerByte);
    recycled.push(b.nsPerByte);
    process.stdout.write(
      `run ${run + 1}: fresh pages ${a.mbPerSec.toFixed(0)} MB/s (${a.nsPerByte.toFixed(2)} ns/B), ` +
        `pages of a file just removed ${b.mbPerSec.toFixed(0)} MB/s (${b.nsPerByte.toFixed(2)} ns/B) (load ${load()})\n`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const perRecord = (nsPerByte: number) => ((nsPerByte * RECORD_BYTES_ON_DISK) / 1000).toFixed(3);
process.stdout.write(
  `median CPU per 100 B record appended (${RECORD_BYTES_ON_DISK} B on disk): fresh pages ${perRecord(median(fresh))} µs, ` +
    `recycled pages ${perRecord(median(recycled))} µs\n`,
);
