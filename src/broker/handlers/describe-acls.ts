// DescribeAcls: the bindings one filter matches (Describe on the cluster needed).
import { DescribeAclsApi, ErrorCode } from '../../protocol/index.js';
import { aclFilterOf } from '../security/acl/filters.js';
import { describeAcls } from '../security/acl/management.js';
import { defineHandler } from './types.js';

export const describeAclsHandler = defineHandler(DescribeAclsApi, (request, broker, ctx) => {
  const described = describeAcls(broker, ctx, aclFilterOf(request.filter));
  if ('error' in described) return { ...described.error, acls: [] };
  return { errorCode: ErrorCode.NONE, errorMessage: null, acls: described.bindings };
});
