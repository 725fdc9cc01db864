// FindCoordinator: which broker coordinates a group (keyType 0) or a transactional id (keyType 1): on a
// single broker, itself.
import { ErrorCode, FindCoordinatorApi } from '../../protocol/index.js';
import { defineHandler } from './types.js';
import { allowed, denied } from '../security/acl/authorize.js';

export const findCoordinatorHandler = defineHandler(FindCoordinatorApi, (request, broker, ctx) => {
  const type = request.keyType === 1 ? 'transactional-id' : 'group';
  if (!allowed(broker, ctx, 'Describe', type, request.key))
    return { ...denied('Describe', type, request.key, ctx), nodeId: -1, host: '', port: 0 };
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    nodeId: broker.config.nodeId,
    host: broker.config.advertisedHost,
    port: broker.advertisedPort,
  };
});
