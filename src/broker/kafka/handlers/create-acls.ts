// CreateAcls (v0-3): the core's ACL creation (security/acl/management.ts: Alter on the cluster needed,
// each creation validated on its own, durable before the answer). Codes that name no single resource
// type, pattern, operation or permission are refused per creation with INVALID_REQUEST.
import { ErrorCode } from '../../../protocol/index.js';
import { CreateAcls } from '../../../protocol/kafka/index.js';
import { bindingFromKafka } from '../../security/acl/kafka-codes.js';
import { createAcls } from '../../security/acl/management.js';
import { type AclBinding, AclError } from '../../security/acl/types.js';
import { kafkaHandler } from '../handler.js';

export const kafkaCreateAclsHandler = kafkaHandler(CreateAcls, async (request, broker, ctx) => {
  const parsed: Array<AclBinding | AclError> = request.creations.map((c) => {
    try {
      return bindingFromKafka({ ...c, patternType: c.resourcePatternType });
    } catch (error) {
      if (error instanceof AclError) return error;
      throw error;
    }
  });
  const valid = parsed.filter((p): p is AclBinding => !(p instanceof AclError));
  const created = await createAcls(broker, ctx, valid);
  let next = 0;
  return {
    throttleTimeMs: 0,
    results: parsed.map((p) => {
      if (p instanceof AclError) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: p.message };
      return created[next++] ?? { errorCode: ErrorCode.NONE, errorMessage: null };
    }),
  };
});
