// TxnOffsetCommit: a group's offsets inside the producer's open transaction; the group sees them only
// once the transaction commits. One outcome for the request, answered per partition. A request that names
// the committing member (KIP-447) is first checked against the group (GroupCoordinator's
// transactionalCommitRefusal): a member fenced or out of date gets the group's error and its transaction must
// abort. In cluster mode the client sends it to the group's coordinator, which checks the member; unless that
// broker also coordinates the transaction, it forwards the request to the one that does
// (cluster/txn-offset-forwarding.ts).
import { ErrorCode, TxnOffsetCommitApi } from '../../protocol/index.js';
import { TXN_PEER_CLIENT_PREFIX } from '../cluster/peer-pool.js';
import { TRANSACTION_STATE_TOPIC } from '../txn/index.js';
import { allowed, denied } from '../security/acl/authorize.js';
import { groupWireError } from './domain-errors.js';
import { transactionalIdRefusal, txnOutcome } from './txn-errors.js';
import { type BrokerContext, defineHandler } from './types.js';

export const txnOffsetCommitHandler = defineHandler(TxnOffsetCommitApi, async (request, broker, ctx) => {
  const { transactionalId, producerId, producerEpoch, groupId } = request;
  const fromPeer = ctx.header.clientId?.startsWith(TXN_PEER_CLIENT_PREFIX) === true;
  const refused =
    transactionalIdRefusal(broker, ctx, transactionalId) ??
    (allowed(broker, ctx, 'Read', 'group', groupId) ? null : denied('Read', 'group', groupId, ctx)) ??
    request.topics
      .filter((t) => !allowed(broker, ctx, 'Read', 'topic', t.name))
      .map((t) => denied('Read', 'topic', t.name, ctx))[0] ??
    (groupId === '' ? { errorCode: ErrorCode.INVALID_GROUP_ID, errorMessage: 'groupId must not be empty' } : null) ??
    // A request forwarded by a peer was checked by the group's coordinator that forwarded it.
    (fromPeer ? null : memberRefusal(broker, request));
  // A request forwarded by a peer is served here as it is (never sent on again: no ping-pong while two
  // brokers' metadata disagree); the coordinator answers NOT_COORDINATOR if it is not one now.
  const forwarding =
    broker.clusterTransactions && !broker.cluster?.isLeader(TRANSACTION_STATE_TOPIC, 0) && !fromPeer
      ? broker.clusterTransactions
      : undefined;
  const outcome =
    refused ??
    (forwarding ? await forwarding.forwardOffsetCommit(request) : undefined) ??
    (await txnOutcome(
      () =>
        broker.transactions.commitOffsets(
          transactionalId,
          { producerId, producerEpoch },
          groupId,
          request.topics.flatMap((t) =>
            t.partitions.map((p) => ({
              topic: t.name,
              partition: p.partition,
              offset: p.offset,
              metadata: p.metadata,
            })),
          ),
        ),
      ctx.logger,
    ));
  return {
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partition: p.partition, ...outcome })),
    })),
  };
});

/** The group's refusal of the member the request names (KIP-447), as a wire error; null when accepted. */
function memberRefusal(
  broker: BrokerContext,
  request: { groupId: string; generationId: number; memberId: string; groupInstanceId: string | null },
): { errorCode: number; errorMessage: string | null } | null {
  const { groupId, generationId, memberId, groupInstanceId } = request;
  const refusal = broker.groups.transactionalCommitRefusal(groupId, generationId, memberId, groupInstanceId);
  return refusal?.error ? groupWireError(refusal.error) : null;
}
