// The tail caches' shared bound (storage/tail-cache-budget.ts): RSS of a LogManager after 512 KiB was
// appended to each of 1,000 partitions in 16 KiB batches (512 MiB in all, each partition under its own
// 4 MiB cache bound), with the default shared budget (256 MiB) and with none (the bound before it existed),
// in alternating child processes; and the append cost of the budget: 100,000 appends of 1 KiB over 10
// partitions, CPU time with and without the budget.
// Run: `node --import tsx bench/tail-cache-budget.ts [--pairs N]`
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PARTITION_CONFIG, LogManager } from '../storage/index.js';
import { DEFAULT_TAIL_CACHE_TOTAL_BYTES } from '../storage/tail-cache-budget.js';
import { makeBatch } from '../test/storage/helpers.js';
import { median } from './lib/stats.js';

const MiB = 1024 * 1024;
const cfg = { ...DEFAULT_PARTITION_CONFIG, retentionMs: -1 };

async function child(scenario: string, budget: string): Promise<void> {
  const total = budget === 'none' ? Number.POSITIVE_INFINITY : DEFAULT_TAIL_CACHE_TOTAL_BYTES;
  const dir = await mkdtemp(join(tmpdir(), 'tail-cache-budget-'));
  const manager = await LogManager.open({
    dataDir: dir,
    configFor: () => cfg,
    maintenanceIntervalMs: 0,
    tailCacheTotalBytes: total,
  });
  if (scenario === 'rss') {
    const batch = makeBatch({ payloadBytes: 16 * 1024 - 61 });
    for (let p = 0; p < 1000; p++) {
      const log = await manager.create('wide', p, cfg);
      for (let i = 0; i < 32; i++) await log.append(Buffer.from(batch));
    }
    (globalThis as { gc?: () => void }).gc?.();
    process.stdout.write(String(process.memoryUsage().rss / MiB));
  } else {
    const batch = makeBatch({ payloadBytes: 1000 });
    const logs = await Promise.all(Array.from({ length: 10 }, (_, p) => manager.create('narrow', p, cfg)));
    const start = process.cpuUsage();
    for (let i = 0; i < 100_000; i++) await logs[i % 10]!.append(Buffer.from(batch));
    const used = process.cpuUsage(start);
    process.stdout.write(String((used.user + used.system) / 1000));
  }
  await manager.close();
  await rm(dir, { recursive: true, force: true });
}

function run(scenario: string, budget: string): number {
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', import.meta.filename, '--child', scenario, budget],
    { encoding: 'utf8' },
  );
  return Number(out);
}

const at = process.argv.indexOf('--child');
if (at >= 0) {
  await child(process.argv[at + 1]!, process.argv[at + 2]!);
} else {
  const pairsAt = process.argv.indexOf('--pairs');
  const pairs = pairsAt >= 0 ? Number(process.argv[pairsAt + 1]) : 5;
  for (const scenario of ['rss', 'append-cpu']) {
    const bounded: number[] = [];
    const unbounded: number[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < pairs; i++) {
      // Alternate which runs first inside the pair (ABBA), so a drift of the machine's speed cancels out.
      const [a, b] = i % 2 === 0 ? ['default', 'none'] : ['none', 'default'];
      const first = run(scenario, a);
      const second = run(scenario, b);
      const withBudget = a === 'default' ? first : second;
      const without = a === 'default' ? second : first;
      bounded.push(withBudget);
      unbounded.push(without);
      ratios.push(withBudget / without);
    }
    const unit = scenario === 'rss' ? 'MiB RSS' : 'ms CPU';
    console.log(
      `${scenario}: budget ${median(bounded).toFixed(0)} ${unit}, none ${median(unbounded).toFixed(0)} ${unit}, ` +
        `median ratio ${median(ratios).toFixed(3)} (pairs ${ratios.map((r) => r.toFixed(2)).join(' ')})`,
    );
  }
}
