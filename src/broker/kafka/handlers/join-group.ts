// JoinGroup (v0-5): the group coordinator both doors share. Member metadata is opaque bytes (copied: the
// request frame is not kept), so a Sluice SDK member and a Kafka client can sit in one group when they
// name a protocol in common. v0 has no rebalance timeout: Kafka uses the session timeout.
import { JoinGroup } from '../../../protocol/kafka/index.js';
import { memberContext } from '../../handlers/group-context.js';
import { groupErrorCode } from '../../handlers/domain-errors.js';
import { kafkaHandler } from '../handler.js';
import { groupsFor } from '../../security/acl/groups.js';

export const kafkaJoinGroupHandler = kafkaHandler(JoinGroup, async (request, broker, ctx) => {
  const joined = await groupsFor(broker, ctx).join(
    {
      groupId: request.groupId,
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs >= 0 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId,
      protocolType: request.protocolType,
      protocols: request.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
      reason: null,
    },
    memberContext(ctx),
  );
  return {
    throttleTimeMs: 0,
    errorCode: groupErrorCode(joined.error),
    generationId: joined.generationId,
    protocolType: joined.protocolType,
    protocolName: joined.protocolName ?? (ctx.version >= 7 ? null : ''),
    leader: joined.leader,
    memberId: joined.memberId,
    members: joined.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.metadata,
    })),
  };
});
