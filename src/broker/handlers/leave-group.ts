// LeaveGroup: members leave at once (the group rebalances without waiting out their sessions).
import { LeaveGroupApi } from '../../protocol/index.js';
import { defineHandler } from './types.js';

export const leaveGroupHandler = defineHandler(LeaveGroupApi, (request, broker) => broker.groups.leave(request));
