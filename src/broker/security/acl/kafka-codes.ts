// Kafka's numeric ACL fields (CreateAcls, DescribeAcls, DeleteAcls) to and from Sluice's bindings and
// filters. ANY (1) in a filter matches everything; UNKNOWN (0), and ANY or MATCH in a binding to create,
// are refused with a sentence.
import {
  ANY_CODE,
  type AclBinding,
  AclError,
  type AclFilter,
  OPERATION_BY_CODE,
  OPERATION_CODES,
  PATTERN_TYPE_BY_CODE,
  PATTERN_TYPE_CODES,
  PERMISSION_BY_CODE,
  PERMISSION_CODES,
  RESOURCE_TYPE_BY_CODE,
  RESOURCE_TYPE_CODES,
} from './types.js';

export interface KafkaAclCodes {
  resourceType: number;
  patternType: number;
  operation: number;
  permissionType: number;
}

function named<T>(what: string, code: number, byCode: ReadonlyMap<number, T>): T {
  const name = byCode.get(code);
  if (name === undefined) throw new AclError(`${what} ${code} is not one this broker knows`);
  return name;
}

function filterField<T>(what: string, code: number, byCode: ReadonlyMap<number, T>): T | undefined {
  return code === ANY_CODE ? undefined : named(what, code, byCode);
}

/** A binding to create; throws AclError for codes that do not name one thing. */
export function bindingFromKafka(
  codes: KafkaAclCodes & { resourceName: string; principal: string; host: string },
): AclBinding {
  const patternType = named('pattern type', codes.patternType, PATTERN_TYPE_BY_CODE);
  if (patternType === 'match') throw new AclError('pattern type MATCH is for filters; an ACL is literal or prefixed');
  return {
    resourceType: named('resource type', codes.resourceType, RESOURCE_TYPE_BY_CODE),
    resourceName: codes.resourceName,
    patternType,
    principal: codes.principal,
    host: codes.host,
    operation: named('operation', codes.operation, OPERATION_BY_CODE),
    permission: named('permission type', codes.permissionType, PERMISSION_BY_CODE),
  };
}

/** A filter; throws AclError for an unknown code. */
export function filterFromKafka(
  codes: KafkaAclCodes & { resourceName: string | null; principal: string | null; host: string | null },
): AclFilter {
  const filter: AclFilter = {};
  const resourceType = filterField('resource type', codes.resourceType, RESOURCE_TYPE_BY_CODE);
  if (resourceType) filter.resourceType = resourceType;
  const patternType = filterField('pattern type', codes.patternType, PATTERN_TYPE_BY_CODE);
  if (patternType) filter.patternType = patternType;
  const operation = filterField('operation', codes.operation, OPERATION_BY_CODE);
  if (operation) filter.operation = operation;
  const permission = filterField('permission type', codes.permissionType, PERMISSION_BY_CODE);
  if (permission) filter.permission = permission;
  if (codes.resourceName !== null) filter.resourceName = codes.resourceName;
  if (codes.principal !== null) filter.principal = codes.principal;
  if (codes.host !== null) filter.host = codes.host;
  return filter;
}

export function kafkaCodesOf(b: AclBinding): KafkaAclCodes {
  return {
    resourceType: RESOURCE_TYPE_CODES[b.resourceType],
    patternType: PATTERN_TYPE_CODES[b.patternType],
    operation: OPERATION_CODES[b.operation],
    permissionType: PERMISSION_CODES[b.permission],
  };
}
