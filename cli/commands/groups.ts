// `sluice groups list|describe|reset-offsets|delete`: consumer groups through the SDK's admin client,
// in the manner of kafka-consumer-groups.sh (lag = log end offset − committed offset). JSON names a group's
// id `groupId`, as the SDK (kafkajs) and every other command's JSON do.
import { Option, type Command } from 'commander';
import * as sdk from '../../src/client/index.js';
import { action, interrupted, subcommand, withBrokers, withFormat, type Context } from '../lib/command.js';
import { CliError, UsageError, causeChain } from '../lib/errors.js';
import { parseInteger } from '../lib/options.js';
import { formatCount, jsonLine, renderPairs, renderTable } from '../lib/output.js';
import { connectAdmin, offsetsOf, requireTopic, type AdminClient, type GroupDescription } from '../lib/sdk.js';
import { TIME_HELP, isoTime, timeOption } from '../lib/time.js';

type Format = 'text' | 'json';

export function register(program: Command): void {
  const groups = subcommand(
    program,
    'groups',
    'list, describe (with lag), reset offsets of and delete consumer groups',
  );

  withFormat(withBrokers(subcommand(groups, 'list', 'list consumer groups with their state and member count'))).action(
    action(listGroups),
  );

  const describe = subcommand(
    groups,
    'describe',
    'members, assignment, committed offsets and lag per partition of a group',
  )
    .argument('<group>', 'group id')
    .addOption(
      new Option('-w, --watch [seconds]', 'redraw every few seconds until Ctrl-C').argParser(
        parseInteger('watch', 1, 3600),
      ),
    );
  withFormat(withBrokers(describe)).action(action(describeGroup));

  const reset = subcommand(
    groups,
    'reset-offsets',
    "move a group's committed offsets (the group must have no active members)",
  )
    .argument('<group>', 'group id')
    .requiredOption('-t, --topic <topic>', 'topic whose offsets move')
    .option('-p, --partition <n>', 'only this partition', parseInteger('partition', 0))
    .option('--to-earliest', 'to the log start')
    .option('--to-latest', 'to the log end (skip everything)')
    .option('--to-offset <n>', 'to this offset (clamped into the log)', parseInteger('to-offset', 0))
    .option('--to-datetime <time>', `to the first record at or after ${TIME_HELP}`, timeOption)
    .option('--shift-by <n>', 'by this many records (negative: back)', parseInteger('shift-by'))
    .option('--dry-run', 'show the new offsets without changing anything (the default)')
    .option('--execute', 'apply the new offsets')
    .addHelpText(
      'after',
      `\nExamples:\n  sluice groups reset-offsets billing --topic orders --to-earliest\n  sluice groups reset-offsets billing --topic orders --to-datetime 1h --execute\n  sluice groups reset-offsets billing --topic orders --partition 0 --shift-by -100 --execute`,
    );
  withFormat(withBrokers(reset)).action(action(resetOffsets));

  withBrokers(
    subcommand(groups, 'delete', 'delete a group and its committed offsets (it must have no active members)').argument(
      '<group>',
      'group id',
    ),
  ).action(action(deleteGroup));
}

function requireGroupAdmin(
  admin: AdminClient,
): Required<Pick<AdminClient, 'listGroups' | 'describeGroups' | 'fetchOffsets' | 'setOffsets' | 'deleteGroups'>> {
  const a = admin as Required<AdminClient>;
  if (
    typeof a.listGroups !== 'function' ||
    typeof a.describeGroups !== 'function' ||
    typeof a.fetchOffsets !== 'function'
  ) {
    throw new CliError('this build of the SDK has no consumer-group admin calls yet');
  }
  return {
    listGroups: a.listGroups.bind(a),
    describeGroups: a.describeGroups.bind(a),
    fetchOffsets: a.fetchOffsets.bind(a),
    setOffsets: a.setOffsets.bind(a),
    deleteGroups: a.deleteGroups.bind(a),
  };
}

/** topic → partitions of a member, from its assignment bytes (the SDK's AssignerProtocol decodes them). */
function assignmentOf(bytes: Buffer): Record<string, number[]> {
  if (!bytes || bytes.length === 0) return {};
  try {
    return sdk.AssignerProtocol.MemberAssignment.decode(bytes)?.assignment ?? {};
  } catch {
    return {};
  }
}

async function describeOne(admin: AdminClient, group: string): Promise<GroupDescription> {
  const g = requireGroupAdmin(admin);
  const described = (await g.describeGroups([group])).groups[0];
  if (!described) throw new CliError(`unknown group '${group}'`);
  return described;
}

async function listGroups(ctx: Context, opts: { format: Format }) {
  const admin = await connectAdmin(ctx);
  const g = requireGroupAdmin(admin);
  const ids = (await g.listGroups()).groups.map((x) => x.groupId).sort();
  const described = ids.length > 0 ? (await g.describeGroups(ids)).groups : [];
  const rows = described.map((d) => ({
    groupId: d.groupId,
    state: d.state,
    members: d.members.length,
    protocol: d.protocol || '',
  }));
  if (opts.format === 'json') {
    for (const r of rows) ctx.stdout.write(jsonLine(r));
    return;
  }
  if (rows.length === 0)
    return void ctx.info('no consumer groups yet: `sluice consume <topic> --group <name>` starts one');
  ctx.stdout.write(
    renderTable(
      [{ header: 'GROUP' }, { header: 'STATE' }, { header: 'MEMBERS', align: 'right' }, { header: 'ASSIGNOR' }],
      rows.map((r) => [r.groupId, r.state, String(r.members), r.protocol]),
      ctx.color,
    ),
  );
}

interface LagRow {
  topic: string;
  partition: number;
  committedOffset: number | null;
  logEndOffset: number;
  lag: number;
  memberId: string | null;
  clientId: string | null;
  host: string | null;
}

async function lagReport(admin: AdminClient, group: string) {
  const g = requireGroupAdmin(admin);
  const description = await describeOne(admin, group);
  const owners = new Map<string, { memberId: string; clientId: string; host: string }>();
  const members = description.members.map((m) => {
    const assignment = assignmentOf(m.memberAssignment);
    for (const [topic, parts] of Object.entries(assignment))
      for (const p of parts)
        owners.set(`${topic}:${p}`, { memberId: m.memberId, clientId: m.clientId, host: m.clientHost });
    return {
      memberId: m.memberId,
      clientId: m.clientId,
      host: m.clientHost,
      groupInstanceId: m.groupInstanceId ?? null,
      assignment,
    };
  });
  const committed = await g.fetchOffsets({ groupId: group });
  const topics = new Set([...committed.map((t) => t.topic), ...members.flatMap((m) => Object.keys(m.assignment))]);
  const existing = new Set(await admin.listTopics());
  const rows: LagRow[] = [];
  for (const topic of [...topics].sort()) {
    if (!existing.has(topic)) continue;
    const ends = await offsetsOf(admin, topic);
    const byPartition = new Map(
      (committed.find((t) => t.topic === topic)?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]),
    );
    for (const { partition, high } of ends) {
      const owner = owners.get(`${topic}:${partition}`);
      const c = byPartition.get(partition);
      if (c === undefined && !owner) continue;
      const committedOffset = c !== undefined && c >= 0 ? c : null;
      rows.push({
        topic,
        partition,
        committedOffset,
        logEndOffset: high,
        lag: committedOffset === null ? high : Math.max(0, high - committedOffset),
        memberId: owner?.memberId ?? null,
        clientId: owner?.clientId ?? null,
        host: owner?.host ?? null,
      });
    }
  }
  if (description.state === 'Dead' && rows.length === 0 && members.length === 0)
    throw new CliError(`unknown group '${group}'`);
  return {
    groupId: group,
    state: description.state,
    protocol: description.protocol,
    members,
    partitions: rows,
    totalLag: rows.reduce((n, r) => n + r.lag, 0),
  };
}

async function describeGroup(ctx: Context, group: string, opts: { format: Format; watch?: number | true }) {
  const admin = await connectAdmin(ctx);
  const interval = opts.watch === undefined ? 0 : opts.watch === true ? 2 : opts.watch;
  // Watching ends with Ctrl-C, the normal way out: exit 0.
  let stopped = false;
  const stop = interval > 0 ? interrupted().then(() => void (stopped = true)) : undefined;
  for (;;) {
    const report = await lagReport(admin, group);
    if (opts.format === 'json') ctx.stdout.write(jsonLine(report));
    else {
      if (interval > 0 && ctx.stdout.isTTY) ctx.stdout.write('\x1b[H\x1b[2J');
      printLag(ctx, report);
      if (interval > 0)
        ctx.stdout.write(ctx.color.dim(`\n${isoTime(Date.now())} — every ${interval}s, Ctrl-C to stop\n`));
    }
    if (interval === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stop, new Promise((resolve) => (timer = setTimeout(resolve, interval * 1000)))]);
    clearTimeout(timer);
    if (stopped) return;
  }
}

function printLag(ctx: Context, r: Awaited<ReturnType<typeof lagReport>>): void {
  const c = ctx.color;
  ctx.stdout.write(
    renderPairs(
      [
        ['group', r.groupId],
        ['state', r.state],
        ['assignor', r.protocol || '-'],
        ['members', String(r.members.length)],
        ['total lag', formatCount(r.totalLag)],
      ],
      c,
    ),
  );
  if (r.partitions.length > 0) {
    ctx.stdout.write('\n');
    ctx.stdout.write(
      renderTable(
        [
          { header: 'TOPIC' },
          { header: 'PARTITION', align: 'right' },
          { header: 'COMMITTED', align: 'right' },
          { header: 'LOG-END', align: 'right' },
          { header: 'LAG', align: 'right' },
          { header: 'MEMBER' },
          { header: 'CLIENT' },
          { header: 'HOST' },
        ],
        r.partitions.map((p) => [
          p.topic,
          String(p.partition),
          p.committedOffset === null ? '-' : String(p.committedOffset),
          String(p.logEndOffset),
          p.lag > 0 ? c.yellow(formatCount(p.lag)) : '0',
          p.memberId ?? '-',
          p.clientId ?? '-',
          p.host ?? '-',
        ]),
        c,
      ),
    );
  }
}

interface ResetOptions {
  topic: string;
  partition?: number;
  toEarliest?: boolean;
  toLatest?: boolean;
  toOffset?: number;
  toDatetime?: number;
  shiftBy?: number;
  dryRun?: boolean;
  execute?: boolean;
  format: Format;
}

const STRATEGIES = ['--to-earliest', '--to-latest', '--to-offset', '--to-datetime', '--shift-by'];

async function resetOffsets(ctx: Context, group: string, opts: ResetOptions) {
  const chosen = [
    opts.toEarliest && '--to-earliest',
    opts.toLatest && '--to-latest',
    opts.toOffset !== undefined && '--to-offset',
    opts.toDatetime !== undefined && '--to-datetime',
    opts.shiftBy !== undefined && '--shift-by',
  ].filter((x): x is string => typeof x === 'string');
  if (chosen.length !== 1)
    throw new UsageError(
      `give exactly one of ${STRATEGIES.join(', ')}${chosen.length > 1 ? ` (got ${chosen.join(' and ')})` : ''}`,
    );
  if (opts.dryRun && opts.execute) throw new UsageError('--dry-run and --execute contradict each other: give one');
  const admin = await connectAdmin(ctx);
  const g = requireGroupAdmin(admin);
  await requireTopic(admin, opts.topic);
  const description = await describeOne(admin, group);
  if (description.members.length > 0) {
    throw new CliError(
      `group '${group}' has ${description.members.length} active member${description.members.length === 1 ? '' : 's'}: stop ${description.members.length === 1 ? 'it' : 'them'} before resetting offsets`,
    );
  }
  let bounds = await offsetsOf(admin, opts.topic);
  if (opts.partition !== undefined) {
    bounds = bounds.filter((b) => b.partition === opts.partition);
    if (bounds.length === 0) throw new CliError(`partition ${opts.partition} does not exist in topic '${opts.topic}'`);
  }
  const committed = new Map(
    (
      (await g.fetchOffsets({ groupId: group, topics: [opts.topic] })).find((t) => t.topic === opts.topic)
        ?.partitions ?? []
    ).map((p) => [p.partition, Number(p.offset)]),
  );
  const atTime =
    opts.toDatetime !== undefined
      ? new Map(
          (await admin.fetchTopicOffsetsByTimestamp(opts.topic, opts.toDatetime)).map((o) => [
            o.partition,
            Number(o.offset),
          ]),
        )
      : undefined;
  const plan = bounds.map(({ partition, low, high }) => {
    const current = committed.get(partition);
    const cur = current !== undefined && current >= 0 ? current : null;
    let target: number;
    if (opts.toEarliest) target = low;
    else if (opts.toLatest) target = high;
    else if (opts.toOffset !== undefined) target = opts.toOffset;
    else if (atTime) target = atTime.get(partition) ?? high;
    else target = (cur ?? low) + opts.shiftBy!;
    return { topic: opts.topic, partition, currentOffset: cur, newOffset: Math.min(Math.max(target, low), high) };
  });
  if (opts.execute) {
    await g.setOffsets({
      groupId: group,
      topic: opts.topic,
      partitions: plan.map((p) => ({ partition: p.partition, offset: String(p.newOffset) })),
    });
  }
  if (opts.format === 'json') {
    for (const p of plan) ctx.stdout.write(jsonLine({ groupId: group, ...p, applied: opts.execute === true }));
  } else {
    ctx.stdout.write(
      renderTable(
        [
          { header: 'TOPIC' },
          { header: 'PARTITION', align: 'right' },
          { header: 'CURRENT', align: 'right' },
          { header: 'NEW', align: 'right' },
        ],
        plan.map((p) => [
          p.topic,
          String(p.partition),
          p.currentOffset === null ? '-' : String(p.currentOffset),
          String(p.newOffset),
        ]),
        ctx.color,
      ),
    );
  }
  ctx.info(
    opts.execute
      ? `reset offsets of group '${group}' on '${opts.topic}'`
      : 'dry run: nothing changed; add --execute to apply',
  );
}

async function deleteGroup(ctx: Context, group: string) {
  const admin = await connectAdmin(ctx);
  const g = requireGroupAdmin(admin);
  try {
    const results = await g.deleteGroups([group]);
    const failed = results?.find((r) => r.errorCode !== 0);
    if (failed) throw Object.assign(new Error(`cannot delete group '${group}'`), { code: failed.errorCode });
  } catch (err) {
    const types = causeChain(err).map((e) => String(e.type ?? ''));
    const codes = causeChain(err).map((e) => e.code);
    if (types.includes('NON_EMPTY_GROUP') || codes.includes(68))
      throw new CliError(`group '${group}' has active members: stop them before deleting it`, { cause: err });
    if (types.includes('GROUP_ID_NOT_FOUND') || codes.includes(69))
      throw new CliError(`unknown group '${group}'`, { cause: err });
    throw err;
  }
  ctx.stdout.write(`deleted group '${group}'\n`);
}
