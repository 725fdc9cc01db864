// ShareFetch: acquires records for a member, long-polling when none are available.
import { ShareFetchApi } from '../../protocol/index.js';
import { shareWireError } from './share-errors.js';
import { defineHandler } from './types.js';

export const shareFetchHandler = defineHandler(ShareFetchApi, async (request, broker, ctx) => {
  try {
    const records = await broker.shares.fetch({
      groupId: request.groupId,
      memberId: request.memberId,
      maxRecords: request.maxRecords,
      maxWaitMs: broker.stopping ? 0 : request.maxWaitMs,
      signal: ctx.signal,
    });
    return {
      errorCode: 0,
      errorMessage: null,
      records: records.map((r) => ({ ...r, headers: r.headers.map(([key, value]) => ({ key, value })) })),
    };
  } catch (error) {
    return { ...shareWireError(error, `share group "${request.groupId}"`, ctx.logger), records: [] };
  }
});
