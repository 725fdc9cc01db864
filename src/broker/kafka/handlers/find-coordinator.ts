// FindCoordinator (v0-4): on a single node this listener coordinates every group (keyType 0) and every
// transactional id (keyType 1). v4 asks for several keys at once
// (`coordinatorKeys`) and gets one answer per key; v0-3 ask for one (`key`). In cluster mode a group's
// coordinator is the leader of `__consumer_offsets`, a transactional id's the leader of
// `__transaction_state`, at its Kafka listener (cluster/coordinator-lookup.ts).
import { ErrorCode } from '../../../protocol/index.js';
import { FindCoordinator } from '../../../protocol/kafka/index.js';
import type { BrokerContext } from '../../handlers/types.js';
import { type KafkaRequestContext, kafkaHandler } from '../handler.js';
import { allowed, denied } from '../../security/acl/authorize.js';
import { coordinatorAddress } from '../../cluster/coordinator-lookup.js';

const coordinatorNotAvailable = (message: string) => ({
  errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
  errorMessage: message,
  nodeId: -1,
  host: '',
  port: -1,
});

function coordinatorOf(keyType: number, key: string, broker: BrokerContext, ctx: KafkaRequestContext) {
  if (keyType !== 0 && keyType !== 1) {
    return {
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: `unknown coordinator key type ${keyType}`,
      nodeId: -1,
      host: '',
      port: -1,
    };
  }
  const type = keyType === 1 ? 'transactional-id' : 'group';
  if (!allowed(broker, ctx, 'Describe', type, key))
    return { ...denied('Describe', type, key, ctx), nodeId: -1, host: '', port: -1 };
  if (broker.cluster) {
    const found = coordinatorAddress(broker.cluster, keyType);
    if ('unavailable' in found) return coordinatorNotAvailable(found.unavailable);
    if (found.kafkaPort === null)
      return coordinatorNotAvailable(
        `broker ${found.nodeId} coordinates ${keyType === 0 ? 'groups' : 'transactions'} but has no Kafka listener`,
      );
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      nodeId: found.nodeId,
      host: found.host,
      port: found.kafkaPort,
    };
  }
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    nodeId: broker.config.nodeId,
    host: ctx.listener.advertisedHost,
    port: ctx.listener.advertisedPort,
  };
}

export const kafkaFindCoordinatorHandler = kafkaHandler(FindCoordinator, (request, broker, ctx) => {
  if (ctx.version >= 4) {
    const coordinators = request.coordinatorKeys.map((key) => ({
      key,
      ...coordinatorOf(request.keyType, key, broker, ctx),
    }));
    return { throttleTimeMs: 0, coordinators };
  }
  return { throttleTimeMs: 0, ...coordinatorOf(request.keyType, request.key ?? '', broker, ctx) };
});
