// Recovery time against log size (issue 6): open time of `sluice serve` (spawn → listening) on a data
// directory holding one partition of 100 MiB, 500 MiB, 1 GiB, after a clean shutdown (SIGTERM) and after
// SIGKILL (a crash: no clean-shutdown flag, the recovery scan re-reads and CRC-checks the unflushed tail).
// A fresh directory per size (so the crash scan covers the whole log, not only what followed the previous
// clean stop). Checks the high watermark after each restart.
//   node --import tsx bench/recovery.ts [--short] [--write]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrokerProcess, type BrokerProcess } from './lib/broker-process.js';
import { describeCommit, describeMachine, today } from './lib/machine.js';
import { load } from './lib/proc.js';
import { stopProcess } from './lib/processes.js';
import { table, writeResultsSection } from './lib/results.js';
import { client, createTopic, produce } from './lib/workloads.js';

const short = process.argv.includes('--short');
const write = process.argv.includes('--write');
const SIZE = 16 * 1024;
const targetsMiB = short ? [100, 500] : [100, 500, 1024];
const started = performance.now();

async function highWatermark(broker: BrokerProcess): Promise<number> {
  const admin = client(broker).admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets('t');
  await admin.disconnect();
  return Number(offsets[0]!.high);
}

const rows: Array<Array<string | number>> = [];
let broker: BrokerProcess | null = null;
let dataDir = '';
try {
  // Baseline: spawn → listening on an empty directory (Node start-up + module loading).
  const empty = await startBrokerProcess({ flush: 'os' });
  const emptyMs = empty.startMs;
  await empty.stop();
  rows.push(['empty data dir', '—', emptyMs.toFixed(0), '—', '—', '—', load()]);

  for (const mib of targetsMiB) {
    dataDir = mkdtempSync(join(tmpdir(), 'sluice-bench-recovery-'));
    broker = await startBrokerProcess({ flush: 'os', dataDir });
    await createTopic(broker, 't', 1);
    const records = Math.floor((mib * 2 ** 20) / SIZE);
    await produce(broker, 't', records, SIZE);
    // Crash: SIGKILL right after the last ack (flush os: the bytes are in the page cache, not fsynced).
    await stopProcess(broker.child, 'SIGKILL');
    broker = await startBrokerProcess({ flush: 'os', dataDir, listenTimeoutMs: 300_000 });
    const crashMs = broker.startMs;
    const hwCrash = await highWatermark(broker);
    // Clean: SIGTERM (clean-shutdown flag and index written), then open again.
    await broker.stop({ keepData: true });
    broker = await startBrokerProcess({ flush: 'os', dataDir, listenTimeoutMs: 300_000 });
    const cleanMs = broker.startMs;
    const hwClean = await highWatermark(broker);
    const ok =
      hwCrash === records && hwClean === records ? 'yes' : `no (crash ${hwCrash}, clean ${hwClean}, sent ${records})`;
    rows.push([
      `${mib} MiB`,
      records.toLocaleString('en'),
      cleanMs.toFixed(0),
      crashMs.toFixed(0),
      crashMs > cleanMs ? (mib / ((crashMs - cleanMs) / 1000)).toFixed(0) : '—',
      ok,
      load(),
    ]);
    process.stdout.write(`${mib} MiB: clean ${cleanMs.toFixed(0)} ms, crash ${crashMs.toFixed(0)} ms, ${ok}\n`);
    await broker.stop();
    broker = null;
  }
} finally {
  if (broker) await broker.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
const body = [
  `Date ${today()}, commit ${describeCommit()}, machine: ${describeMachine()}.`,
  `Command: \`node --import tsx bench/recovery.ts${short ? ' --short' : ''} --write\` (took ${((performance.now() - started) / 1000).toFixed(0)} s). Broker = \`sluice serve\` (built binary), flush os, default 1 GiB segments. "load" = 1-min load average (2 cores shared with other engineers).`,
  `A fresh data directory per size, one partition filled by the SDK with ${SIZE / 1024} KiB records (16 per send); then the broker is SIGKILLed right after the last ack and restarted (crash open), then stopped with SIGTERM and started again (clean open). Open = spawn → accepting connections, polled every 50 ms, so it includes Node start-up (the empty row); the page cache is warm (not dropped on a shared machine), so the scan reads memory, not the disk.`,
  '',
  'Reading: a clean open costs about what Node start-up costs at every size (index files, no scan); a crash adds a scan that grows linearly with the unflushed log, ~0.6–0.8 s per GiB from the page cache here (a cold disk would be slower: its read rate).',
  '',
  table(
    [
      'log size',
      'records',
      'clean open ms',
      'crash open ms (recovery scan)',
      'scan MiB/s ≈ size / (crash − clean)',
      'all records back',
      'load',
    ],
    rows,
  ),
].join('\n');
process.stdout.write(`${body}\n`);
if (write) writeResultsSection('Scale: recovery time against log size', body);
