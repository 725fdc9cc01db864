// Crash rounds against a real `sluice serve` child process: start, produce from several pipelining
// producers, SIGKILL at a random moment, check the files, restart, check what the broker serves. Used
// by test/reliability/crash.test.ts (a few rounds) and bench/soak/crash.ts (many).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTopic, readAll } from '../../helpers/broker.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { startSluice, type SluiceProcess } from '../../helpers/sluice-process.js';
import { waitFor } from '../../helpers/wait-for.js';
import { WireClient } from '../../helpers/wire-client.js';
import { startLoad, type ProducerRun } from './load.js';
import type { Rng } from './rng.js';
import { asStored, checkAcked, scanTopic } from './verify.js';

export interface CrashOptions {
  dataDir: string;
  rounds: number;
  rng: Rng;
  /** Flush policy of each round, cycled: "always" | "os" | "<ms>". */
  flush: string[];
  partitions?: number;
  producers?: number;
  /** SIGKILL after a uniform delay in [min, max] ms once the load had its first acknowledgement. */
  killAfterMs?: [number, number];
  /** Progress lines (the soak prints them). */
  log?: (line: string) => void;
}

export interface RoundReport {
  round: number;
  flush: string;
  killAfterMs: number;
  acked: number;
  /** Torn tails found in the files after the kill (and truncated by the restart). */
  tornTails: number;
  problems: string[];
}

export const TOPIC = 'crash';

async function configFile(): Promise<string> {
  // Small segments so rolls happen under load; frequent maintenance so recovery points move while we
  // crash (recovery must trust sealed segments below the point and scan the rest).
  // In a temporary directory of its own (removed with the others), not in the broker's data directory.
  const path = join(await tempDir('sluice-crash-config-'), 'sluice.json');
  await writeFile(path, JSON.stringify({ topicDefaults: { segmentBytes: 16 * 1024 }, maintenanceIntervalMs: 100 }));
  return path;
}

/** Reads every partition through the broker and checks it against every producer run so far. */
export async function checkServed(proc: SluiceProcess, partitions: number, runs: ProducerRun[]): Promise<string[]> {
  const c = await WireClient.connect(proc.port);
  try {
    const problems: string[] = [];
    for (let p = 0; p < partitions; p++) {
      const stored = asStored(await readAll(c, TOPIC, p));
      problems.push(
        ...checkAcked(
          stored,
          runs.filter((r) => r.partition === p),
        ).map((s) => `served partition ${p}: ${s}`),
      );
    }
    return problems;
  } finally {
    c.destroy();
  }
}

/** Checks the files right after a kill: corruption only as a torn tail of the last segment; acked ⊆ sound prefix. */
export async function checkFiles(
  dataDir: string,
  runs: ProducerRun[],
  final: boolean,
): Promise<{ problems: string[]; tornTails: number }> {
  const problems: string[] = [];
  let tornTails = 0;
  for (const [p, scan] of await scanTopic(dataDir, TOPIC)) {
    for (const c of scan.corruptions) {
      if (final || !c.lastSegment)
        problems.push(`partition ${p}: ${c.file} corrupt at byte ${c.position}: ${c.message}`);
      else tornTails++;
    }
    if (scan.denseProblem) problems.push(`partition ${p}: ${scan.denseProblem}`);
    problems.push(
      ...checkAcked(
        scan.records,
        runs.filter((r) => r.partition === p),
      ).map((s) => `files of partition ${p}: ${s}`),
    );
  }
  return { problems, tornTails };
}

export async function crashRounds(
  o: CrashOptions,
): Promise<{ reports: RoundReport[]; finalProblems: string[]; totalAcked: number }> {
  const partitions = o.partitions ?? 2;
  const config = await configFile();
  const args = (flush: string) => ['--data-dir', o.dataDir, '--port', '0', '--flush', flush, '--config', config];
  const runs: ProducerRun[] = [];
  const reports: RoundReport[] = [];
  let tornBefore = 0;
  for (let round = 0; round < o.rounds; round++) {
    const flush = o.flush[round % o.flush.length]!;
    const proc = await startSluice(args(flush));
    const problems: string[] = [];
    if (round === 0) {
      const admin = await WireClient.connect(proc.port);
      await createTopic(admin, TOPIC, partitions);
      admin.destroy();
    } else {
      problems.push(...(await checkServed(proc, partitions, runs)));
      const truncations = proc.lines.filter((l) => l.msg === 'truncated a torn or corrupt tail of the log').length;
      if (truncations < tornBefore)
        problems.push(`the files had ${tornBefore} torn tail(s) but the broker reported ${truncations} truncation(s)`);
    }
    const load = startLoad({
      port: proc.port,
      topic: TOPIC,
      partitions,
      producers: o.producers ?? 4,
      prefix: `r${round}`,
      acks: -1,
      pipeline: 4,
      rng: o.rng,
      padding: o.rng.int(0, 400),
    });
    runs.push(...load.runs);
    // The kill comes at a random moment once the load is under way (its first acknowledgement), so a
    // loaded machine that is slow to start the producers still kills a broker with records in flight.
    await waitFor(() => load.runs.some((r) => r.acked.length > 0), {
      timeoutMs: 20_000,
      intervalMs: 5,
      message: `round ${round}: the first acknowledged record`,
    });
    const [min, max] = o.killAfterMs ?? [150, 700];
    const killAfterMs = o.rng.int(min, max);
    await new Promise((r) => setTimeout(r, killAfterMs));
    await proc.kill('SIGKILL');
    await load.stop();
    const files = await checkFiles(o.dataDir, runs, false);
    problems.push(...files.problems);
    tornBefore = files.tornTails;
    const acked = load.runs.reduce((n, r) => n + r.acked.length, 0);
    reports.push({ round, flush, killAfterMs, acked, tornTails: files.tornTails, problems });
    o.log?.(
      `round ${round} flush=${flush} killed after ${killAfterMs} ms: ${acked} acked, ${files.tornTails} torn tail(s), ${problems.length} problem(s)`,
    );
    if (problems.length > 0) break;
  }
  // Last start: recovered, then a graceful stop must leave files with no damage at all.
  const proc = await startSluice(args('always'));
  const finalProblems = await checkServed(proc, partitions, runs);
  const code = await proc.kill('SIGTERM');
  if (code !== 0) finalProblems.push(`graceful stop exited with ${code}`);
  finalProblems.push(...(await checkFiles(o.dataDir, runs, true)).problems);
  return { reports, finalProblems, totalAcked: runs.reduce((n, r) => n + r.acked.length, 0) };
}
