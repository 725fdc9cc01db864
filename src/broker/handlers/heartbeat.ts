// Heartbeat: keeps a member's session; REBALANCE_IN_PROGRESS tells it to rejoin.
import { HeartbeatApi } from '../../protocol/index.js';
import { heartbeatResponse } from './group-answers.js';
import { defineHandler } from './types.js';
import { groupsFor } from '../security/acl/groups.js';

export const heartbeatHandler = defineHandler(HeartbeatApi, (request, broker, ctx) =>
  heartbeatResponse(groupsFor(broker, ctx).heartbeat(request)),
);
