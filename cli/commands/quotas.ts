// `sluice quotas set|list|remove`: client quotas through the SDK's admin client, in the manner of
// kafka-configs.sh --entity-type users/clients. An entity is --user and/or --client-id, each a name or
// --default-user / --default-client-id; the quotas are producer_byte_rate, consumer_byte_rate,
// request_percentage (percent of one broker thread's time) and request_rate (`--producer-byte-rate 1048576`
// and so on).
//
// Where: a running broker (-b/SLUICE_BROKERS with the SASL/TLS flags), or a cluster's etcd directly
// (`--cluster etcd://host:port [--cluster-name n]`, as given to `sluice serve`), brokers running or not;
// every broker follows the change.
import type { Command } from 'commander';
import type { ClientQuotaEntity, ClientQuotaFilterComponent } from '../../src/client/index.js';
import { action, subcommand, withBrokers, withFormat, type Context } from '../lib/command.js';
import { UsageError } from '../lib/errors.js';
import { jsonLine, renderTable } from '../lib/output.js';
import { clusterTarget } from '../lib/cluster-option.js';
import { clusterQuotaAdmin, type QuotaAdmin } from '../lib/cluster-security.js';
import { connectAdmin } from '../lib/sdk.js';

interface QuotaFlags {
  user?: string;
  clientId?: string;
  defaultUser?: boolean;
  defaultClientId?: boolean;
  producerByteRate?: string;
  consumerByteRate?: string;
  requestRate?: string;
  requestPercentage?: string;
  quota?: string[];
  format?: 'text' | 'json';
  cluster?: string;
  clusterName?: string;
}

const KEYS = [
  ['producerByteRate', 'producer_byte_rate'],
  ['consumerByteRate', 'consumer_byte_rate'],
  ['requestPercentage', 'request_percentage'],
  ['requestRate', 'request_rate'],
] as const;

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',').filter(Boolean)];

function entityFlags(cmd: Command): Command {
  return cmd
    .option('--user <name>', 'a user (the principal name without "User:")')
    .option('--default-user', 'the default user: every user without a quota of its own')
    .option('--client-id <id>', 'a client id')
    .option('--default-client-id', 'the default client id: every client id without a quota of its own')
    .option(
      '--cluster <etcd://host:port>',
      "a cluster's etcd (as given to sluice serve): its quotas, brokers running or not (-b is then not used)",
    )
    .option('--cluster-name <name>', "with --cluster: the cluster's name (default: sluice)");
}

/** The cluster's etcd with --cluster, else a running broker. */
async function quotaAdmin(ctx: Context, flags: QuotaFlags): Promise<QuotaAdmin> {
  const cluster = clusterTarget(flags.cluster, flags.clusterName, '--cluster');
  return cluster ? clusterQuotaAdmin(cluster) : connectAdmin(ctx);
}

export function register(program: Command): void {
  const quotas = subcommand(
    program,
    'quotas',
    'set, list and remove client quotas (bytes per second produced or fetched, share of broker thread time, requests per second)',
  );

  const set = subcommand(quotas, 'set', 'set quotas of a user, a client id, or a user and client id')
    .option('--producer-byte-rate <bytes/s>', 'bytes per second the entity may produce')
    .option('--consumer-byte-rate <bytes/s>', 'bytes per second the entity may be sent by fetches')
    .option(
      '--request-percentage <percent>',
      'share of one broker thread’s time its requests may take (50: 500 ms of every second; over 100: more than one thread)',
    )
    .option('--request-rate <requests/s>', 'requests per second, of any kind');
  withBrokers(entityFlags(set)).action(action(setQuotas));

  const list = subcommand(quotas, 'list', 'list quotas, all of them or those of the entity the flags name');
  withFormat(withBrokers(entityFlags(list))).action(action(listQuotas));

  const remove = subcommand(
    quotas,
    'remove',
    "remove an entity's quotas (all of them, or those named by --quota)",
  ).option(
    '--quota <name>',
    'only this quota (producer_byte_rate, consumer_byte_rate, request_percentage, request_rate); repeatable',
    collect,
  );
  withBrokers(entityFlags(remove)).action(action(removeQuotas));
}

/** The entity the flags name, or undefined when none is named (list only). */
function entityOf(flags: QuotaFlags): ClientQuotaEntity | undefined {
  if (flags.user !== undefined && flags.defaultUser) throw new UsageError('give --user or --default-user, not both');
  if (flags.clientId !== undefined && flags.defaultClientId)
    throw new UsageError('give --client-id or --default-client-id, not both');
  if (flags.user === '' || flags.clientId === '') throw new UsageError('a user or client id must not be empty');
  const entity: ClientQuotaEntity = {};
  if (flags.user !== undefined) entity.user = flags.user;
  if (flags.defaultUser) entity.user = null;
  if (flags.clientId !== undefined) entity.clientId = flags.clientId;
  if (flags.defaultClientId) entity.clientId = null;
  return Object.keys(entity).length === 0 ? undefined : entity;
}

function requiredEntity(flags: QuotaFlags): ClientQuotaEntity {
  const entity = entityOf(flags);
  if (!entity)
    throw new UsageError(
      'name the entity: --user <name> or --default-user, and/or --client-id <id> or --default-client-id',
    );
  return entity;
}

function quotaValue(flag: string, raw: string): number {
  if (flag !== '--request-percentage') return rateOf(flag, raw);
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !Number.isFinite(value) || value <= 0)
    throw new UsageError(`--request-percentage must be a number of percent above 0, like 25 or 0.5, got "${raw}"`);
  return value;
}

function rateOf(flag: string, raw: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < 1)
    throw new UsageError(`${flag} must be a whole number per second, at least 1, got "${raw}"`);
  return value;
}

function describeEntity(entity: ClientQuotaEntity): string {
  const parts: string[] = [];
  if (entity.user !== undefined) parts.push(`user=${entity.user ?? '<default>'}`);
  if (entity.clientId !== undefined) parts.push(`client-id=${entity.clientId ?? '<default>'}`);
  return parts.join(', ');
}

async function setQuotas(ctx: Context, flags: QuotaFlags) {
  const entity = requiredEntity(flags);
  const ops = KEYS.filter(([flag]) => flags[flag] !== undefined).map(([flag, key]) => ({
    key,
    value: quotaValue(`--${key.replaceAll('_', '-')}`, flags[flag]!),
  }));
  if (ops.length === 0)
    throw new UsageError(
      'say which quota to set: --producer-byte-rate, --consumer-byte-rate, --request-percentage or --request-rate',
    );
  const admin = await quotaAdmin(ctx, flags);
  await admin.alterClientQuotas({ entries: [{ entity, ops }] });
  ctx.info(`set ${ops.map((o) => `${o.key}=${o.value}`).join(', ')} for ${describeEntity(entity)}`);
}

function componentsOf(entity: ClientQuotaEntity | undefined): ClientQuotaFilterComponent[] {
  if (!entity) return [];
  const components: ClientQuotaFilterComponent[] = [];
  if (entity.user !== undefined)
    components.push(
      entity.user === null
        ? { entityType: 'user', matchType: 'default' }
        : { entityType: 'user', matchType: 'exact', match: entity.user },
    );
  if (entity.clientId !== undefined)
    components.push(
      entity.clientId === null
        ? { entityType: 'client-id', matchType: 'default' }
        : { entityType: 'client-id', matchType: 'exact', match: entity.clientId },
    );
  return components;
}

async function listQuotas(ctx: Context, flags: QuotaFlags) {
  const entity = entityOf(flags);
  const admin = await quotaAdmin(ctx, flags);
  const entries = await admin.describeClientQuotas({ components: componentsOf(entity), strict: entity !== undefined });
  const rows = entries
    .flatMap((e) =>
      Object.entries(e.values).map(([quota, value]) => ({
        user: e.entity.user === undefined ? '' : (e.entity.user ?? '<default>'),
        clientId: e.entity.clientId === undefined ? '' : (e.entity.clientId ?? '<default>'),
        quota,
        value,
      })),
    )
    .sort((a, b) => `${a.user}\0${a.clientId}\0${a.quota}`.localeCompare(`${b.user}\0${b.clientId}\0${b.quota}`));
  if (flags.format === 'json') {
    for (const r of rows) ctx.stdout.write(jsonLine(r));
    return;
  }
  if (rows.length === 0) return void ctx.info('no quotas match');
  ctx.stdout.write(
    renderTable(
      [{ header: 'USER' }, { header: 'CLIENT-ID' }, { header: 'QUOTA' }, { header: 'VALUE', align: 'right' }],
      rows.map((r) => [r.user, r.clientId, r.quota, String(r.value)]),
      ctx.color,
    ),
  );
}

async function removeQuotas(ctx: Context, flags: QuotaFlags) {
  const entity = requiredEntity(flags);
  const admin = await quotaAdmin(ctx, flags);
  const existing = await admin.describeClientQuotas({ components: componentsOf(entity), strict: true });
  const values = existing[0]?.values ?? {};
  const named = flags.quota ?? Object.keys(values);
  const keys = named.filter((k) => k in values);
  if (keys.length === 0) return void ctx.info(`no quotas to remove for ${describeEntity(entity)}`);
  await admin.alterClientQuotas({ entries: [{ entity, ops: keys.map((key) => ({ key, remove: true })) }] });
  ctx.info(`removed ${keys.join(', ')} for ${describeEntity(entity)}`);
}
