// Runs `sluice serve` from the built binary as its own process, for benchmarks.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, stopProcess, waitForPort } from './processes.js';

const BIN = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

export interface BrokerProcess {
  port: number;
  address: string;
  dataDir: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startBrokerProcess(options: { flush: string; extraArgs?: string[] }): Promise<BrokerProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
  const port = await freePort();
  // SLUICE_BENCH_CPU_PROF=<dir>: the broker writes a V8 CPU profile there when it stops (read it with
  // bench/lib/profile-top.ts or load it in Chrome DevTools).
  const prof = process.env.SLUICE_BENCH_CPU_PROF;
  const nodeArgs = prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : [];
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'serve', '--data-dir', dataDir, '--port', String(port), '--flush', options.flush,
    '--log-level', 'warn', ...(options.extraArgs ?? [])], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port, 20_000);
  return {
    port,
    address: `127.0.0.1:${port}`,
    dataDir,
    child,
    async stop() {
      await stopProcess(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
