// Runs `sluice serve` from the built binary as its own process, for benchmarks.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuSecondsOf } from './proc.js';
import { freePort, stopProcess, waitForPort } from './processes.js';

const BIN = join(import.meta.dirname, '..', '..', 'dist', 'bin', 'sluice.js');
/** The node flags on the launcher line of the built CLI (`#!/usr/bin/env -S node <flags>`): what `sluice serve` runs with. */
export const SERVE_NODE_FLAGS = readFileSync(BIN, 'utf8')
  .split('\n', 1)[0]!
  .replace(/^#!.*?\bnode\b/, '')
  .split(' ')
  .filter(Boolean);

/** The broker's node flags for a bench: SLUICE_BENCH_BROKER_NODE_ARGS when set (see below), else SERVE_NODE_FLAGS. */
export function brokerNodeFlags(): string[] {
  return (process.env.SLUICE_BENCH_BROKER_NODE_ARGS ?? SERVE_NODE_FLAGS.join(' ')).split(' ').filter(Boolean);
}

export interface BrokerProcess {
  port: number;
  address: string;
  /** The SDK's ssl option when `address` is a TLS listener (bench/tls.ts). */
  ssl?: import('node:tls').ConnectionOptions;
  dataDir: string;
  child: ChildProcess;
  /** Spawn → accepting connections, ms (polled every 50 ms). */
  startMs: number;
  /** CPU seconds (user + system) the broker had used when it was first seen accepting connections. */
  startCpuSeconds: number;
  /**
   * Stops the broker (SIGTERM, then SIGKILL after graceMs, default 5 s: a broker closing thousands of
   * partitions needs longer, or its next start is a crash recovery) and removes its data directory unless keepData.
   */
  stop(options?: { keepData?: boolean; graceMs?: number }): Promise<void>;
}

/**
 * nofile: run the broker under `sh -c 'ulimit -n <nofile>; exec node …'` (same pid after exec), for
 * benches that open more files than the default limit allows; when the hard limit is lower and cannot be
 * raised (no CAP_SYS_RESOURCE), the soft limit is raised to the hard one instead.
 */
export async function startBrokerProcess(options: {
  flush: string;
  extraArgs?: string[];
  dataDir?: string;
  nofile?: number;
  listenTimeoutMs?: number;
  /** Another build's `dist/bin/sluice.js` (a before/after comparison); default this checkout's. */
  bin?: string;
}): Promise<BrokerProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'sluice-bench-'));
  const spawned = performance.now();
  const port = await freePort();
  // SLUICE_BENCH_CPU_PROF=<dir>: the broker writes a V8 CPU profile there when it stops (read it with
  // bench/lib/profile-top.ts or load it in Chrome DevTools).
  // The broker runs with the node flags `sluice serve`'s own launcher line gives it (cli/main.ts's shebang, kept by the bundle).
  // SLUICE_BENCH_BROKER_NODE_ARGS replaces them: "" for none (V8's defaults), or e.g.
  // "--initial-old-space-size=128 --trace-gc" (V8 flags only take effect on the command line);
  // SLUICE_BENCH_BROKER_STDOUT=1 shows its stdout (--trace-gc).
  const prof = process.env.SLUICE_BENCH_CPU_PROF;
  const nodeArgs = [...(prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : []), ...brokerNodeFlags()];
  const argv = [
    process.execPath,
    ...nodeArgs,
    options.bin ?? BIN,
    'serve',
    '--data-dir',
    dataDir,
    '--port',
    String(port),
    '--flush',
    options.flush,
    '--log-level',
    'warn',
    ...(options.extraArgs ?? []),
  ];
  const child = options.nofile
    ? spawn(
        'sh',
        ['-c', `ulimit -n ${options.nofile} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"`, 'sh', ...argv],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      )
    : spawn(argv[0]!, argv.slice(1), {
        stdio: ['ignore', process.env.SLUICE_BENCH_BROKER_STDOUT ? 'inherit' : 'ignore', 'inherit'],
      });
  await waitForPort(port, options.listenTimeoutMs ?? 60_000);
  const startMs = performance.now() - spawned;
  const startCpuSeconds = cpuSecondsOf(child.pid!);
  await settled(child.pid!);
  return {
    port,
    startMs,
    startCpuSeconds,
    address: `127.0.0.1:${port}`,
    dataDir,
    child,
    async stop(stopOptions) {
      await stopProcess(child, 'SIGTERM', stopOptions?.graceMs);
      if (!stopOptions?.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until the broker's start-up work is over: the native port answers before the HTTP door has loaded
 * (fastify, the console, metrics), and that CPU must not be counted against the first records measured.
 * Settled = no CPU used over 200 ms (or 5 s passed).
 */
async function settled(pid: number): Promise<void> {
  const deadline = performance.now() + 5000;
  let last = cpuSecondsOf(pid);
  while (performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = cpuSecondsOf(pid);
    if (now === last) return;
    last = now;
  }
}
