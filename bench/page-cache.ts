// The cost of the broker's append at the kernel: positional writes of produce-sized requests into a new file,
// once into page-cache pages the kernel takes from free memory, once right after another file of the same
// size was removed (its freed pages are the ones taken). On a VM whose free memory goes back to the host
// (free page reporting), the first is a fault per page at the host, the second is a memcpy. Each fresh write
// waits --settle seconds after the last removal, so the pages that removal freed have gone back first. A third
// file is written as storage's active segment is (Segment.reserveAhead): extended 8 MiB ahead, the hole read
// once, then written in place; also after --settle seconds.
//   node --import tsx bench/page-cache.ts [--mib 256] [--write-kib 600] [--dir <dir>] [--runs 3] [--settle 10]
import { closeSync, ftruncateSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
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

const RESERVE_BYTES = 8 * 2 ** 20;
const holeRead = Buffer.alloc(2 ** 20);

/** Writes `total` bytes into a new file; CPU ns per byte (user + system) and MB/s. */
function writeFile(path: string, reserveAhead = false): { nsPerByte: number; mbPerSec: number } {
  const fd = openSync(path, reserveAhead ? 'w+' : 'w');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let reserved = 0;
  for (let position = 0; position < total; position += chunk.length) {
    if (reserveAhead && position + chunk.length > reserved) {
      const to = position + chunk.length + RESERVE_BYTES;
      ftruncateSync(fd, to);
      for (let at = Math.max(position, reserved); at < to; at += holeRead.length)
        readSync(fd, holeRead, 0, Math.min(holeRead.length, to - at), at);
      reserved = to;
    }
    writeSync(fd, chunk, 0, chunk.length, position);
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  closeSync(fd);
  return { nsPerByte: ((cpu.user + cpu.system) * 1000) / total, mbPerSec: total / 1e6 / (ms / 1000) };
}

const fresh: number[] = [];
const recycled: number[] = [];
const reserved: number[] = [];
try {
  for (let run = 0; run < runs; run++) {
    await sleep(settleMs);
    const a = writeFile(join(dir, `fresh-${run}`));
    unlinkSync(join(dir, `fresh-${run}`));
    const b = writeFile(join(dir, `recycled-${run}`));
    unlinkSync(join(dir, `recycled-${run}`));
    await sleep(settleMs);
    const c = writeFile(join(dir, `reserved-${run}`), true);
    unlinkSync(join(dir, `reserved-${run}`));
    fresh.push(a.nsPerByte);
    recycled.push(b.nsPerByte);
    reserved.push(c.nsPerByte);
    process.stdout.write(
      `run ${run + 1}: fresh pages ${a.mbPerSec.toFixed(0)} MB/s (${a.nsPerByte.toFixed(2)} ns/B), ` +
        `pages of a file just removed ${b.mbPerSec.toFixed(0)} MB/s (${b.nsPerByte.toFixed(2)} ns/B), ` +
        `reserved ahead ${c.mbPerSec.toFixed(0)} MB/s (${c.nsPerByte.toFixed(2)} ns/B) (load ${load()})\n`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const perRecord = (nsPerByte: number) => ((nsPerByte * RECORD_BYTES_ON_DISK) / 1000).toFixed(3);
process.stdout.write(
  `median CPU per 100 B record appended (${RECORD_BYTES_ON_DISK} B on disk): fresh pages ${perRecord(median(fresh))} µs, ` +
    `recycled pages ${perRecord(median(recycled))} µs, reserved ahead ${perRecord(median(reserved))} µs\n`,
);
