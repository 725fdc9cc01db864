// ShareFetch: settles the acknowledgements it carries (v1; v2: ranges of offsets, and only the failed
// offsets answered), then acquires records for the member, long-polling when none are available and it
// carried none.
import { ShareFetchApi } from '../../protocol/index.js';
import { shareAckResults, shareWireError } from './share-errors.js';
import { defineHandler } from './types.js';

export const shareFetchHandler = defineHandler(ShareFetchApi, async (request, broker, ctx) => {
  const where = `share group "${request.groupId}"`;
  try {
    const { acks, records } = await broker.shares.acknowledgeAndFetch({
      groupId: request.groupId,
      memberId: request.memberId,
      maxRecords: request.maxRecords,
      maxWaitMs: broker.stopping ? 0 : request.maxWaitMs,
      signal: ctx.signal,
      acks: request.acks.map((a) => ({ ...a, error: a.errorMessage })),
    });
    return {
      errorCode: 0,
      errorMessage: null,
      acks: shareAckResults(request.acks, acks, ctx.header.apiVersion === 1, where, ctx.logger),
      records: records.map((r) => ({ ...r, headers: r.headers.map(([key, value]) => ({ key, value })) })),
    };
  } catch (error) {
    return { ...shareWireError(error, where, ctx.logger), acks: [], records: [] };
  }
});
