// What becomes of a partition queue's batches once their outcome is known (used by sender.ts): acknowledged
// ones handed to their sends in queue order, failed ones taken out with their sends rejected, or sent ones
// put back to be sent again.
import { BatchState, type Accumulator, type PartitionQueue, type ProducerBatchEntry } from './accumulator.js';

/** Hands acknowledged batches at the head of the queue to their sends, in queue order. */
export function completeHead(accumulator: Accumulator, q: PartitionQueue): void {
  while (q.batches.length > 0 && q.batches[0] !== q.open && q.batches[0]!.state === BatchState.Acked) {
    const batch = accumulator.shift(q, 1)[0]!;
    q.sent--;
    const offset = batch.baseOffset;
    for (const part of batch.parts) {
      part.send.partDone(
        q.topic,
        q.partition,
        offset < 0 ? -1 : offset + part.firstIndex,
        batch.logAppendTime,
        batch.logStartOffset,
      );
    }
  }
}

/** Removes a sent batch from its queue and rejects its sends. */
export function removeSentBatch(q: PartitionQueue, batch: ProducerBatchEntry, error: Error): void {
  const i = q.batches.indexOf(batch);
  if (i < 0) return;
  if (i < q.sent) q.sent--;
  q.batches.splice(i, 1);
  if (q.open && !q.batches.includes(q.open)) q.open = null;
  batch.state = BatchState.Failed;
  for (const part of batch.parts) part.send.fail(error);
}

/**
 * A batch that could not be built (never sent) fails alone. It had taken sequences: the batches after it
 * (never sent either) take them over, so the partition's sequence has no gap and nothing else fails.
 */
export function failUnsentBatch(
  accumulator: Accumulator,
  q: PartitionQueue,
  batch: ProducerBatchEntry,
  error: Error,
): void {
  const at = q.batches.indexOf(batch);
  q.batches.splice(at, 1);
  batch.state = BatchState.Failed;
  for (const part of batch.parts) part.send.fail(error);
  if (batch.baseSequence >= 0) accumulator.resequence(q, at, batch.baseSequence);
}

/**
 * Marks every sent, unacknowledged batch of the partition as never sent, in order, and the partition as
 * restarting (a new epoch, counted as an attempt of each batch), so the restarted sequence restamps and
 * resends them.
 * Changes nothing and returns false when one of them is acknowledged (then they cannot all be unstored).
 */
export function requeueForNewEpoch(q: PartitionQueue): boolean {
  const sent = q.batches.slice(0, q.sent);
  if (sent.some((b) => b.state === BatchState.Acked)) return false;
  for (const batch of sent) {
    batch.state = BatchState.Queued;
    batch.attempts++;
  }
  q.sent = 0;
  q.resetting = true;
  return true;
}
