// JoinGroup: answered when the group's rebalance completes (a long-lived request by design).
import { JoinGroupApi } from '../../protocol/index.js';
import { memberContext } from './group-context.js';
import { joinResponse } from './group-answers.js';
import { defineHandler } from './types.js';

export const joinGroupHandler = defineHandler(JoinGroupApi, (request, broker, ctx) =>
  broker.groups.join(request, memberContext(ctx)).then(joinResponse),
);
