// ListGroups: every group the coordinator knows (including Empty ones that only have offsets).
import { ListGroupsApi } from '../../protocol/index.js';
import { listGroupsResponse } from './group-answers.js';
import { defineHandler } from './types.js';
import { groupsFor } from '../security/acl/groups.js';

export const listGroupsHandler = defineHandler(ListGroupsApi, (request, broker, ctx) =>
  listGroupsResponse(groupsFor(broker, ctx).listGroups(request)),
);
