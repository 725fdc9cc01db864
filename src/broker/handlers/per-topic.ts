// The per-topic loop of the topic admin handlers (CreateTopics, CreatePartitions, DeleteTopics): one result
// per topic in request order, and a bad topic never fails its neighbours.
import { ErrorCode, ProtocolError, type TopicResult } from '../../protocol/index.js';
import { wireErrorOf } from './storage-errors.js';

/**
 * Runs `change` for each topic, sequentially (changes are serialised by the registry anyway, and results
 * keep request order). A known error (storage, domain or protocol; a full or failing disk is
 * KAFKA_STORAGE_ERROR, not a crash) becomes that topic's result; anything else is a bug and is thrown.
 * With `refuseDuplicates`, a topic named twice in the request is refused INVALID_REQUEST both times.
 */
export async function perTopic<T extends { name: string }>(
  topics: readonly T[],
  change: (topic: T) => Promise<void>,
  options: { refuseDuplicates: boolean },
): Promise<TopicResult[]> {
  const counts = new Map<string, number>();
  for (const t of topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const results: TopicResult[] = [];
  for (const t of topics) {
    try {
      if (options.refuseDuplicates && counts.get(t.name)! > 1)
        throw new ProtocolError('INVALID_REQUEST', `topic "${t.name}" appears more than once in the request`);
      await change(t);
      results.push({ name: t.name, errorCode: ErrorCode.NONE, errorMessage: null });
    } catch (error) {
      const wire = wireErrorOf(error, t.name);
      if (!wire) throw error;
      results.push({ name: t.name, ...wire });
    }
  }
  return results;
}
