// FindCoordinator: which broker coordinates a group (keyType 0) or a transactional id (keyType 1): on a
// single broker, itself. In cluster mode a group's coordinator is the leader of `__consumer_offsets`, a
// transactional id's the leader of `__transaction_state` (cluster/coordinator-lookup.ts).
import { ErrorCode, FindCoordinatorApi } from '../../protocol/index.js';
import { defineHandler } from './types.js';
import { allowed, denied } from '../security/acl/authorize.js';
import { coordinatorAddress } from '../cluster/coordinator-lookup.js';

export const findCoordinatorHandler = defineHandler(FindCoordinatorApi, (request, broker, ctx) => {
  const type = request.keyType === 1 ? 'transactional-id' : 'group';
  if (!allowed(broker, ctx, 'Describe', type, request.key))
    return { ...denied('Describe', type, request.key, ctx), nodeId: -1, host: '', port: 0 };
  if (broker.cluster) {
    const found = coordinatorAddress(broker.cluster, type === 'group' ? 0 : 1);
    if ('unavailable' in found)
      return {
        errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
        errorMessage: found.unavailable,
        nodeId: -1,
        host: '',
        port: 0,
      };
    return { errorCode: ErrorCode.NONE, errorMessage: null, nodeId: found.nodeId, host: found.host, port: found.port };
  }
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    nodeId: broker.config.nodeId,
    host: broker.config.advertisedHost,
    port: broker.advertisedPort,
  };
});
