// `sluice topics create|list|describe|delete|alter`: topic administration through the SDK's admin client.
import { type Command, Option } from 'commander';
import { action, subcommand, withBrokers, withFormat, type Context } from '../lib/command.js';
import { CliError, UsageError } from '../lib/errors.js';
import { parseInteger, parseKeyValue } from '../lib/options.js';
import { formatCount, jsonLine, renderPairs, renderTable } from '../lib/output.js';
import { TOPIC_RESOURCE, connectAdmin, offsetsOf, requireTopic, type AdminClient } from '../lib/sdk.js';
import { isValidTopicName, TOPIC_NAME_RULE } from '../../storage/format/topic-name.js';

type Format = 'text' | 'json';

const configOption = () =>
  new Option('--config <key=value...>', 'topic config, e.g. retention.ms=86400000 (repeatable)').argParser(
    (raw: string, prev: Array<[string, string]> | undefined) => [...(prev ?? []), parseKeyValue('config')(raw)],
  );

export function register(program: Command): void {
  const topics = subcommand(program, 'topics', 'create, list, describe, alter and delete topics');

  const create = subcommand(topics, 'create', 'create a topic')
    .argument('<topic>', 'topic name')
    .option(
      '-p, --partitions <n>',
      'number of partitions (default: the broker default)',
      parseInteger('partitions', 1, 100_000),
    )
    .option(
      '--replication-factor <n>',
      'copies of each partition, on that many brokers (cluster mode; default: the broker default)',
      parseInteger('replication factor', 1, 32_767),
    )
    .addOption(configOption())
    .option('--if-not-exists', 'succeed when the topic already exists')
    .addHelpText(
      'after',
      `\nExamples:\n  sluice topics create orders --partitions 6\n  sluice topics create audit --config retention.ms=604800000 --config cleanup.policy=compact\n  sluice topics create orders --partitions 6 --replication-factor 3 --if-not-exists`,
    );
  withBrokers(create).action(action(createTopic));

  const list = subcommand(topics, 'list', 'list topics with their partition and record counts').option(
    '-a, --all',
    'include internal topics (__consumer_offsets, …)',
  );
  withFormat(withBrokers(list)).action(action(listTopics));

  const describe = subcommand(topics, 'describe', 'partitions, log start/end offsets and configs of a topic').argument(
    '<topic>',
    'topic name',
  );
  withFormat(withBrokers(describe)).action(action(describeTopic));

  const del = subcommand(topics, 'delete', 'delete a topic and all its records')
    .argument('<topic>', 'topic name')
    .option('--if-exists', 'succeed when the topic does not exist');
  withBrokers(del).action(action(deleteTopic));

  const alter = subcommand(topics, 'alter', "change a topic's configs")
    .argument('<topic>', 'topic name')
    .addOption(configOption())
    .option('--delete-config <key...>', 'restore a config to its default (repeatable)')
    .addHelpText(
      'after',
      `\nExamples:\n  sluice topics alter orders --config retention.ms=86400000\n  sluice topics alter orders --delete-config retention.ms`,
    );
  withBrokers(alter).action(action(alterTopic));
}

async function createTopic(
  ctx: Context,
  topic: string,
  opts: { partitions?: number; replicationFactor?: number; config?: Array<[string, string]>; ifNotExists?: boolean },
) {
  if (!isValidTopicName(topic)) {
    const shown = topic.length > 40 ? `${topic.slice(0, 40)}…' (${formatCount(topic.length)} characters)` : `${topic}'`;
    throw new UsageError(`invalid topic name '${shown}: a topic name is ${TOPIC_NAME_RULE}`);
  }
  const admin = await connectAdmin(ctx);
  const created = await admin.createTopics({
    topics: [
      {
        topic,
        ...(opts.partitions !== undefined ? { numPartitions: opts.partitions } : {}),
        ...(opts.replicationFactor !== undefined ? { replicationFactor: opts.replicationFactor } : {}),
        configEntries: (opts.config ?? []).map(([name, value]) => ({ name, value })),
      },
    ],
  });
  if (!created) {
    if (opts.ifNotExists) return void ctx.info(`topic '${topic}' already exists`);
    throw new CliError(`topic '${topic}' already exists`);
  }
  const offsets = await offsetsOf(admin, topic);
  ctx.stdout.write(`created topic '${topic}' with ${offsets.length} partition${offsets.length === 1 ? '' : 's'}\n`);
}

interface TopicSummary {
  topic: string;
  partitions: number;
  records: number;
  logEndOffset: number;
}

async function summarize(admin: AdminClient, topic: string): Promise<TopicSummary> {
  const offsets = await offsetsOf(admin, topic);
  return {
    topic,
    partitions: offsets.length,
    records: offsets.reduce((n, o) => n + (o.high - o.low), 0),
    logEndOffset: offsets.reduce((n, o) => n + o.high, 0),
  };
}

async function listTopics(ctx: Context, opts: { all?: boolean; format: Format }) {
  const admin = await connectAdmin(ctx);
  const names = (await admin.listTopics({ includeInternal: opts.all === true }))
    .filter((t) => opts.all || !t.startsWith('__'))
    .sort();
  const rows = await Promise.all(names.map((t) => summarize(admin, t)));
  if (opts.format === 'json') {
    for (const r of rows) ctx.stdout.write(jsonLine({ topic: r.topic, partitions: r.partitions, records: r.records }));
    return;
  }
  if (rows.length === 0) return void ctx.info('no topics yet: create one with `sluice topics create <topic>`');
  ctx.stdout.write(
    renderTable(
      [{ header: 'TOPIC' }, { header: 'PARTITIONS', align: 'right' }, { header: 'RECORDS', align: 'right' }],
      rows.map((r) => [r.topic, String(r.partitions), formatCount(r.records)]),
      ctx.color,
    ),
  );
}

async function describeTopic(ctx: Context, topic: string, opts: { format: Format }) {
  const admin = await connectAdmin(ctx);
  await requireTopic(admin, topic);
  const [meta, offsets, configs] = await Promise.all([
    admin.fetchTopicMetadata({ topics: [topic] }),
    offsetsOf(admin, topic),
    admin.describeConfigs({ resources: [{ type: TOPIC_RESOURCE, name: topic }], includeSynonyms: false }),
  ]);
  const leaders = new Map((meta.topics[0]?.partitions ?? []).map((p) => [p.partitionId, p.leader]));
  const entries = (configs.resources[0]?.configEntries ?? [])
    .slice()
    .sort((a, b) => a.configName.localeCompare(b.configName));
  const partitions = offsets.map((o) => ({
    partition: o.partition,
    leader: leaders.get(o.partition) ?? -1,
    logStartOffset: o.low,
    logEndOffset: o.high,
    records: o.high - o.low,
  }));
  if (opts.format === 'json') {
    ctx.stdout.write(
      jsonLine({
        topic,
        partitions,
        records: partitions.reduce((n, p) => n + p.records, 0),
        configs: Object.fromEntries(entries.map((e) => [e.configName, e.configValue])),
        overrides: entries.filter((e) => !e.isDefault).map((e) => e.configName),
      }),
    );
    return;
  }
  const c = ctx.color;
  ctx.stdout.write(
    `${renderPairs(
      [
        ['topic', topic],
        ['partitions', String(partitions.length)],
        ['records', formatCount(partitions.reduce((n, p) => n + p.records, 0))],
      ],
      c,
    )}\n`,
  );
  ctx.stdout.write(
    `${renderTable(
      [
        { header: 'PARTITION', align: 'right' },
        { header: 'LEADER', align: 'right' },
        { header: 'LOG-START', align: 'right' },
        { header: 'LOG-END', align: 'right' },
        { header: 'RECORDS', align: 'right' },
      ],
      partitions.map((p) => [
        String(p.partition),
        String(p.leader),
        String(p.logStartOffset),
        String(p.logEndOffset),
        formatCount(p.records),
      ]),
      c,
    )}\n`,
  );
  ctx.stdout.write(
    renderTable(
      [{ header: 'CONFIG' }, { header: 'VALUE' }, { header: 'SOURCE' }],
      entries.map((e) => [e.configName, e.configValue ?? '(null)', e.isDefault ? c.dim('default') : 'topic']),
      c,
    ),
  );
}

async function deleteTopic(ctx: Context, topic: string, opts: { ifExists?: boolean }) {
  const admin = await connectAdmin(ctx);
  if (opts.ifExists && !(await admin.listTopics()).includes(topic))
    return void ctx.info(`topic '${topic}' does not exist`);
  await requireTopic(admin, topic);
  await admin.deleteTopics({ topics: [topic] });
  ctx.stdout.write(`deleted topic '${topic}'\n`);
}

async function alterTopic(
  ctx: Context,
  topic: string,
  opts: { config?: Array<[string, string]>; deleteConfig?: string[] },
) {
  const set = opts.config ?? [];
  const reset = opts.deleteConfig ?? [];
  if (set.length === 0 && reset.length === 0)
    throw new UsageError('nothing to change: give --config key=value or --delete-config key');
  const admin = await connectAdmin(ctx);
  await requireTopic(admin, topic);
  await admin.alterConfigs({
    resources: [
      {
        type: TOPIC_RESOURCE,
        name: topic,
        configEntries: [
          ...set.map(([name, value]) => ({ name, value: value as string | null })),
          ...reset.map((name) => ({ name, value: null })),
        ],
      },
    ],
  });
  const names = [...set.map(([k]) => k), ...reset];
  const now = await admin.describeConfigs({ resources: [{ type: TOPIC_RESOURCE, name: topic, configNames: names }] });
  ctx.stdout.write(`altered topic '${topic}':\n`);
  for (const e of now.resources[0]?.configEntries ?? []) {
    if (names.includes(e.configName))
      ctx.stdout.write(`  ${e.configName}=${e.configValue ?? '(null)'}${e.isDefault ? ' (default)' : ''}\n`);
  }
}
