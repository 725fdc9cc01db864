// ListGroups: every group the coordinator knows (including Empty ones that only have offsets).
import { ListGroupsApi } from '../../protocol/index.js';
import { listGroupsResponse } from './group-answers.js';
import { defineHandler } from './types.js';

export const listGroupsHandler = defineHandler(ListGroupsApi, (request, broker) =>
  listGroupsResponse(broker.groups.listGroups(request)),
);
