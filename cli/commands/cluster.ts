// `sluice cluster status --cluster etcd://host:port`: the cluster as etcd holds it (src/broker/cluster/status.ts):
// live brokers, the controller, and the partitions that need attention (under-replicated, offline), or every
// partition with --all. Read from etcd directly, so it answers even when no broker does.
// `sluice cluster elect-leaders`: a preferred leader election carried out by the controller
// (src/broker/cluster/operations.ts), with each partition's outcome.
import type { Command } from 'commander';
import { parseEtcdEndpoints } from '../../src/broker/cluster/config.js';
import { EtcdError } from '../../src/broker/cluster/etcd-client.js';
import {
  type ClusterAddress,
  electPreferredLeaders,
  InvalidRequestError,
  reassignPartition,
  UnknownPartitionError,
} from '../../src/broker/cluster/operations.js';
import { type ClusterStatus, readClusterStatus } from '../../src/broker/cluster/status.js';
import { action, type Context, subcommand, withDebug, withFormat } from '../lib/command.js';
import { CliError, UsageError } from '../lib/errors.js';
import { parseInteger } from '../lib/options.js';
import { jsonLine, renderPairs, renderTable } from '../lib/output.js';

interface StatusOptions {
  cluster?: string;
  clusterName?: string;
  all?: boolean;
  format: 'text' | 'json';
}

export function register(program: Command): void {
  const cluster = subcommand(program, 'cluster', 'a cluster of brokers coordinated by etcd');
  withFormat(withDebug(subcommand(cluster, 'status', 'brokers, controller, under-replicated and offline partitions')))
    .option('--cluster <etcd>', "the cluster's etcd, e.g. etcd://127.0.0.1:2379 (as given to sluice serve)")
    .option('--cluster-name <name>', "the cluster's name (default: sluice)")
    .option('--all', 'list every partition, not only those under-replicated or offline')
    .action(action(status));
  withFormat(
    withDebug(
      subcommand(cluster, 'elect-leaders', "move leadership back to each partition's first (preferred) replica"),
    ),
  )
    .option('--cluster <etcd>', "the cluster's etcd, e.g. etcd://127.0.0.1:2379 (as given to sluice serve)")
    .option('--cluster-name <name>', "the cluster's name (default: sluice)")
    .option('--topic <topic>', 'only the partitions of this topic (default: every partition)')
    .option('--partition <n>', 'only this partition of --topic', parseInteger('partition', 0))
    .option('--timeout <ms>', 'how long to wait for the controller', parseInteger('timeout', 1), 30_000)
    .action(action(electLeaders));
  withFormat(withDebug(subcommand(cluster, 'reassign', 'move a partition to another set of replicas')))
    .option('--cluster <etcd>', "the cluster's etcd, e.g. etcd://127.0.0.1:2379 (as given to sluice serve)")
    .option('--cluster-name <name>', "the cluster's name (default: sluice)")
    .option('--topic <topic>', 'the topic')
    .option('--partition <n>', 'the partition', parseInteger('partition', 0))
    .option('--replicas <ids>', 'the new replica set, preferred leader first, e.g. 1,2,3')
    .option(
      '--throttle <bytes/s>',
      'bytes per second the leader sends the new replicas while they catch up (default: unthrottled)',
      parseInteger('throttle', 1),
    )
    .option('--timeout <ms>', 'how long to wait for the move', parseInteger('timeout', 1), 600_000)
    .action(action(reassign));
}

interface ReassignOptions {
  cluster?: string;
  clusterName?: string;
  topic?: string;
  partition?: number;
  replicas?: string;
  throttle?: number;
  timeout: number;
  format: 'text' | 'json';
}

async function reassign(ctx: Context, opts: ReassignOptions): Promise<void> {
  if (opts.topic === undefined || opts.partition === undefined || opts.replicas === undefined)
    throw new UsageError('sluice cluster reassign needs --topic, --partition and --replicas');
  const replicas = opts.replicas.split(',').map((part) => Number(part.trim()));
  if (replicas.some((id) => !Number.isInteger(id) || id < 0))
    throw new UsageError(`--replicas ${opts.replicas}: expected broker ids, e.g. 1,2,3`);
  const address = addressOf('reassign', opts);
  const done = await operation(() =>
    reassignPartition(
      address,
      { topic: opts.topic!, partition: opts.partition!, replicas, throttleBytesPerSecond: opts.throttle ?? null },
      opts.timeout,
    ),
  );
  if (opts.format === 'json') {
    ctx.stdout.write(jsonLine(done));
    return;
  }
  ctx.stdout.write(
    renderPairs(
      [
        ['partition', `${done.topic}-${done.partition}`],
        ['replicas', done.replicas.join(',')],
        ['leader', done.leader < 0 ? 'none' : String(done.leader)],
        ['isr', done.isr.join(',')],
      ],
      ctx.color,
    ),
  );
}

interface ElectOptions {
  cluster?: string;
  clusterName?: string;
  topic?: string;
  partition?: number;
  timeout: number;
  format: 'text' | 'json';
}

function addressOf(command: string, opts: { cluster?: string; clusterName?: string }): ClusterAddress {
  if (opts.cluster === undefined) throw new UsageError(`sluice cluster ${command} needs --cluster etcd://host:port`);
  try {
    return { endpoints: parseEtcdEndpoints(opts.cluster), name: opts.clusterName ?? 'sluice', requestTimeoutMs: 5000 };
  } catch (error) {
    throw new UsageError(`--cluster ${(error as Error).message}`);
  }
}

/** Runs an etcd-backed operation: etcd out of reach and unknown partitions are the user's errors, not crashes. */
async function operation<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof EtcdError || error instanceof UnknownPartitionError || error instanceof InvalidRequestError)
      throw new CliError(error.message);
    throw error;
  }
}

async function electLeaders(ctx: Context, opts: ElectOptions): Promise<void> {
  if (opts.partition !== undefined && opts.topic === undefined) throw new UsageError('--partition needs --topic');
  const address = addressOf('elect-leaders', opts);
  const outcomes = await operation(() =>
    electPreferredLeaders(
      address,
      {
        ...(opts.topic !== undefined ? { topic: opts.topic } : {}),
        ...(opts.partition !== undefined ? { partition: opts.partition } : {}),
      },
      opts.timeout,
    ),
  );
  if (opts.format === 'json') {
    for (const o of outcomes) ctx.stdout.write(jsonLine(o));
    return;
  }
  ctx.stdout.write(
    renderTable(
      [
        { header: 'TOPIC' },
        { header: 'PARTITION', align: 'right' },
        { header: 'LEADER', align: 'right' },
        { header: 'PREFERRED', align: 'right' },
        { header: 'OUTCOME' },
      ],
      outcomes.map((o) => [
        o.topic,
        String(o.partition),
        o.leader < 0 ? 'none' : String(o.leader),
        String(o.preferred),
        o.outcome,
      ]),
      ctx.color,
    ),
  );
}

async function status(ctx: Context, opts: StatusOptions): Promise<void> {
  const address = addressOf('status', opts);
  const found: ClusterStatus = await operation(() => readClusterStatus(address));
  if (opts.format === 'json') {
    ctx.stdout.write(jsonLine(found));
    return;
  }
  const under = found.partitions.filter((p) => p.underReplicated).length;
  const offline = found.partitions.filter((p) => p.offline).length;
  ctx.stdout.write(
    renderPairs(
      [
        ['brokers', found.brokers.map((b) => `${b.id} (${b.host}:${b.port})`).join(', ') || 'none'],
        ['controller', found.controllerId < 0 ? 'none' : String(found.controllerId)],
        ['partitions', String(found.partitions.length)],
        ['under-replicated', String(under)],
        ['offline', String(offline)],
      ],
      ctx.color,
    ),
  );
  const shown = opts.all ? found.partitions : found.partitions.filter((p) => p.underReplicated || p.offline);
  if (shown.length === 0) return;
  ctx.stdout.write('\n');
  ctx.stdout.write(
    renderTable(
      [
        { header: 'TOPIC' },
        { header: 'PARTITION', align: 'right' },
        { header: 'LEADER', align: 'right' },
        { header: 'EPOCH', align: 'right' },
        { header: 'REPLICAS' },
        { header: 'ISR' },
        { header: 'STATE' },
      ],
      shown.map((p) => [
        p.topic,
        String(p.partition),
        p.offline ? 'none' : String(p.leader),
        String(p.leaderEpoch),
        p.replicas.join(','),
        p.isr.join(','),
        p.offline ? 'offline' : p.underReplicated ? 'under-replicated' : 'ok',
      ]),
      ctx.color,
    ),
  );
}
