// Partition scale of issue 6: one broker with 1 and 10,000 partitions (one topic). Per point: create time,
// produce throughput over all partitions (100 B records, explicit partition per send, round-robin),
// broker RSS and open files after produce, restart time (spawn → listening) on the same data directory
// and RSS after restart. Targets at 10,000: RSS ≤ 1 GiB, start-up ≤ 10 s, throughput ≥ ½ the 1-partition one.
//   node --import tsx bench/scale.ts [--short] [--write] [--partitions 1,10000]
import { execSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { Sluice } from '../src/index.js';
import { startBrokerProcess, type BrokerProcess } from './lib/broker-process.js';
import { describeCommit, describeMachine, today } from './lib/machine.js';
import { load, openFiles, rssMiB } from './lib/proc.js';
import { table, writeResultsSection } from './lib/results.js';
import { produce } from './lib/workloads.js';

const args = process.argv.slice(2);
const short = args.includes('--short');
const write = args.includes('--write');
const at = args.indexOf('--partitions');
const counts = at >= 0 ? args[at + 1]!.split(',').map(Number) : [1, 10_000];
// Every partition gets at least a few sends of 100 records (3 M records = 3 sends each at 10,000).
const PER_SEND = 100;
const records = short ? 1_000_000 : 3_000_000;
const NOFILE = 65_536;
const hard = execSync('ulimit -Hn', { encoding: 'utf8', shell: '/bin/sh' }).trim();
const shellLimit =
  execSync('ulimit -n; ulimit -Hn', { encoding: 'utf8', shell: '/bin/sh' }).trim().split('\n').join(' soft / ') +
  ' hard';

async function createTopic(broker: BrokerProcess, partitions: number): Promise<void> {
  const admin = new Sluice({
    clientId: 'bench-scale',
    brokers: [broker.address],
    logLevel: 0,
    requestTimeout: 600_000,
  }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 't', numPartitions: partitions }], timeout: 600_000 });
  await admin.disconnect();
}

const fmtRate = (r: number) => (r >= 1e6 ? `${(r / 1e6).toFixed(2)} M/s` : `${(r / 1e3).toFixed(0)} k/s`);
const started = performance.now();
const rows: Array<Array<string | number>> = [];
const figures: Record<number, { rate: number; rss: number; startMs: number; createMs: number }> = {};
for (const partitions of counts) {
  const broker = await startBrokerProcess({ flush: 'os', nofile: NOFILE });
  const pid = broker.child.pid!;
  let row;
  let stopMs = 0;
  try {
    const emptyRss = rssMiB(pid);
    const t0 = performance.now();
    await createTopic(broker, partitions);
    const createMs = performance.now() - t0;
    const afterCreate = { rss: rssMiB(pid), fds: openFiles(pid) };
    process.stdout.write(
      `${partitions} partitions: created in ${createMs.toFixed(0)} ms, RSS ${afterCreate.rss.toFixed(0)} MiB, ${afterCreate.fds} fds\n`,
    );
    const rate = await produce(broker, 't', records, 100, { partitions, perSend: PER_SEND });
    row = { emptyRss, createMs, afterCreate, rate, rss: rssMiB(pid), fds: openFiles(pid) };
  } finally {
    // A long grace: closing thousands of written partitions takes longer than the default 5 s, and a
    // SIGKILL there would make the restart below a crash recovery instead of a clean start.
    const t0 = performance.now();
    await broker.stop({ keepData: true, graceMs: 300_000 });
    stopMs = performance.now() - t0;
  }
  const du = execSync(`du -sm ${broker.dataDir}`, { encoding: 'utf8' }).split('\t')[0];
  // Restart on the same data directory: spawn → listening, and idle RSS with `partitions` partitions on disk.
  const again = await startBrokerProcess({
    flush: 'os',
    dataDir: broker.dataDir,
    nofile: NOFILE,
    listenTimeoutMs: 300_000,
  });
  const idleRss = rssMiB(again.child.pid!);
  const idleFds = openFiles(again.child.pid!);
  await again.stop({ keepData: true, graceMs: 300_000 });
  rmSync(broker.dataDir, { recursive: true, force: true });
  figures[partitions] = { rate: row.rate, rss: row.rss, startMs: again.startMs, createMs: row.createMs };
  rows.push([
    partitions.toLocaleString('en'),
    row.createMs.toFixed(0),
    fmtRate(row.rate),
    row.afterCreate.rss.toFixed(0),
    row.rss.toFixed(0),
    row.fds,
    `${du} MiB`,
    stopMs.toFixed(0),
    again.startMs.toFixed(0),
    idleRss.toFixed(0),
    idleFds,
    load(),
  ]);
  process.stdout.write(
    `${partitions} partitions: ${fmtRate(row.rate)}, RSS ${row.rss.toFixed(0)} MiB, ${row.fds} fds, restart ${again.startMs.toFixed(0)} ms (RSS ${idleRss.toFixed(0)} MiB)\n`,
  );
}

const one = figures[1];
const big = figures[Math.max(...counts)];
const verdicts: string[] = [];
if (big && counts.length > 0) {
  const n = Math.max(...counts).toLocaleString('en');
  verdicts.push(
    `- RSS ≤ 1 GiB at ${n}: **${big.rss <= 1024 ? 'met' : 'missed'}** (${big.rss.toFixed(0)} MiB after produce).`,
  );
  verdicts.push(
    `- start-up ≤ 10 s at ${n}: **${big.startMs <= 10_000 ? 'met' : 'missed'}** (restart spawn → listening ${(big.startMs / 1000).toFixed(1)} s; creating the topic took ${(big.createMs / 1000).toFixed(1)} s).`,
  );
  if (one && big !== one) {
    verdicts.push(
      `- produce ≥ ½ the 1-partition figure: **${big.rate >= one.rate / 2 ? 'met' : 'missed'}** (${fmtRate(big.rate)} vs ${fmtRate(one.rate)} = ${((big.rate / one.rate) * 100).toFixed(0)} %).`,
    );
  }
}
const body = [
  `Date ${today()}, commit ${describeCommit()}, machine: ${describeMachine()}.`,
  `Command: \`node --import tsx bench/scale.ts${short ? ' --short' : ''} --write\` (took ${((performance.now() - started) / 1000).toFixed(0)} s). "load" = 1-min load average after the point: the 2 cores are shared with other engineers' builds and tests, expect ±30 % noise on rates.`,
  `Broker = \`sluice serve\` (built binary), flush os, own process; the bench's shell has \`ulimit -n\` ${shellLimit}, so the broker is spawned through \`sh -c 'ulimit -n ${NOFILE} || ulimit -n $(ulimit -Hn); exec node dist/bin/sluice.js serve …'\`; the hard limit cannot be raised here (container without CAP_SYS_RESOURCE), so the broker ran with ${hard} (enough: ~1 fd per partition).`,
  `One topic of N partitions created with one CreateTopics request; then ${records.toLocaleString('en')} records of 100 B sent in sends of ${PER_SEND} records with an explicit partition, round-robin over all partitions (every partition gets ≥ ${Math.floor(records / PER_SEND / Math.max(...counts))} sends), acks=1, 16 sends outstanding, SDK in the bench process. Then SIGTERM (waiting up to 300 s for the clean shutdown: until this was measured, the bench SIGKILLed the broker after 5 s, so the restart was a crash recovery), restart on the same data directory. The 1-partition row uses the same sends of ${PER_SEND} records; with sends of ~1,000 records one partition does ~1 M/s (matrix section), but 10,000 partitions cannot each get sends that large here.`,
  '',
  table(
    [
      'partitions',
      'create ms',
      'produce rec/s (100 B, over all)',
      'RSS after create MiB',
      'RSS after produce MiB',
      'open fds after produce',
      'data dir',
      'stop after produce: SIGTERM → exit ms',
      'restart: spawn → listening ms',
      'RSS after restart MiB',
      'fds after restart',
      'load',
    ],
    rows,
  ),
  '',
  ...verdicts,
].join('\n');
process.stdout.write(`${body}\n`);
if (write) writeResultsSection('Scale: 10,000 partitions on one broker', body);
