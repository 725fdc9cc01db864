// ShareAcknowledge: ack / release / reject / fail / renew records a member holds (v1: ranges of them); v0
// answers one result per record, v1 the failed offsets only.
import { ShareAcknowledgeApi } from '../../protocol/index.js';
import { shareAckResults, shareWireError } from './share-errors.js';
import { ackEntriesOf } from './share-acks.js';
import { defineHandler } from './types.js';

export const shareAcknowledgeHandler = defineHandler(ShareAcknowledgeApi, async (request, broker, ctx) => {
  const where = `share group "${request.groupId}"`;
  try {
    const failures = await broker.shares.acknowledge(request.groupId, request.memberId, ackEntriesOf(request.acks));
    const perEntry = ctx.header.apiVersion === 0;
    return {
      errorCode: 0,
      errorMessage: null,
      results: shareAckResults(request.acks, failures, perEntry, where, ctx.logger),
    };
  } catch (error) {
    return { ...shareWireError(error, where, ctx.logger), results: [] };
  }
});
