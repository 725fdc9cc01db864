// Bounded parallelism for many small filesystem jobs (opening or creating thousands of partitions):
// each fs call waits on libuv's thread pool, so running them one after another leaves the disk idle.

/**
 * Calls `fn` for every item with at most `limit` calls in flight and resolves with the results in item
 * order. On the first failure no new call starts; the calls already running settle, then it rejects
 * with that first error.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      const index = next++;
      try {
        results[index] = await fn(items[index]!, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}
