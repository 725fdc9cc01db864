// LeaveGroup: members leave at once (the group rebalances without waiting out their sessions).
import { LeaveGroupApi } from '../../protocol/index.js';
import { leaveResponse } from './group-answers.js';
import { defineHandler } from './types.js';
import { groupsFor } from '../security/acl/groups.js';

export const leaveGroupHandler = defineHandler(LeaveGroupApi, (request, broker, ctx) =>
  leaveResponse(groupsFor(broker, ctx).leave(request)),
);
