// `sluice queue list|describe|delete|reset-offsets`: share groups (queues on the log) through the SDK's
// admin client. describe shows, per share-partition, what is available, acquired, waiting for a retry or
// its delivery time, the delivery-count histogram and the age of the oldest unsettled record; delete and
// reset-offsets need a group without members (the broker refuses otherwise, saying why).
import type { Command } from 'commander';
import { action, subcommand, withBrokers, withFormat, type Context } from '../lib/command.js';
import { CliError, UsageError } from '../lib/errors.js';
import { parseInteger } from '../lib/options.js';
import { formatCount, jsonLine, renderPairs, renderTable } from '../lib/output.js';
import { connectAdmin, type AdminClient, type ShareGroupDescription } from '../lib/sdk.js';
import { formatDuration, TIME_HELP, timeOption } from '../lib/time.js';

type Format = 'text' | 'json';

export function register(program: Command): void {
  const queue = subcommand(program, 'queue', 'share groups (queues): list them, describe what each partition holds');
  withFormat(withBrokers(subcommand(queue, 'list', 'list share groups with their state and member count'))).action(
    action(listQueues),
  );
  withFormat(
    withBrokers(
      subcommand(
        queue,
        'describe',
        'per partition: available, acquired, waiting for retry, delivery-count histogram, oldest age',
      ).argument('<group>', 'share group id'),
    ),
  ).action(action(describeQueue));
  withBrokers(
    subcommand(queue, 'delete', 'delete a share group and its state (it must have no members)').argument(
      '<group>',
      'share group id',
    ),
  ).action(action(deleteQueue));
  withFormat(
    withBrokers(
      subcommand(
        queue,
        'reset-offsets',
        "move a share group's start offset on a topic (it must have no members): records before it count as settled, records from it on are delivered again with their attempts starting over",
      )
        .argument('<group>', 'share group id')
        .requiredOption('-t, --topic <topic>', 'topic whose start offset moves')
        .option('-p, --partition <n>', 'only this partition', parseInteger('partition', 0))
        .option('--to-earliest', 'to the log start (everything delivered again)')
        .option('--to-latest', 'to the log end (skip everything)')
        .option('--to-datetime <time>', `to the first record at or after ${TIME_HELP}`, timeOption),
    ),
  ).action(action(resetQueue));
}

function shareAdminWrite(
  admin: AdminClient,
): Required<Pick<AdminClient, 'deleteShareGroups' | 'resetShareGroupOffsets'>> {
  const a = admin as Required<AdminClient>;
  if (typeof a.deleteShareGroups !== 'function' || typeof a.resetShareGroupOffsets !== 'function')
    throw new CliError('this build of the SDK has no share-group admin calls');
  return {
    deleteShareGroups: a.deleteShareGroups.bind(a),
    resetShareGroupOffsets: a.resetShareGroupOffsets.bind(a),
  };
}

/** The broker's refusals of delete and reset-offsets, said once each (the SDK's message repeats the group). */
async function groupRefusal(admin: AdminClient, groupId: string, err: unknown): Promise<unknown> {
  const type = (err as { type?: unknown } | null)?.type;
  if (type === 'GROUP_ID_NOT_FOUND') return new CliError(`unknown share group '${groupId}'`, { cause: err });
  if (type !== 'NON_EMPTY_GROUP') return err;
  const described = await shareAdmin(admin)
    .describeShareGroups([groupId])
    .catch(() => undefined);
  const n = described?.groups[0]?.members.length;
  if (n === undefined || n === 0)
    return new CliError(`share group '${groupId}' has members: stop them first`, { cause: err });
  return new CliError(`share group '${groupId}' has ${n} member${n === 1 ? ': stop it' : 's: stop them'} first`, {
    cause: err,
  });
}

async function deleteQueue(ctx: Context, groupId: string): Promise<void> {
  const connected = await connectAdmin(ctx);
  const admin = shareAdminWrite(connected);
  try {
    await admin.deleteShareGroups([groupId]);
  } catch (err) {
    throw await groupRefusal(connected, groupId, err);
  }
  ctx.info(`share group '${groupId}' deleted`);
}

interface ResetOptions {
  topic: string;
  partition?: number;
  toEarliest?: boolean;
  toLatest?: boolean;
  toDatetime?: number;
  format: Format;
}

async function resetQueue(ctx: Context, groupId: string, opts: ResetOptions): Promise<void> {
  const chosen = [
    opts.toEarliest && '--to-earliest',
    opts.toLatest && '--to-latest',
    opts.toDatetime !== undefined && '--to-datetime',
  ].filter((x): x is string => typeof x === 'string');
  if (chosen.length !== 1)
    throw new UsageError(
      `give exactly one of --to-earliest, --to-latest, --to-datetime${chosen.length > 1 ? ` (got ${chosen.join(' and ')})` : ''}`,
    );
  const connected = await connectAdmin(ctx);
  const admin = shareAdminWrite(connected);
  const moved = await admin
    .resetShareGroupOffsets({
      groupId,
      topic: opts.topic,
      ...(opts.partition !== undefined ? { partitions: [opts.partition] } : {}),
      ...(opts.toDatetime !== undefined
        ? { timestamp: opts.toDatetime }
        : { to: opts.toEarliest ? ('earliest' as const) : ('latest' as const) }),
    })
    .catch(async (err: unknown) => {
      throw await groupRefusal(connected, groupId, err);
    });
  if (opts.format === 'json') {
    for (const p of moved) ctx.stdout.write(jsonLine({ groupId, topic: opts.topic, ...p }));
    return;
  }
  ctx.stdout.write(
    renderTable(
      [{ header: 'TOPIC' }, { header: 'PARTITION', align: 'right' }, { header: 'NEW START', align: 'right' }],
      moved.map((p) => [opts.topic, String(p.partition), formatCount(p.startOffset)]),
      ctx.color,
    ),
  );
}

function shareAdmin(admin: AdminClient): Required<Pick<AdminClient, 'listShareGroups' | 'describeShareGroups'>> {
  const a = admin as Required<AdminClient>;
  if (typeof a.listShareGroups !== 'function' || typeof a.describeShareGroups !== 'function')
    throw new CliError('this build of the SDK has no share-group admin calls');
  return { listShareGroups: a.listShareGroups.bind(a), describeShareGroups: a.describeShareGroups.bind(a) };
}

async function listQueues(ctx: Context, opts: { format: Format }): Promise<void> {
  const admin = shareAdmin(await connectAdmin(ctx));
  const groups = (await admin.listShareGroups()).groups.sort((a, b) => a.groupId.localeCompare(b.groupId));
  if (opts.format === 'json') {
    for (const g of groups) ctx.stdout.write(jsonLine(g));
    return;
  }
  if (groups.length === 0)
    return void ctx.info('no share groups yet: `sluice consume <topic> --share-group <name>` starts one');
  ctx.stdout.write(
    renderTable(
      [{ header: 'GROUP' }, { header: 'STATE' }, { header: 'MEMBERS', align: 'right' }],
      groups.map((g) => [g.groupId, g.state, String(g.members)]),
      ctx.color,
    ),
  );
}

/** "1×40 2×3": how many records in flight have been delivered once, twice, … */
function histogram(counts: ShareGroupDescription['partitions'][number]['deliveryCounts']): string {
  const shown = counts.filter((c) => c.records > 0).sort((a, b) => a.deliveryCount - b.deliveryCount);
  return shown.length === 0 ? '-' : shown.map((c) => `${c.deliveryCount}×${formatCount(c.records)}`).join(' ');
}

async function describeQueue(ctx: Context, groupId: string, opts: { format: Format }): Promise<void> {
  const admin = shareAdmin(await connectAdmin(ctx));
  const group = (await admin.describeShareGroups([groupId])).groups[0];
  if (group?.errorCode !== 0) {
    const why = group?.errorMessage ? `: ${group.errorMessage}` : '';
    throw new CliError(`unknown share group '${groupId}'${why}`);
  }
  const now = Date.now();
  if (opts.format === 'json') {
    ctx.stdout.write(
      jsonLine({
        ...group,
        partitions: group.partitions.map((p) => ({
          ...p,
          oldestAgeMs: p.oldestTimestamp === null ? null : Math.max(0, now - p.oldestTimestamp),
        })),
      }),
    );
    return;
  }
  const c = group.config;
  const pairs: Array<[string, string]> = [
    ['group', group.groupId],
    ['state', group.state],
    ['members', String(group.members.length)],
  ];
  if (c) {
    const backoff =
      c.backoffType === 'fixed'
        ? `fixed ${formatDuration(c.initialMs)}`
        : `exponential from ${formatDuration(c.initialMs)} ×${c.multiplierMilli / 1000} up to ${formatDuration(c.maxMs)}, jitter ${c.jitterPercent}%`;
    pairs.push(
      ['lock timeout', formatDuration(c.lockTimeoutMs)],
      ['retries', `${c.maxAttempts} attempts, ${backoff}`],
      ['dead letters', c.deadLetterTopic ?? '<topic>.dlq'],
    );
  }
  ctx.stdout.write(renderPairs(pairs, ctx.color));
  if (group.members.length > 0) {
    ctx.stdout.write('\n');
    ctx.stdout.write(
      renderTable(
        [{ header: 'MEMBER' }, { header: 'CLIENT' }, { header: 'HOST' }, { header: 'HELD', align: 'right' }],
        group.members.map((m) => [m.memberId, m.clientId, m.clientHost, `${m.held}/${m.maxInFlight}`]),
        ctx.color,
      ),
    );
  }
  ctx.stdout.write('\n');
  if (group.partitions.length === 0) return void ctx.info('no partitions read by this group yet');
  ctx.stdout.write(
    renderTable(
      [
        { header: 'TOPIC' },
        { header: 'PARTITION', align: 'right' },
        { header: 'START', align: 'right' },
        { header: 'END', align: 'right' },
        { header: 'AVAILABLE', align: 'right' },
        { header: 'ACQUIRED', align: 'right' },
        { header: 'WAITING', align: 'right' },
        { header: 'TO DLQ', align: 'right' },
        { header: 'DELIVERIES' },
        { header: 'OLDEST', align: 'right' },
      ],
      [...group.partitions]
        .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
        .map((p) => [
          p.topic,
          String(p.partition),
          formatCount(p.startOffset),
          formatCount(p.logEndOffset),
          formatCount(p.available),
          formatCount(p.acquired),
          formatCount(p.waiting),
          formatCount(p.deadLettering),
          histogram(p.deliveryCounts),
          p.oldestTimestamp === null ? '-' : formatDuration(Math.max(0, now - p.oldestTimestamp)),
        ]),
      ctx.color,
    ),
  );
}
