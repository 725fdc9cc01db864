// DeleteAcls: removes what each filter matches (Alter on the cluster needed); per filter, what it removed.
import { DeleteAclsApi, ErrorCode } from '../../protocol/index.js';
import { aclFilterOf } from '../security/acl/filters.js';
import { deleteAcls } from '../security/acl/management.js';
import { defineHandler } from './types.js';

export const deleteAclsHandler = defineHandler(DeleteAclsApi, async (request, broker, ctx) => {
  const deleted = await deleteAcls(broker, ctx, request.filters.map(aclFilterOf));
  return {
    results:
      'error' in deleted
        ? request.filters.map(() => ({ ...deleted.error, deleted: [] }))
        : deleted.removed.map((removed) => ({ errorCode: ErrorCode.NONE, errorMessage: null, deleted: removed })),
  };
});
