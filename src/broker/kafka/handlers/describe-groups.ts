// DescribeGroups (v0-4): state names as Kafka spells them (Empty, Stable, PreparingRebalance,
// CompletingRebalance, Dead; an unknown group is Dead with no error), members with their opaque metadata
// and assignments.
import { ErrorCode } from '../../../protocol/index.js';
import { DescribeGroups } from '../../../protocol/kafka/index.js';
import { groupErrorCode } from '../../handlers/domain-errors.js';
import { kafkaHandler } from '../handler.js';
import { groupsFor } from '../../security/acl/groups.js';

export const kafkaDescribeGroupsHandler = kafkaHandler(DescribeGroups, (request, broker, ctx) => ({
  throttleTimeMs: 0,
  groups: groupsFor(broker, ctx)
    .describeGroups({ groups: request.groups })
    .groups.map((g) => ({
      // Kafka describes a group it does not know as Dead, without an error (kafkajs setOffsets relies on it).
      errorCode: g.error?.problem === 'group-not-found' ? ErrorCode.NONE : groupErrorCode(g.error),
      groupId: g.groupId,
      groupState: g.groupState,
      protocolType: g.protocolType,
      protocolData: g.protocolData,
      members: g.members,
    })),
}));
