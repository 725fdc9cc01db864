// SyncGroup (v0-3): the leader's assignments (opaque bytes, copied) through the shared coordinator.
import { SyncGroup } from '../../../protocol/kafka/index.js';
import { groupErrorCode } from '../../handlers/domain-errors.js';
import { kafkaHandler } from '../handler.js';
import { groupsFor } from '../../security/acl/groups.js';

export const kafkaSyncGroupHandler = kafkaHandler(SyncGroup, async (request, broker, ctx) => {
  const synced = await groupsFor(broker, ctx).sync({
    groupId: request.groupId,
    generationId: request.generationId,
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId,
    protocolType: request.protocolType,
    protocolName: request.protocolName,
    assignments: request.assignments.map((a) => ({ memberId: a.memberId, assignment: Buffer.from(a.assignment) })),
  });
  return { throttleTimeMs: 0, errorCode: groupErrorCode(synced.error), assignment: synced.assignment };
});
