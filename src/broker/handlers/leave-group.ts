// LeaveGroup: members leave at once (the group rebalances without waiting out their sessions).
import { LeaveGroupApi } from '../../protocol/index.js';
import { defineHandler } from './types.js';
import { groupsFor } from '../security/acl/groups.js';

export const leaveGroupHandler = defineHandler(LeaveGroupApi, (request, broker, ctx) =>
  groupsFor(broker, ctx).leave(request),
);
