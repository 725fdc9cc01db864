// DescribeAcls (v0-3): the bindings matching the filter (Describe on the cluster needed), grouped by
// resource pattern as Kafka answers.
import { ErrorCode } from '../../../protocol/index.js';
import { DescribeAcls } from '../../../protocol/kafka/index.js';
import { filterFromKafka, kafkaCodesOf } from '../../security/acl/kafka-codes.js';
import { describeAcls } from '../../security/acl/management.js';
import { AclError, type AclBinding } from '../../security/acl/types.js';
import { kafkaHandler } from '../handler.js';

function byPattern(bindings: readonly AclBinding[]) {
  const groups = new Map<string, { codes: ReturnType<typeof kafkaCodesOf>; name: string; acls: AclBinding[] }>();
  for (const b of bindings) {
    const key = JSON.stringify([b.resourceType, b.patternType, b.resourceName]);
    const group = groups.get(key) ?? { codes: kafkaCodesOf(b), name: b.resourceName, acls: [] };
    group.acls.push(b);
    groups.set(key, group);
  }
  return [...groups.values()].map((g) => ({
    resourceType: g.codes.resourceType,
    resourceName: g.name,
    patternType: g.codes.patternType,
    acls: g.acls.map((b) => ({
      principal: b.principal,
      host: b.host,
      operation: kafkaCodesOf(b).operation,
      permissionType: kafkaCodesOf(b).permissionType,
    })),
  }));
}

export const kafkaDescribeAclsHandler = kafkaHandler(DescribeAcls, (request, broker, ctx) => {
  let filter: ReturnType<typeof filterFromKafka>;
  try {
    filter = filterFromKafka({
      resourceType: request.resourceTypeFilter,
      resourceName: request.resourceNameFilter,
      patternType: request.patternTypeFilter,
      principal: request.principalFilter,
      host: request.hostFilter,
      operation: request.operation,
      permissionType: request.permissionType,
    });
  } catch (error) {
    if (!(error instanceof AclError)) throw error;
    return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: error.message, resources: [] };
  }
  const described = describeAcls(broker, ctx, filter);
  if ('error' in described) return { throttleTimeMs: 0, ...described.error, resources: [] };
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources: byPattern(described.bindings) };
});
