// Profiles a stretch of this (client) process with the inspector, so a profile shows the replay alone and
// not the produce that preceded it. SLUICE_BENCH_CLIENT_PROF=<dir> turns it on; the .cpuprofile is written
// there (read it with bench/lib/profile-top.ts). SLUICE_BENCH_MARK=1 marks the stretch on stderr in ms since
// process start, the clock of --trace-gc (to count the collections inside it).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

export async function profiled<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const mark = (what: string) =>
    process.env.SLUICE_BENCH_MARK && process.stderr.write(`${label}-${what} ${Math.round(process.uptime() * 1000)}\n`);
  const dir = process.env.SLUICE_BENCH_CLIENT_PROF;
  if (!dir) {
    mark('START');
    try {
      return await fn();
    } finally {
      mark('END');
    }
  }
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(join(dir, `client-${label}-${Date.now()}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}
