// LeaveGroup (v0-3): v0-2 name one member; v3 a batch (static members by instance id). Below v3 the answer
// has one error code: the member's.
import { LeaveGroup } from '../../../protocol/kafka/index.js';
import { groupErrorCode } from '../../handlers/domain-errors.js';
import { kafkaHandler } from '../handler.js';
import { groupsFor } from '../../security/acl/groups.js';

export const kafkaLeaveGroupHandler = kafkaHandler(LeaveGroup, (request, broker, ctx) => {
  const members =
    ctx.version >= 3
      ? request.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, reason: null }))
      : [{ memberId: request.memberId, groupInstanceId: null, reason: null }];
  const left = groupsFor(broker, ctx).leave({ groupId: request.groupId, members });
  const results = left.members.map(({ error, ...m }) => ({ ...m, errorCode: groupErrorCode(error) }));
  const groupCode = groupErrorCode(left.error);
  const errorCode = ctx.version >= 3 ? groupCode : groupCode || (results[0]?.errorCode ?? 0);
  return ctx.version >= 3 ? { throttleTimeMs: 0, errorCode, members: results } : { throttleTimeMs: 0, errorCode };
});
