// ReplicaFetch (native key 1100, broker to broker): a follower copies its partitions from this leader. Per
// partition: the follower's leader epoch is checked against this leader's (FENCED_LEADER_EPOCH when older,
// UNKNOWN_LEADER_EPOCH when newer, NOT_LEADER_FOR_PARTITION off the leader), its fetch offset is recorded
// as its log end (which moves the high watermark and the ISR: cluster/replica-manager.ts), and whole
// batches are read from there up to the log end (not the high watermark: a follower copies everything).
// A fetch offset past the log end is OFFSET_OUT_OF_RANGE (the follower truncates again); one below the log
// start too, with the log start in the answer (the follower restarts its log there).
//
// Long poll: nothing to send and maxWaitMs > 0 → the request waits for an append to any of its partitions
// (the same PartitionWaiters consumer fetches use), or maxWaitMs, then reads once more. The log ends are
// noted before the read, so an append between the read and the arming is not missed.
//
// Records answered from the tail cache pin its slabs until the response is written (or never will be), as
// a consumer's fetch does (src/broker/fetch/round.ts): a follower slow to read keeps them counted.
//
// With authorization on, it needs ClusterAction on the cluster (Kafka's rule for replica fetches).
import {
  ErrorCode,
  ReplicaFetchApi,
  type ReplicaFetchRequest,
  type ReplicaFetchResponse,
} from '../../protocol/index.js';
import { replicaLog } from '../cluster/leadership.js';
import { highWatermark } from '../high-watermark.js';
import { allowedOnCluster, denied } from '../security/acl/authorize.js';
import { CLUSTER_NAME } from '../security/acl/types.js';
import type { SlabPins } from '../../../storage/index.js';
import { partitionError, toPartitionError } from './storage-errors.js';
import { defineHandler, type BrokerContext, type RequestContext } from './types.js';

type PartitionAnswer = ReplicaFetchResponse['topics'][number]['partitions'][number];

function refused(partition: number, error: { errorCode: number; errorMessage: string }): PartitionAnswer {
  return { partition, ...error, highWatermark: -1, logStartOffset: -1, records: [] };
}

async function readRound(
  request: ReplicaFetchRequest,
  broker: BrokerContext,
  ctx: RequestContext,
): Promise<{ response: ReplicaFetchResponse; bytes: number; pins: SlabPins[] }> {
  const replication = broker.cluster?.replication;
  let budget = request.maxBytes;
  let bytes = 0;
  const pins: SlabPins[] = [];
  const topics: ReplicaFetchResponse['topics'] = [];
  for (const t of request.topics) {
    const partitions: PartitionAnswer[] = [];
    topics.push({ name: t.name, partitions });
    for (const p of t.partitions) {
      if (!replication) {
        partitions.push(
          refused(p.partition, partitionError('NOT_LEADER_FOR_PARTITION', 'this broker is not in cluster mode')),
        );
        continue;
      }
      const refusal = replication.checkLeader(t.name, p.partition, p.currentLeaderEpoch);
      const log = replicaLog(broker, t.name, p.partition);
      if (refusal || !log) {
        const error = refusal ?? {
          error: 'UNKNOWN_TOPIC_OR_PARTITION' as const,
          message: `${t.name}-${p.partition} does not exist`,
        };
        partitions.push(refused(p.partition, partitionError(error.error, error.message)));
        continue;
      }
      const end = log.logEndOffset;
      const start = log.logStartOffset;
      if (p.fetchOffset < start) {
        // Retention (or DeleteRecords) removed what the follower needs: it restarts its log at this start.
        partitions.push({
          ...refused(
            p.partition,
            partitionError(
              'OFFSET_OUT_OF_RANGE',
              `${t.name}-${p.partition}: fetch offset ${p.fetchOffset} is below the leader's log start ${start}`,
            ),
          ),
          logStartOffset: start,
        });
        continue;
      }
      if (p.fetchOffset > end) {
        partitions.push({
          ...refused(
            p.partition,
            partitionError(
              'OFFSET_OUT_OF_RANGE',
              `${t.name}-${p.partition}: fetch offset ${p.fetchOffset} is past the leader's log end ${end}`,
            ),
          ),
          logStartOffset: log.logStartOffset,
        });
        continue;
      }
      replication.followerFetched(t.name, p.partition, request.replicaId, p.fetchOffset);
      const answer: PartitionAnswer = {
        partition: p.partition,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        highWatermark: highWatermark(log),
        logStartOffset: log.logStartOffset,
        records: [],
      };
      // A reassigned replica catching up under a throttle gets what its bucket holds (at least one batch
      // once it holds anything; the debt is paid before the next).
      const allowance = replication.replicationAllowance(t.name, p.partition, request.replicaId);
      if (budget > 0 && p.fetchOffset < end && allowance > 0) {
        try {
          const read = await log.read(p.fetchOffset, {
            maxBytes: Math.min(p.partitionMaxBytes, budget, allowance),
            pin: true,
          });
          if (bytes === 0 || read.bytes <= budget) {
            answer.records = read.chunks;
            bytes += read.bytes;
            budget -= read.bytes;
            if (read.pins) pins.push(read.pins);
            replication.replicationSent(t.name, p.partition, request.replicaId, read.bytes);
          } else read.pins?.release();
        } catch (error) {
          partitions.push({ ...refused(p.partition, toPartitionError(error, `${t.name}-${p.partition}`, ctx.logger)) });
          continue;
        }
      }
      partitions.push(answer);
    }
  }
  return { response: { topics }, bytes, pins };
}

/** The round's response, its slab pins released once the response is done with. */
function answer(
  round: { response: ReplicaFetchResponse; pins: SlabPins[] },
  ctx: RequestContext,
): ReplicaFetchResponse {
  const { pins } = round;
  if (pins.length > 0)
    ctx.afterResponse(() => {
      for (const p of pins) p.release();
    });
  return round.response;
}

function logEnds(request: ReplicaFetchRequest, broker: BrokerContext): number[] {
  return request.topics.flatMap((t) =>
    t.partitions.map((p) => replicaLog(broker, t.name, p.partition)?.logEndOffset ?? -1),
  );
}

export const replicaFetchHandler = defineHandler(ReplicaFetchApi, async (request, broker, ctx) => {
  if (!allowedOnCluster(broker, ctx, 'ClusterAction')) {
    const error = denied('ClusterAction', 'cluster', CLUSTER_NAME, ctx);
    return {
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => refused(p.partition, error)),
      })),
    };
  }
  const before = logEnds(request, broker);
  const first = await readRound(request, broker, ctx);
  if (first.bytes > 0 || request.maxWaitMs === 0 || broker.stopping) return answer(first, ctx);
  const partitions = request.topics.flatMap((t) =>
    t.partitions.map((p) => ({ topic: t.name, partition: p.partition })),
  );
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      unregister();
      ctx.signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, request.maxWaitMs);
    const unregister = broker.waiters.register(partitions, done);
    ctx.signal.addEventListener('abort', done);
    const after = logEnds(request, broker);
    if (after.some((end, i) => end !== before[i])) done();
  });
  return answer(await readRound(request, broker, ctx), ctx);
});
