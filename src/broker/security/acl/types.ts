// ACL bindings as Kafka has them: a principal (or "User:*") on a host (or "*") is allowed or denied an
// operation on a resource pattern (a resource type and a literal name, the literal "*" for every name,
// or a name prefix). Share groups are authorized as groups, as Kafka does (KIP-932). The numbers are
// Kafka's (AclOperation, ResourceType, PatternType, AclPermissionType), used on both wires.
import { ACL_OPERATIONS, ACL_PATTERN_TYPES, ACL_PERMISSIONS, ACL_RESOURCE_TYPES } from '../../../protocol/index.js';

export const RESOURCE_TYPES = ACL_RESOURCE_TYPES;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export const PATTERN_TYPES = ACL_PATTERN_TYPES;
export type PatternType = (typeof PATTERN_TYPES)[number];

export const OPERATIONS = ACL_OPERATIONS;
export type Operation = (typeof OPERATIONS)[number];

export const PERMISSIONS = ACL_PERMISSIONS;
export type Permission = (typeof PERMISSIONS)[number];

/** The cluster resource's only name (Kafka's "kafka-cluster"). */
export const CLUSTER_NAME = 'kafka-cluster';
/** The literal resource name matching every name of its type; the principal and host matching anyone. */
export const WILDCARD = '*';
export const WILDCARD_PRINCIPAL = 'User:*';

export interface AclBinding {
  /** "User:alice", or "User:*" for every principal. */
  readonly principal: string;
  /** A client address, or "*" for any. */
  readonly host: string;
  readonly resourceType: ResourceType;
  readonly resourceName: string;
  readonly patternType: PatternType;
  readonly operation: Operation;
  readonly permission: Permission;
}

/**
 * Which bindings DescribeAcls lists and DeleteAcls removes: an absent field matches anything. A
 * `patternType` of 'match' matches every pattern that would apply to `resourceName` (literal of that name,
 * the "*" literal, and prefixes of it), as Kafka's PatternType.MATCH.
 */
export interface AclFilter {
  principal?: string;
  host?: string;
  resourceType?: ResourceType;
  resourceName?: string;
  patternType?: PatternType | 'match';
  operation?: Operation;
  permission?: Permission;
}

// Kafka's numbers (org.apache.kafka.common.acl / resource). UNKNOWN = 0, ANY = 1 everywhere.
export const ANY_CODE = 1;

export const RESOURCE_TYPE_CODES: Readonly<Record<ResourceType, number>> = {
  topic: 2,
  group: 3,
  cluster: 4,
  'transactional-id': 5,
};

export const PATTERN_TYPE_CODES: Readonly<Record<PatternType | 'match', number>> = {
  match: 2,
  literal: 3,
  prefixed: 4,
};

export const OPERATION_CODES: Readonly<Record<Operation, number>> = {
  All: 2,
  Read: 3,
  Write: 4,
  Create: 5,
  Delete: 6,
  Alter: 7,
  Describe: 8,
  ClusterAction: 9,
  DescribeConfigs: 10,
  AlterConfigs: 11,
  IdempotentWrite: 12,
};

export const PERMISSION_CODES: Readonly<Record<Permission, number>> = { deny: 2, allow: 3 };

function inverse<K extends string>(codes: Readonly<Record<K, number>>): ReadonlyMap<number, K> {
  return new Map(Object.entries(codes).map(([name, code]) => [code as number, name as K]));
}

export const RESOURCE_TYPE_BY_CODE = inverse(RESOURCE_TYPE_CODES);
export const PATTERN_TYPE_BY_CODE = inverse(PATTERN_TYPE_CODES);
export const OPERATION_BY_CODE = inverse(OPERATION_CODES);
export const PERMISSION_BY_CODE = inverse(PERMISSION_CODES);

/** Thrown for a binding or filter that cannot be stored or used; the message says what is wrong. */
export class AclError extends Error {
  override name = 'AclError';
}

/** The key of a binding: two bindings with the same key are the same ACL. */
export function bindingKey(b: AclBinding): string {
  return JSON.stringify([
    b.principal,
    b.host,
    b.resourceType,
    b.resourceName,
    b.patternType,
    b.operation,
    b.permission,
  ]);
}

/** Checks a binding to store; throws AclError with a sentence naming the bad field. */
export function validateBinding(b: AclBinding): AclBinding {
  if (!RESOURCE_TYPES.includes(b.resourceType))
    throw new AclError(
      `resource type must be one of ${RESOURCE_TYPES.join(', ')}, got ${JSON.stringify(b.resourceType)}`,
    );
  if (!PATTERN_TYPES.includes(b.patternType))
    throw new AclError(`pattern type must be literal or prefixed, got ${JSON.stringify(b.patternType)}`);
  if (!OPERATIONS.includes(b.operation))
    throw new AclError(`operation must be one of ${OPERATIONS.join(', ')}, got ${JSON.stringify(b.operation)}`);
  if (!PERMISSIONS.includes(b.permission))
    throw new AclError(`permission must be allow or deny, got ${JSON.stringify(b.permission)}`);
  if (typeof b.resourceName !== 'string' || b.resourceName.length === 0)
    throw new AclError('the resource name must not be empty');
  if (b.resourceType === 'cluster' && (b.resourceName !== CLUSTER_NAME || b.patternType !== 'literal'))
    throw new AclError(`the cluster resource is named "${CLUSTER_NAME}" (literal), got "${b.resourceName}"`);
  if (b.patternType === 'prefixed' && b.resourceName === WILDCARD)
    throw new AclError('a prefixed pattern cannot be "*": use a literal "*" for every name');
  const colon = typeof b.principal === 'string' ? b.principal.indexOf(':') : -1;
  if (colon <= 0 || colon === b.principal.length - 1)
    throw new AclError(
      `a principal is written "<type>:<name>" (for example "User:alice"), got ${JSON.stringify(b.principal)}`,
    );
  if (typeof b.host !== 'string' || b.host.length === 0) throw new AclError('the host must be an address or "*"');
  return Object.freeze({
    principal: b.principal,
    host: b.host,
    resourceType: b.resourceType,
    resourceName: b.resourceName,
    patternType: b.patternType,
    operation: b.operation,
    permission: b.permission,
  });
}

/** True when `binding` is one `filter` selects (DescribeAcls, DeleteAcls). */
export function filterMatches(filter: AclFilter, b: AclBinding): boolean {
  if (filter.principal !== undefined && filter.principal !== b.principal) return false;
  if (filter.host !== undefined && filter.host !== b.host) return false;
  if (filter.resourceType !== undefined && filter.resourceType !== b.resourceType) return false;
  if (filter.operation !== undefined && filter.operation !== b.operation) return false;
  if (filter.permission !== undefined && filter.permission !== b.permission) return false;
  if (filter.patternType === 'match') {
    if (filter.resourceName === undefined) return true;
    if (b.patternType === 'literal') return b.resourceName === filter.resourceName || b.resourceName === WILDCARD;
    return filter.resourceName.startsWith(b.resourceName);
  }
  if (filter.patternType !== undefined && filter.patternType !== b.patternType) return false;
  if (filter.resourceName !== undefined && filter.resourceName !== b.resourceName) return false;
  return true;
}
