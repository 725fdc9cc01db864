// admin.createAcls / describeAcls / deleteAcls with kafkajs's shapes and numeric enums (client/acl.ts),
// sent as the native CreateAcls / DescribeAcls / DeleteAcls (named values). A bad entry is refused before
// anything is sent (KafkaJSNonRetriableError naming the field); a broker refusal rejects with
// KafkaJSProtocolError (CLUSTER_AUTHORIZATION_FAILED without Alter/Describe on the cluster, INVALID_REQUEST).
import { CreateAclsApi } from '../protocol/apis/create-acls.js';
import { DeleteAclsApi } from '../protocol/apis/delete-acls.js';
import { type AclBindingValue, DescribeAclsApi, type DescribeAclsRequest } from '../protocol/apis/describe-acls.js';
import {
  type AclEntry,
  type AclFilter,
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  type DeleteAclResponse,
  type DescribeAclResource,
  type DescribeAclResponse,
  ResourcePatternTypes,
} from './acl.js';
import type { Cluster } from './cluster.js';
import { SluiceNonRetriableError, SluiceProtocolError } from './errors.js';

type Run = <T>(fn: () => Promise<T>) => Promise<T>;
type WireFilter = DescribeAclsRequest['filter'];

const RESOURCE_TYPES = new Map<number, AclBindingValue['resourceType']>([
  [AclResourceTypes.TOPIC, 'topic'],
  [AclResourceTypes.GROUP, 'group'],
  [AclResourceTypes.CLUSTER, 'cluster'],
  [AclResourceTypes.TRANSACTIONAL_ID, 'transactional-id'],
]);
const PATTERN_TYPES = new Map<number, WireFilter['patternType'] & string>([
  [ResourcePatternTypes.LITERAL, 'literal'],
  [ResourcePatternTypes.PREFIXED, 'prefixed'],
  [ResourcePatternTypes.MATCH, 'match'],
]);
const OPERATIONS = new Map<number, AclBindingValue['operation']>([
  [AclOperationTypes.ALL, 'All'],
  [AclOperationTypes.READ, 'Read'],
  [AclOperationTypes.WRITE, 'Write'],
  [AclOperationTypes.CREATE, 'Create'],
  [AclOperationTypes.DELETE, 'Delete'],
  [AclOperationTypes.ALTER, 'Alter'],
  [AclOperationTypes.DESCRIBE, 'Describe'],
  [AclOperationTypes.CLUSTER_ACTION, 'ClusterAction'],
  [AclOperationTypes.DESCRIBE_CONFIGS, 'DescribeConfigs'],
  [AclOperationTypes.ALTER_CONFIGS, 'AlterConfigs'],
  [AclOperationTypes.IDEMPOTENT_WRITE, 'IdempotentWrite'],
]);
const PERMISSIONS = new Map<number, AclBindingValue['permission']>([
  [AclPermissionTypes.DENY, 'deny'],
  [AclPermissionTypes.ALLOW, 'allow'],
]);

function inverse<V>(map: Map<number, V>): Map<V, number> {
  return new Map([...map].map(([code, name]) => [name, code]));
}
const RESOURCE_CODES = inverse(RESOURCE_TYPES);
const PATTERN_CODES = inverse(PATTERN_TYPES);
const OPERATION_CODES = inverse(OPERATIONS);
const PERMISSION_CODES = inverse(PERMISSIONS);

function named<V>(what: string, value: unknown, map: Map<number, V>): V {
  const name = typeof value === 'number' ? map.get(value) : undefined;
  if (name === undefined) throw new SluiceNonRetriableError(`Invalid ${what} ${String(value)}`);
  return name;
}

/** ANY (1) matches everything in a filter. */
function filterValue<V>(what: string, value: unknown, map: Map<number, V>): V | null {
  return value === AclResourceTypes.ANY ? null : named(what, value, map);
}

/** An SDK ACL entry (kafkajs's numeric enums) as the named binding both the wire and the broker use. */
export function bindingOf(entry: AclEntry): AclBindingValue {
  if (typeof entry?.principal !== 'string' || typeof entry.host !== 'string' || typeof entry.resourceName !== 'string')
    throw new SluiceNonRetriableError('Invalid ACL: principal, host and resourceName must be strings');
  const patternType = named('resourcePatternType', entry.resourcePatternType, PATTERN_TYPES);
  if (patternType === 'match')
    throw new SluiceNonRetriableError('Invalid resourcePatternType MATCH: an ACL is LITERAL or PREFIXED');
  return {
    principal: entry.principal,
    host: entry.host,
    resourceType: named('resourceType', entry.resourceType, RESOURCE_TYPES),
    resourceName: entry.resourceName,
    patternType,
    operation: named('operation', entry.operation, OPERATIONS),
    permission: named('permissionType', entry.permissionType, PERMISSIONS),
  };
}

/** An SDK ACL filter (ANY for a field left open) as the named filter of the wire (null for a field left open). */
export function filterOf(filter: AclFilter): WireFilter {
  return {
    principal: filter?.principal ?? null,
    host: filter?.host ?? null,
    resourceType: filterValue('resourceType', filter?.resourceType, RESOURCE_TYPES),
    resourceName: filter?.resourceName ?? null,
    patternType: filterValue('resourcePatternType', filter?.resourcePatternType, PATTERN_TYPES),
    operation: filterValue('operation', filter?.operation, OPERATIONS),
    permission: filterValue('permissionType', filter?.permissionType, PERMISSIONS),
  };
}

function entryOf(b: AclBindingValue) {
  return {
    resourceType: RESOURCE_CODES.get(b.resourceType)!,
    resourceName: b.resourceName,
    resourcePatternType: PATTERN_CODES.get(b.patternType)!,
    principal: b.principal,
    host: b.host,
    operation: OPERATION_CODES.get(b.operation)!,
    permissionType: PERMISSION_CODES.get(b.permission)!,
  };
}

function refusal(r: { errorCode: number; errorMessage: string | null }): SluiceProtocolError {
  return new SluiceProtocolError(r.errorCode, r.errorMessage ?? undefined);
}

export async function createAcls(cluster: Cluster, run: Run, options: { acl: AclEntry[] }): Promise<boolean> {
  const acl = options?.acl;
  if (!Array.isArray(acl) || acl.length === 0) throw new SluiceNonRetriableError('Invalid ACL array: give [{ … }, …]');
  const acls = acl.map(bindingOf);
  const response = await run(async () => (await cluster.anyConnection()).send(CreateAclsApi, { acls }));
  const failed = response.results.find((r) => r.errorCode !== 0);
  if (failed) throw refusal(failed);
  return true;
}

export async function describeAcls(cluster: Cluster, run: Run, options: AclFilter): Promise<DescribeAclResponse> {
  const filter = filterOf(options);
  const response = await run(async () => (await cluster.anyConnection()).send(DescribeAclsApi, { filter }));
  if (response.errorCode !== 0) throw refusal(response);
  return describeAclResponseOf(response.acls);
}

export async function deleteAcls(
  cluster: Cluster,
  run: Run,
  options: { filters: AclFilter[] },
): Promise<DeleteAclResponse> {
  const given = options?.filters;
  if (!Array.isArray(given) || given.length === 0)
    throw new SluiceNonRetriableError('Invalid filters array: give [{ … }, …]');
  const filters = given.map(filterOf);
  const response = await run(async () => (await cluster.anyConnection()).send(DeleteAclsApi, { filters }));
  const failed = response.results.find((r) => r.errorCode !== 0);
  if (failed) throw refusal(failed);
  return deleteAclResponseOf(response.results.map((r) => r.deleted));
}

/** Named bindings as kafkajs's DescribeAcls answer: grouped by resource pattern, numeric enums. */
export function describeAclResponseOf(bindings: readonly AclBindingValue[]): DescribeAclResponse {
  const resources = new Map<string, DescribeAclResource>();
  for (const b of bindings) {
    const entry = entryOf(b);
    const key = JSON.stringify([entry.resourceType, entry.resourcePatternType, entry.resourceName]);
    let resource = resources.get(key);
    if (!resource) {
      resource = {
        resourceType: entry.resourceType,
        resourceName: entry.resourceName,
        resourcePatternType: entry.resourcePatternType,
        acls: [],
      };
      resources.set(key, resource);
    }
    resource.acls.push({
      principal: entry.principal,
      host: entry.host,
      operation: entry.operation,
      permissionType: entry.permissionType,
    });
  }
  return { throttleTime: 0, errorCode: 0, resources: [...resources.values()] };
}

/** Per filter, the named bindings it removed, as kafkajs's DeleteAcls answer. */
export function deleteAclResponseOf(deleted: ReadonlyArray<readonly AclBindingValue[]>): DeleteAclResponse {
  return {
    throttleTime: 0,
    filterResponses: deleted.map((bindings) => ({
      errorCode: 0,
      matchingAcls: bindings.map((b) => ({ errorCode: 0, ...entryOf(b) })),
    })),
  };
}
