// DescribeGroups: state, protocol, members (assignments when Stable); GROUP_ID_NOT_FOUND for unknown ids.
import { DescribeGroupsApi } from '../../protocol/index.js';
import { describeGroupsResponse } from './group-answers.js';
import { defineHandler } from './types.js';
import { groupsFor } from '../security/acl/groups.js';

export const describeGroupsHandler = defineHandler(DescribeGroupsApi, (request, broker, ctx) =>
  describeGroupsResponse(groupsFor(broker, ctx).describeGroups(request)),
);
