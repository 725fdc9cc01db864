// DeleteAcls (v0-3): removes what each filter matches (Alter on the cluster needed), answering per filter
// the bindings it removed. A filter with an unknown code is refused alone (INVALID_REQUEST).
import { ErrorCode } from '../../../protocol/index.js';
import { DeleteAcls } from '../../../protocol/kafka/index.js';
import { filterFromKafka, kafkaCodesOf } from '../../security/acl/kafka-codes.js';
import { deleteAcls } from '../../security/acl/management.js';
import { AclError, type AclFilter } from '../../security/acl/types.js';
import { kafkaHandler } from '../handler.js';

export const kafkaDeleteAclsHandler = kafkaHandler(DeleteAcls, async (request, broker, ctx) => {
  const parsed: Array<AclFilter | AclError> = request.filters.map((f) => {
    try {
      return filterFromKafka({
        resourceType: f.resourceTypeFilter,
        resourceName: f.resourceNameFilter,
        patternType: f.patternTypeFilter,
        principal: f.principalFilter,
        host: f.hostFilter,
        operation: f.operation,
        permissionType: f.permissionType,
      });
    } catch (error) {
      if (error instanceof AclError) return error;
      throw error;
    }
  });
  const valid = parsed.filter((p): p is AclFilter => !(p instanceof AclError));
  const deleted = await deleteAcls(broker, ctx, valid);
  let next = 0;
  return {
    throttleTimeMs: 0,
    filterResults: parsed.map((p) => {
      if (p instanceof AclError)
        return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: p.message, matchingAcls: [] };
      if ('error' in deleted) return { ...deleted.error, matchingAcls: [] };
      const removed = deleted.removed[next++] ?? [];
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        matchingAcls: removed.map((b) => {
          const codes = kafkaCodesOf(b);
          return {
            errorCode: ErrorCode.NONE,
            errorMessage: null,
            resourceType: codes.resourceType,
            resourceName: b.resourceName,
            patternType: codes.patternType,
            principal: b.principal,
            host: b.host,
            operation: codes.operation,
            permissionType: codes.permissionType,
          };
        }),
      };
    }),
  };
});
