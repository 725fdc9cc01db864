// DeleteGroups: Empty groups only (NON_EMPTY_GROUP otherwise), with their committed offsets.
import { DeleteGroupsApi } from '../../protocol/index.js';
import { deleteGroupsResponse } from './group-answers.js';
import { defineHandler } from './types.js';
import { groupsFor } from '../security/acl/groups.js';

export const deleteGroupsHandler = defineHandler(DeleteGroupsApi, (request, broker, ctx) =>
  groupsFor(broker, ctx).deleteGroups(request).then(deleteGroupsResponse),
);
