// FindCoordinator (v0-2): on a single node this listener coordinates every group (keyType 0). Transaction
// coordinators (keyType 1) do not exist yet: refused with a non-retriable code so a transactional client
// fails at once and says why, instead of retrying until its timeout.
import { ErrorCode } from '../../../protocol/index.js';
import { FindCoordinator } from '../../../protocol/kafka/index.js';
import { kafkaHandler } from '../handler.js';
import { allowed, denied } from '../../security/acl/authorize.js';

export const kafkaFindCoordinatorHandler = kafkaHandler(FindCoordinator, (request, broker, ctx) => {
  if (request.keyType !== 0) {
    return {
      throttleTimeMs: 0,
      errorCode: request.keyType === 1 ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED : ErrorCode.INVALID_REQUEST,
      errorMessage:
        request.keyType === 1
          ? 'transactions are not supported by this broker'
          : `unknown coordinator key type ${request.keyType}`,
      nodeId: -1,
      host: '',
      port: -1,
    };
  }
  const groupId = request.key ?? '';
  if (!allowed(broker, ctx, 'Describe', 'group', groupId))
    return { throttleTimeMs: 0, ...denied('Describe', 'group', groupId, ctx), nodeId: -1, host: '', port: -1 };
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    nodeId: broker.config.nodeId,
    host: ctx.listener.advertisedHost,
    port: ctx.listener.advertisedPort,
  };
});
