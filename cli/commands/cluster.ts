// `sluice cluster status --cluster etcd://host:port`: the cluster as etcd holds it (src/broker/cluster/status.ts):
// live brokers, the controller, and the partitions that need attention (under-replicated, offline), or every
// partition with --all. Read from etcd directly, so it answers even when no broker does.
import type { Command } from 'commander';
import { parseEtcdEndpoints } from '../../src/broker/cluster/config.js';
import { EtcdError } from '../../src/broker/cluster/etcd-client.js';
import { type ClusterStatus, readClusterStatus } from '../../src/broker/cluster/status.js';
import { action, type Context, subcommand, withDebug, withFormat } from '../lib/command.js';
import { CliError, UsageError } from '../lib/errors.js';
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
}

async function status(ctx: Context, opts: StatusOptions): Promise<void> {
  if (opts.cluster === undefined) throw new UsageError('sluice cluster status needs --cluster etcd://host:port');
  let endpoints: string[];
  try {
    endpoints = parseEtcdEndpoints(opts.cluster);
  } catch (error) {
    throw new UsageError(`--cluster ${(error as Error).message}`);
  }
  let found: ClusterStatus;
  try {
    found = await readClusterStatus({ endpoints, name: opts.clusterName ?? 'sluice', requestTimeoutMs: 5000 });
  } catch (error) {
    if (error instanceof EtcdError) throw new CliError(error.message);
    throw error;
  }
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
