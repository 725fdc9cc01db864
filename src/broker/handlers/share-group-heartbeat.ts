// ShareGroupHeartbeat: membership of a share group (join, keep alive, change subscription, leave).
import { ShareGroupHeartbeatApi } from '../../protocol/index.js';
import { shareWireError } from './share-errors.js';
import { defineHandler } from './types.js';

export const shareGroupHeartbeatHandler = defineHandler(ShareGroupHeartbeatApi, async (request, broker, ctx) => {
  const { retry } = request;
  try {
    const result = await broker.shares.heartbeat({
      groupId: request.groupId,
      memberId: request.memberId,
      leave: request.leave,
      topics: request.topics,
      maxInFlight: request.maxInFlight,
      startFrom: request.startFrom,
      lockTimeoutMs: request.lockTimeoutMs,
      retry: retry
        ? {
            ...(retry.maxAttempts !== null ? { maxAttempts: retry.maxAttempts } : {}),
            backoff: {
              ...(retry.backoffType !== null ? { type: retry.backoffType } : {}),
              ...(retry.initialMs !== null ? { initialMs: retry.initialMs } : {}),
              ...(retry.multiplierMilli !== null ? { multiplier: retry.multiplierMilli / 1000 } : {}),
              ...(retry.maxMs !== null ? { maxMs: retry.maxMs } : {}),
              ...(retry.jitterPercent !== null ? { jitter: retry.jitterPercent / 100 } : {}),
            },
          }
        : null,
      deadLetterTopic: request.deadLetterTopic,
      clientId: ctx.header.clientId ?? '',
      clientHost: ctx.clientHost,
    });
    return { errorCode: 0, errorMessage: null, ...result };
  } catch (error) {
    const refused = shareWireError(error, `share group "${request.groupId}"`, ctx.logger);
    return { ...refused, memberId: '', heartbeatIntervalMs: 0, sessionTimeoutMs: 0, lockTimeoutMs: 0 };
  }
});
