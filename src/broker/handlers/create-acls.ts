// CreateAcls: the core's ACL creation (security/acl/management.ts): Alter on the cluster needed, each
// binding validated on its own, durable before the answer.
import { CreateAclsApi, ErrorCode } from '../../protocol/index.js';
import { createAcls } from '../security/acl/management.js';
import { defineHandler } from './types.js';

export const createAclsHandler = defineHandler(CreateAclsApi, async (request, broker, ctx) => ({
  results: (await createAcls(broker, ctx, request.acls)).map(
    (refused) => refused ?? { errorCode: ErrorCode.NONE, errorMessage: null },
  ),
}));
