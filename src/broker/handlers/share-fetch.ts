// ShareFetch: settles the acknowledgements it carries (v1; v2: ranges of offsets, and only the failed
// offsets answered), then acquires records for the member, long-polling when none are available and it
// carried none. v3 answers the records as slices of their batches (the bytes as they lie in the log) instead
// of one decoded entry each.
import { ShareFetchApi, type ShareFetchedSlice } from '../../protocol/index.js';
import type { FetchedRecord } from '../share/index.js';
import { shareAckResults, shareWireError } from './share-errors.js';
import { ackEntriesOf } from './share-acks.js';
import { defineHandler } from './types.js';

export const shareFetchHandler = defineHandler(ShareFetchApi, async (request, broker, ctx) => {
  const where = `share group "${request.groupId}"`;
  const version = ctx.header.apiVersion;
  try {
    const { acks, records } = await broker.shares.acknowledgeAndFetch({
      groupId: request.groupId,
      memberId: request.memberId,
      maxRecords: request.maxRecords,
      maxWaitMs: broker.stopping ? 0 : request.maxWaitMs,
      signal: ctx.signal,
      acks: ackEntriesOf(request.acks),
    });
    return {
      errorCode: 0,
      errorMessage: null,
      acks: shareAckResults(request.acks, acks, version === 1, where, ctx.logger),
      records:
        version >= 3
          ? []
          : records.map((r) => ({
              topic: r.topic,
              partition: r.partition,
              offset: r.offset,
              deliveryCount: r.deliveryCount,
              timestamp: r.timestamp,
              key: r.key,
              value: r.value,
              headers: r.headers.map(([key, value]) => ({ key, value })),
            })),
      slices: version >= 3 ? slicesOf(records) : [],
    };
  } catch (error) {
    return { ...shareWireError(error, where, ctx.logger), acks: [], records: [], slices: [] };
  }
});

/**
 * The records as slices: a run of records that lie back to back in one batch (and one partition) with the
 * same delivery count is one slice, its bytes a view of the batch's section (no copy, no re-encoding).
 */
function slicesOf(records: readonly FetchedRecord[]): ShareFetchedSlice[] {
  const slices: ShareFetchedSlice[] = [];
  let i = 0;
  while (i < records.length) {
    const first = records[i]!;
    let last = first;
    let count = 1;
    for (let next = records[i + count]; next !== undefined; next = records[i + count]) {
      if (
        next.batch !== first.batch ||
        next.start !== last.end ||
        next.deliveryCount !== first.deliveryCount ||
        next.topic !== first.topic ||
        next.partition !== first.partition
      )
        break;
      last = next;
      count++;
    }
    slices.push({
      topic: first.topic,
      partition: first.partition,
      baseOffset: first.batch.baseOffset,
      baseTimestamp: first.batch.baseTimestamp,
      appendTimestamp: first.batch.appendTimestamp,
      deliveryCount: first.deliveryCount,
      recordCount: count,
      records: first.batch.section.subarray(first.start, last.end),
    });
    i += count;
  }
  return slices;
}
