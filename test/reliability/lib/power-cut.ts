// Power-cut rounds: an in-process Broker whose every file lives on a PowerCutDisk (storage/power-cut-disk.ts)
// runs a mixed load; the power is cut before a random mutating file operation (a seeded draw: during
// recovery, under load, or in the middle of a graceful stop), or after the load; what was not durable is
// thrown away (or torn), the old broker can touch the disk no more, and a new Broker on the same disk must
// recover cleanly and hold everything it owes (power-cut-expect.ts). Used by test/reliability/power-cut.test.ts
// (a few rounds) and bench/soak/power-cut.ts (many).
//
// Why in-process on a simulated disk rather than SIGKILL of `sluice serve`: a killed process leaves the
// page cache behind, which is exactly what a power cut takes away; only the StorageFs seam lets a test
// drop what was not fsynced (see the comment at the top of power-cut-disk.ts).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Broker } from '../../../src/broker/index.js';
import { type CutReport, PowerCutDisk, type UnsyncedFate } from '../../../storage/index.js';
import { LogCapture } from '../../helpers/broker.js';
import { WireClient } from '../../helpers/wire-client.js';
import { type DurableState, durableState } from './power-cut-durable.js';
import { checkRestarted, Expectations } from './power-cut-expect.js';
import { startWorkload, type Workload } from './power-cut-load.js';
import type { Rng } from './rng.js';

export interface PowerCutOptions {
  /** A real, empty directory: the simulated disk's root (nothing is written to it). */
  root: string;
  rounds: number;
  rng: Rng;
  /** Flush policy of each round's broker, cycled: "always" | "os" | "<ms>". */
  flush: string[];
  /** What a cut does to unsynced data, cycled. Default: lost, torn, kept (a process crash). */
  unsynced?: UnsyncedFate[];
  /** Load of one boot, uniform in [min, max] ms. */
  loadMs?: [number, number];
  plainProducers?: number;
  idempotentProducers?: number;
  log?: (line: string) => void;
}

type Phase = 'start' | 'check' | 'load' | 'graceful stop' | 'after load' | 'after graceful stop';

export interface RoundReport {
  round: number;
  flush: string;
  unsynced: UnsyncedFate;
  /** Where the cut landed. */
  phase: Phase;
  /** Mutating file operations of this boot before the cut. */
  operations: number;
  /** Records acknowledged during the boot. */
  acked: number;
  problems: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Where a round's cut goes: during recovery and the checks after it (a fifth), under load, inside the
 * graceful stop that follows the load, or after that stop.
 */
function pickPlan(rng: Rng): 'start' | 'load' | 'stop' | 'after' {
  const r = rng.next();
  return r < 0.2 ? 'start' : r < 0.75 ? 'load' : r < 0.92 ? 'stop' : 'after';
}

/** Error-level lines a broker logged (recovery must not need any). */
const errorsIn = (capture: LogCapture) =>
  capture.lines.filter((l) => (l.level as number) >= 50).map((l) => `${l.msg} ${JSON.stringify(l.err ?? '')}`);

class Machine {
  readonly disk: PowerCutDisk;
  readonly dataDir: string;
  readonly exp = new Expectations();
  /** The durable state at the last cut (checked against by the next successful start). */
  lastDurable: DurableState | undefined;
  /** Connections of the checks (dropped at a cut like the load's). */
  readonly clients = new Set<WireClient>();

  constructor(
    root: string,
    private readonly rng: Rng,
  ) {
    this.disk = new PowerCutDisk(root);
    this.dataDir = join(root, 'data');
  }

  broker(flush: string, capture: LogCapture): Broker {
    return new Broker({
      dataDir: this.dataDir,
      fs: this.disk.mount(),
      port: 0,
      flush,
      topicDefaults: { segmentBytes: 8192, indexIntervalBytes: 1024 },
      maintenanceIntervalMs: this.rng.int(10, 60),
      shutdownTimeoutMs: 1000,
      stallTimeoutMs: 5000,
      logger: capture.logger,
    });
  }

  /** Starts a broker and runs every check of a restart; problems found before a cut, if one came meanwhile. */
  async startAndCheck(broker: Broker, capture: LogCapture, setPhase: (p: Phase) => void): Promise<string[]> {
    const cutBefore = this.disk.cuts;
    try {
      await broker.start();
    } catch (err) {
      if (this.disk.cuts > cutBefore) return [];
      return [`start failed: ${(err as Error).message}`];
    }
    const problems = errorsIn(capture).map((e) => `error logged while starting: ${e}`);
    setPhase('check');
    const client = await WireClient.connect(broker.port).catch(() => undefined);
    if (!client) return this.disk.cuts > cutBefore ? problems : [...problems, 'cannot connect after start'];
    this.clients.add(client);
    try {
      problems.push(...(await checkRestarted(client, this.exp, this.lastDurable)));
    } catch (err) {
      if (this.disk.cuts === cutBefore) problems.push(`check failed: ${(err as Error).message}`);
    } finally {
      client.destroy();
      this.clients.delete(client);
    }
    return problems;
  }

  /** The power went: drop connections (no answer leaves a dead machine), settle what the cut owes. */
  async afterCut(report: CutReport, synced: boolean, workload: Workload | undefined): Promise<string[]> {
    workload?.destroy();
    for (const c of this.clients) c.destroy();
    const durable = await durableState(report.durable, this.dataDir);
    this.lastDurable = durable;
    return this.exp.afterCut({ synced, powerLost: report.unsynced !== 'kept' }, durable);
  }
}

/** Stops a broker cut off from its disk (its stop fails; it must not hang). */
async function abandon(broker: Broker): Promise<string[]> {
  const stopped = await Promise.race([
    broker.stop().then(
      () => true,
      () => true,
    ),
    sleep(5000).then(() => false),
  ]);
  return stopped ? [] : ['the broker cut off from its disk did not stop within 5 s'];
}

export async function powerCutRounds(
  o: PowerCutOptions,
): Promise<{ reports: RoundReport[]; finalProblems: string[]; totalAcked: number }> {
  const machine = new Machine(o.root, o.rng);
  // Nothing goes to the real directory through the seam; it exists for anything that needs a real path
  // (a lock file on the data directory cannot live on a simulated disk).
  await mkdir(machine.dataDir, { recursive: true });
  const fates = o.unsynced ?? ['lost', 'torn', 'kept'];
  const [minLoad, maxLoad] = o.loadMs ?? [100, 300];
  const reports: RoundReport[] = [];
  // Mutating file operations of a start with its checks, and of a load phase (estimates from the last boot).
  let startOps = 60;
  let loadOps = 300;
  let stopOps = 50;
  let topicsPeak = 0;
  for (let round = 0; round < o.rounds; round++) {
    const flush = o.flush[round % o.flush.length]!;
    const unsynced = fates[round % fates.length]!;
    const opsAtBoot = machine.disk.operations;
    const ackedBefore = machine.exp.ackedTotal;
    const plan = pickPlan(o.rng);
    let phase: Phase = 'start';
    let allSynced = flush === 'always';
    let workload: Workload | undefined;
    let cut: Promise<{ report: CutReport; problems: string[] }> | undefined;
    // Cuts before the (after + 1)-th mutating file operation from now.
    const arm = (after: number) => {
      cut = machine.disk
        .cutAfter(after, { unsynced, random: o.rng.next })
        .then((report) => machine.afterCut(report, allSynced, workload).then((problems) => ({ report, problems })));
    };
    if (plan === 'start') arm(o.rng.int(0, startOps));
    else if (plan === 'load') arm(startOps + o.rng.int(0, loadOps));
    const capture = new LogCapture();
    const broker = machine.broker(flush, capture);
    const cutsBefore = machine.disk.cuts;
    const alive = () => machine.disk.cuts === cutsBefore;
    const problems = await machine.startAndCheck(broker, capture, (p) => {
      phase = p;
    });
    const opsAtLoad = machine.disk.operations;
    if (alive() && !broker.running) {
      // The start failed by itself (reported): end the round with a cut, as a machine would be restarted.
      if (!cut) arm(Number.MAX_SAFE_INTEGER);
      machine.disk.cut();
    }
    if (alive()) {
      startOps = Math.max(20, opsAtLoad - opsAtBoot);
      topicsPeak = Math.max(topicsPeak, machine.exp.topics.size);
      phase = 'load';
      workload = startWorkload({
        port: broker.port,
        exp: machine.exp,
        boot: round,
        rng: o.rng,
        plainProducers: o.plainProducers ?? 2,
        idempotentProducers: o.idempotentProducers ?? 1,
        padding: o.rng.int(0, 300),
      });
      await Promise.race([sleep(o.rng.int(minLoad, maxLoad)), ...(cut ? [cut] : [])]);
      await workload.stop();
      problems.push(...workload.errors.map((e) => `load: ${e}`));
    }
    if (alive()) {
      loadOps = Math.max(50, machine.disk.operations - opsAtLoad);
      if (plan === 'stop' || plan === 'after') {
        phase = 'graceful stop';
        if (plan === 'stop') arm(o.rng.int(0, stopOps));
        const opsAtStop = machine.disk.operations;
        await broker.stop().catch((err: Error) => {
          if (alive()) problems.push(`graceful stop failed: ${err.message}`);
        });
        if (alive()) {
          stopOps = Math.max(20, machine.disk.operations - opsAtStop);
          // A broker stopped gracefully has fsynced everything: nothing acknowledged may be lost, whatever the policy.
          allSynced = true;
          phase = 'after graceful stop';
        }
      } else phase = 'after load';
      if (alive()) {
        if (!cut) arm(Number.MAX_SAFE_INTEGER);
        machine.disk.cut();
      }
    }
    const acked = machine.exp.ackedTotal - ackedBefore;
    const settled = await cut!;
    // A start that recovers more than the last one did (more partitions, more to scan) moves the estimate up.
    if (phase === 'start') startOps = Math.max(startOps, Math.round((settled.report.operation - opsAtBoot) * 1.5));
    problems.push(...settled.problems, ...(await abandon(broker)));
    const operations = settled.report.operation - opsAtBoot;
    reports.push({ round, flush, unsynced, phase, operations, acked, problems });
    o.log?.(
      `round ${round} flush=${flush} ${unsynced}: cut during ${phase} after ${operations} operations, ${acked} acked, ${problems.length} problem(s)`,
    );
    if (problems.length > 0) break;
  }
  o.log?.(`topics at most ${topicsPeak}`);
  const finalProblems = await finalRound(machine, o);
  return { reports, finalProblems, totalAcked: machine.exp.ackedTotal };
}

/**
 * Last: a clean start, a little load, a graceful stop, a cut (a stopped broker has synced everything),
 * and a start that must find a clean shutdown (nothing to recover) and everything it owes.
 */
async function finalRound(machine: Machine, o: PowerCutOptions): Promise<string[]> {
  const problems: string[] = [];
  let capture = new LogCapture();
  let broker = machine.broker('os', capture);
  problems.push(...(await machine.startAndCheck(broker, capture, () => undefined)));
  if (problems.length > 0) {
    await broker.stop().catch(() => undefined);
    return problems;
  }
  const workload = startWorkload({
    port: broker.port,
    exp: machine.exp,
    boot: o.rounds,
    rng: o.rng,
    plainProducers: 1,
    idempotentProducers: 1,
    padding: 100,
  });
  await sleep(150);
  await workload.stop();
  problems.push(...workload.errors.map((e) => `load: ${e}`));
  await broker.stop();
  problems.push(
    ...(await machine.afterCut(machine.disk.cut({ unsynced: 'torn', random: o.rng.next }), true, undefined)),
  );
  capture = new LogCapture();
  broker = machine.broker('os', capture);
  problems.push(...(await machine.startAndCheck(broker, capture, () => undefined)));
  for (const line of capture.lines) {
    if (line.msg === 'partition opened' && line.recovered === true)
      problems.push(`partition ${line.partition} recovered after a clean shutdown`);
    if (line.msg === 'truncated a torn or corrupt tail of the log')
      problems.push(`torn tail after a clean shutdown: ${line.file}`);
  }
  await broker.stop();
  return problems;
}
