// LeaveGroup: members leave at once (the group rebalances without waiting out their sessions).
import { LeaveGroupApi } from '../../protocol/index.js';
import { leaveResponse } from './group-answers.js';
import { defineHandler } from './types.js';

export const leaveGroupHandler = defineHandler(LeaveGroupApi, (request, broker) =>
  leaveResponse(broker.groups.leave(request)),
);
