// Heartbeat (v0-3): REBALANCE_IN_PROGRESS tells a member to rejoin (the shared coordinator's answer).
import { Heartbeat } from '../../../protocol/kafka/index.js';
import { groupErrorCode } from '../../handlers/domain-errors.js';
import { kafkaHandler } from '../handler.js';
import { groupsFor } from '../../security/acl/groups.js';

export const kafkaHeartbeatHandler = kafkaHandler(Heartbeat, (request, broker, ctx) => ({
  throttleTimeMs: 0,
  errorCode: groupErrorCode(
    groupsFor(broker, ctx).heartbeat({
      groupId: request.groupId,
      generationId: request.generationId,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId,
    }).error,
  ),
}));
