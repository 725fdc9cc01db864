// JoinGroup: answered when the group's rebalance completes (a long-lived request by design).
import { JoinGroupApi } from '../../protocol/index.js';
import { memberContext } from './group-context.js';
import { joinResponse } from './group-answers.js';
import { defineHandler } from './types.js';
import { groupsFor } from '../security/acl/groups.js';

export const joinGroupHandler = defineHandler(JoinGroupApi, (request, broker, ctx) =>
  groupsFor(broker, ctx).join(request, memberContext(ctx)).then(joinResponse),
);
