// FindCoordinator: on a single node, this broker coordinates every group.
import { ErrorCode, FindCoordinatorApi } from '../../protocol/index.js';
import { defineHandler } from './types.js';
import { allowed, denied } from '../security/acl/authorize.js';

export const findCoordinatorHandler = defineHandler(FindCoordinatorApi, (request, broker, ctx) => {
  if (request.keyType !== 0) {
    return {
      errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
      errorMessage: `keyType ${request.keyType} (transactions) is not supported`,
      nodeId: -1,
      host: '',
      port: -1,
    };
  }
  if (!allowed(broker, ctx, 'Describe', 'group', request.key))
    return { ...denied('Describe', 'group', request.key, ctx), nodeId: -1, host: '', port: 0 };
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    nodeId: broker.config.nodeId,
    host: broker.config.advertisedHost,
    port: broker.advertisedPort,
  };
});
