// TxnOffsetCommit in cluster mode: clients send it to the group's coordinator (Kafka's rule), but the
// pending offsets of a transaction live with its transaction coordinator (src/broker/txn/), the leader of
// `__transaction_state`, until the transaction commits. A broker that is not that leader forwards the
// request, as it came and after its own authorization checks, to the one that is.
import { ErrorCode, TxnOffsetCommitApi, type TxnOffsetCommitRequest } from '../../protocol/index.js';
import { TRANSACTION_STATE_TOPIC } from '../txn/coordinator.js';
import type { ClusterView } from './cluster-node.js';
import type { PeerPool } from './peer-pool.js';

/** How long the transaction coordinator may take to answer a forwarded request (a client waits for it). */
const FORWARD_TIMEOUT_MS = 15_000;

export interface ForwardedOutcome {
  errorCode: number;
  errorMessage: string | null;
}

export async function forwardTxnOffsetCommit(
  cluster: ClusterView,
  peers: PeerPool,
  request: TxnOffsetCommitRequest,
): Promise<ForwardedOutcome> {
  const leader = cluster.partition(TRANSACTION_STATE_TOPIC, 0)?.leader ?? -1;
  const peer = leader >= 0 ? cluster.brokers().find((b) => b.id === leader) : undefined;
  if (!peer)
    return {
      errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
      errorMessage: `${TRANSACTION_STATE_TOPIC} has no live leader now: the transaction coordinator cannot be reached`,
    };
  try {
    const answer = await peers.request(peer, TxnOffsetCommitApi, request, FORWARD_TIMEOUT_MS);
    const first = answer.topics[0]?.partitions[0];
    return first
      ? { errorCode: first.errorCode, errorMessage: first.errorMessage }
      : { errorCode: ErrorCode.NONE, errorMessage: null };
  } catch (error) {
    return {
      errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
      errorMessage: `the transaction coordinator (broker ${leader}) cannot be reached: ${(error as Error).message}`,
    };
  }
}
