// `sluice acls add|list|remove`: ACLs through the SDK's admin client, in the manner of kafka-acls.sh.
// One resource per command (--topic, --group, --cluster or --transactional-id, --prefixed for a name
// prefix), one or more operations; `remove` deletes exactly the ACLs the flags describe (flags left out
// match anything), and says how many it removed.
//
// Where: a running broker (-b/SLUICE_BROKERS with the SASL/TLS flags, Alter or Describe on the cluster
// needed), or a cluster's etcd directly (`--etcd etcd://host:port [--cluster-name n]`, as given to
// `sluice serve --cluster`), brokers running or not: the ACLs are in place before the first broker starts
// with --auth, and every broker follows the change.
import type { Command } from 'commander';
import {
  type AclEntry,
  type AclFilter,
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
} from '../../src/client/index.js';
import { action, subcommand, withBrokers, withFormat, type Context } from '../lib/command.js';
import { UsageError } from '../lib/errors.js';
import { jsonLine, renderTable } from '../lib/output.js';
import { clusterTarget } from '../lib/cluster-option.js';
import { type AclAdmin, clusterAclAdmin } from '../lib/cluster-security.js';
import { connectAdmin } from '../lib/sdk.js';

type Format = 'text' | 'json';

interface AclFlags {
  principal?: string[];
  host?: string;
  operation?: string[];
  topic?: string;
  group?: string;
  cluster?: boolean;
  transactionalId?: string;
  prefixed?: boolean;
  deny?: boolean;
  allow?: boolean;
  format?: Format;
  etcd?: string;
  clusterName?: string;
}

const OPERATIONS: ReadonlyArray<[string, AclOperationTypes]> = [
  ['All', AclOperationTypes.ALL],
  ['Read', AclOperationTypes.READ],
  ['Write', AclOperationTypes.WRITE],
  ['Create', AclOperationTypes.CREATE],
  ['Delete', AclOperationTypes.DELETE],
  ['Alter', AclOperationTypes.ALTER],
  ['Describe', AclOperationTypes.DESCRIBE],
  ['ClusterAction', AclOperationTypes.CLUSTER_ACTION],
  ['DescribeConfigs', AclOperationTypes.DESCRIBE_CONFIGS],
  ['AlterConfigs', AclOperationTypes.ALTER_CONFIGS],
  ['IdempotentWrite', AclOperationTypes.IDEMPOTENT_WRITE],
];
const RESOURCE_NAMES = new Map<number, string>([
  [AclResourceTypes.TOPIC, 'topic'],
  [AclResourceTypes.GROUP, 'group'],
  [AclResourceTypes.CLUSTER, 'cluster'],
  [AclResourceTypes.TRANSACTIONAL_ID, 'transactional-id'],
]);

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',').filter(Boolean)];

function resourceFlags(cmd: Command): Command {
  return cmd
    .option('--topic <name>', 'a topic (with --prefixed: every topic whose name starts with it; "*": every topic)')
    .option('--group <name>', 'a consumer or share group (same rules)')
    .option('--cluster', 'the cluster (creating topics, ACLs, idempotent producers, broker configs)')
    .option('--transactional-id <id>', 'a transactional id')
    .option('--prefixed', 'the name is a prefix, not a whole name')
    .option(
      '--etcd <etcd://host:port>',
      "a cluster's etcd (as given to sluice serve --cluster): its ACLs, brokers running or not (-b is then not used)",
    )
    .option('--cluster-name <name>', "with --etcd: the cluster's name (default: sluice)");
}

/** The cluster's etcd with --etcd, else a running broker. */
async function aclAdmin(ctx: Context, flags: AclFlags): Promise<AclAdmin> {
  const cluster = clusterTarget(flags.etcd, flags.clusterName, '--etcd');
  return cluster ? clusterAclAdmin(cluster) : connectAdmin(ctx);
}

export function register(program: Command): void {
  const acls = subcommand(
    program,
    'acls',
    'add, list and remove ACLs (who may do what on which topic, group or cluster)',
  );

  const add = subcommand(acls, 'add', 'allow (or with --deny, deny) principals operations on a resource')
    .requiredOption('--principal <User:name>', 'who ("User:alice", "User:*" for everyone); repeatable', collect)
    .requiredOption(
      '--operation <op>',
      `what (${OPERATIONS.map(([name]) => name).join(', ')}); repeatable or comma-separated`,
      collect,
    )
    .option('--host <address>', 'only from this client address', '*')
    .option('--deny', 'a deny ACL (a deny always wins over an allow)');
  withBrokers(resourceFlags(add)).action(action(addAcls));

  const list = subcommand(acls, 'list', 'list ACLs, all of them or those matching the flags')
    .option('--principal <User:name>', 'only this principal', collect)
    .option('--operation <op>', 'only this operation', collect);
  withFormat(withBrokers(resourceFlags(list))).action(action(listAcls));

  const remove = subcommand(acls, 'remove', 'remove the ACLs matching the flags (flags left out match anything)')
    .option('--principal <User:name>', 'only this principal', collect)
    .option('--operation <op>', 'only this operation', collect)
    .option('--host <address>', 'only ACLs for this host')
    .option('--deny', 'only deny ACLs')
    .option('--allow', 'only allow ACLs');
  withBrokers(resourceFlags(remove)).action(action(removeAcls));
}

function operationOf(raw: string): AclOperationTypes {
  const wanted = raw.replace(/[-_\s]/g, '').toLowerCase();
  const found = OPERATIONS.find(([name]) => name.toLowerCase() === wanted);
  if (!found)
    throw new UsageError(`unknown operation "${raw}": use one of ${OPERATIONS.map(([name]) => name).join(', ')}`);
  return found[1];
}

function principalOf(raw: string): string {
  const colon = raw.indexOf(':');
  if (colon <= 0 || colon === raw.length - 1)
    throw new UsageError(`a principal is written "User:<name>" (for example "User:alice"), got "${raw}"`);
  return raw;
}

/** The resource the flags name, or undefined when none is given (allowed for list and remove). */
function resourceOf(flags: AclFlags): { type: AclResourceTypes; name: string } | undefined {
  const given = [
    flags.topic !== undefined && { type: AclResourceTypes.TOPIC, name: flags.topic },
    flags.group !== undefined && { type: AclResourceTypes.GROUP, name: flags.group },
    flags.cluster === true && { type: AclResourceTypes.CLUSTER, name: 'kafka-cluster' },
    flags.transactionalId !== undefined && { type: AclResourceTypes.TRANSACTIONAL_ID, name: flags.transactionalId },
  ].filter((r): r is { type: AclResourceTypes; name: string } => r !== false);
  if (given.length > 1) throw new UsageError('name one resource: --topic, --group, --cluster or --transactional-id');
  const resource = given[0];
  if (resource && resource.name.length === 0) throw new UsageError('the resource name must not be empty');
  if (flags.prefixed && (!resource || resource.type === AclResourceTypes.CLUSTER))
    throw new UsageError('--prefixed needs --topic, --group or --transactional-id');
  return resource;
}

async function addAcls(ctx: Context, flags: AclFlags) {
  const resource = resourceOf(flags);
  if (!resource) throw new UsageError('name the resource: --topic, --group, --cluster or --transactional-id');
  const principals = (flags.principal ?? []).map(principalOf);
  const operations = (flags.operation ?? []).map(operationOf);
  const acl: AclEntry[] = principals.flatMap((principal) =>
    operations.map((operation) => ({
      resourceType: resource.type,
      resourceName: resource.name,
      resourcePatternType: flags.prefixed ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
      principal,
      host: flags.host ?? '*',
      operation,
      permissionType: flags.deny ? AclPermissionTypes.DENY : AclPermissionTypes.ALLOW,
    })),
  );
  const admin = await aclAdmin(ctx, flags);
  await admin.createAcls({ acl });
  ctx.info(`added ${acl.length} ACL${acl.length === 1 ? '' : 's'}`);
}

/** One filter per principal × operation named (ANY where a flag is left out). */
function filtersOf(flags: AclFlags): AclFilter[] {
  const resource = resourceOf(flags);
  const base = {
    resourceType: resource?.type ?? AclResourceTypes.ANY,
    ...(resource ? { resourceName: resource.name } : {}),
    resourcePatternType: resource
      ? flags.prefixed
        ? ResourcePatternTypes.PREFIXED
        : ResourcePatternTypes.LITERAL
      : ResourcePatternTypes.ANY,
    ...(flags.host !== undefined ? { host: flags.host } : {}),
    permissionType:
      flags.deny && !flags.allow
        ? AclPermissionTypes.DENY
        : flags.allow && !flags.deny
          ? AclPermissionTypes.ALLOW
          : AclPermissionTypes.ANY,
  };
  const principals = flags.principal?.map(principalOf) ?? [undefined];
  const operations = flags.operation?.map(operationOf) ?? [AclOperationTypes.ANY];
  return principals.flatMap((principal) =>
    operations.map((operation) => ({ ...base, ...(principal ? { principal } : {}), operation })),
  );
}

function operationName(code: number): string {
  return OPERATIONS.find(([, c]) => c === code)?.[0] ?? String(code);
}

async function listAcls(ctx: Context, flags: AclFlags) {
  const filters = filtersOf(flags);
  const admin = await aclAdmin(ctx, flags);
  const rows: Array<Record<string, string>> = [];
  for (const filter of filters) {
    const described = await admin.describeAcls(filter);
    for (const r of described.resources) {
      for (const a of r.acls) {
        rows.push({
          principal: a.principal,
          permission: a.permissionType === AclPermissionTypes.DENY ? 'deny' : 'allow',
          operation: operationName(a.operation),
          resourceType: RESOURCE_NAMES.get(r.resourceType) ?? String(r.resourceType),
          resourceName: r.resourceName,
          patternType: r.resourcePatternType === ResourcePatternTypes.PREFIXED ? 'prefixed' : 'literal',
          host: a.host,
        });
      }
    }
  }
  rows.sort((a, b) => JSON.stringify(Object.values(a)).localeCompare(JSON.stringify(Object.values(b))));
  if (flags.format === 'json') {
    for (const r of rows) ctx.stdout.write(jsonLine(r));
    return;
  }
  if (rows.length === 0) return void ctx.info('no ACLs match');
  ctx.stdout.write(
    renderTable(
      [
        { header: 'PRINCIPAL' },
        { header: 'PERMISSION' },
        { header: 'OPERATION' },
        { header: 'RESOURCE' },
        { header: 'PATTERN' },
        { header: 'HOST' },
      ],
      rows.map((r) => [
        r.principal!,
        r.permission!,
        r.operation!,
        `${r.resourceType}:${r.resourceName}`,
        r.patternType!,
        r.host!,
      ]),
      ctx.color,
    ),
  );
}

async function removeAcls(ctx: Context, flags: AclFlags) {
  const filters = filtersOf(flags);
  if (!resourceOf(flags) && flags.principal === undefined && flags.operation === undefined && flags.host === undefined)
    throw new UsageError(
      'say which ACLs to remove: --topic/--group/--cluster/--transactional-id, --principal or --operation',
    );
  const admin = await aclAdmin(ctx, flags);
  const deleted = await admin.deleteAcls({ filters });
  const count = deleted.filterResponses.reduce((n, f) => n + f.matchingAcls.length, 0);
  ctx.info(count === 0 ? 'no ACLs matched: nothing removed' : `removed ${count} ACL${count === 1 ? '' : 's'}`);
}
