// ShareGroupDescribe: settings, members and per-partition queue state of share groups.
import { ShareGroupDescribeApi } from '../../protocol/index.js';
import { shareWireError } from './share-errors.js';
import { defineHandler } from './types.js';

export const shareGroupDescribeHandler = defineHandler(ShareGroupDescribeApi, async (request, broker, ctx) => ({
  groups: await Promise.all(
    request.groupIds.map(async (groupId) => {
      try {
        const d = await broker.shares.describe(groupId);
        const { retry, lockTimeoutMs, deadLetterTopic } = d.config;
        return {
          groupId,
          errorCode: 0,
          errorMessage: null,
          state: d.state,
          config: {
            maxAttempts: retry.maxAttempts,
            backoffType: retry.backoff.type,
            initialMs: retry.backoff.initialMs,
            multiplierMilli: Math.round(retry.backoff.multiplier * 1000),
            maxMs: retry.backoff.maxMs,
            jitterPercent: Math.round(retry.backoff.jitter * 100),
            lockTimeoutMs,
            deadLetterTopic,
          },
          members: d.members.map((m) => ({ ...m, topics: [...m.topics] })),
          partitions: d.partitions.map((p) => ({
            ...p,
            deliveryCounts: Object.entries(p.deliveryCounts).map(([count, records]) => ({
              deliveryCount: Number(count),
              records,
            })),
          })),
        };
      } catch (error) {
        return {
          groupId,
          ...shareWireError(error, `share group "${groupId}"`, ctx.logger),
          state: '',
          config: null,
          members: [],
          partitions: [],
        };
      }
    }),
  ),
}));
