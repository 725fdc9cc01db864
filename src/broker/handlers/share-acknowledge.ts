// ShareAcknowledge: ack / release / reject / fail / renew records a member holds; one result per record.
import { ShareAcknowledgeApi } from '../../protocol/index.js';
import { shareAckResults, shareWireError } from './share-errors.js';
import { defineHandler } from './types.js';

export const shareAcknowledgeHandler = defineHandler(ShareAcknowledgeApi, async (request, broker, ctx) => {
  const where = `share group "${request.groupId}"`;
  try {
    const results = await broker.shares.acknowledge(
      request.groupId,
      request.memberId,
      request.acks.map((a) => ({ ...a, error: a.errorMessage })),
    );
    return { errorCode: 0, errorMessage: null, results: shareAckResults(results, where, ctx.logger) };
  } catch (error) {
    return { ...shareWireError(error, where, ctx.logger), results: [] };
  }
});
