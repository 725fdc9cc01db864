// The traced broker (traced-broker.ts: the built broker with its connection and append paths wrapped to record
// a timeline, bench only) in a process of its own, on a free port and a fresh data directory, with the node flags
// `sluice serve` has (or SLUICE_BENCH_BROKER_NODE_ARGS). Used by latency-trace.ts and produce-trace.ts.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokerNodeFlags, type BrokerProcess } from './broker-process.js';
import type { Trace } from './latency-trace-hooks.js';
import { freePort, stopProcess, waitForPort } from './processes.js';

/**
 * Runs `run` against a traced broker, then stops it and returns what `run` returned with the broker's trace.
 * The broker is stopped and its data directory removed also when `run` fails: never a broker left behind.
 */
export async function withTracedBroker<T>(
  run: (broker: BrokerProcess) => Promise<T>,
): Promise<{ result: T; trace: Trace }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-trace-'));
  const traceFile = join(dataDir, 'broker-trace.json');
  try {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        ...brokerNodeFlags(),
        '--import',
        'tsx',
        join(import.meta.dirname, 'traced-broker.ts'),
        String(port),
        join(dataDir, 'data'),
        traceFile,
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    let result: T;
    try {
      await waitForPort(port, 30_000);
      const broker = { port, address: `127.0.0.1:${port}`, dataDir, child, startMs: 0, stop: async () => {} };
      result = await run(broker as BrokerProcess);
    } finally {
      await stopProcess(child); // the traced broker writes its trace as it stops
    }
    return { result, trace: JSON.parse(readFileSync(traceFile, 'utf8')) as Trace };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
