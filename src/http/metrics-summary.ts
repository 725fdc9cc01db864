// The JSON figures /v3/metrics/summary answers and the console's overview draws: storage from the core,
// throughput from the Prometheus counters when metrics are on.
import type { HttpCore } from './core.js';

export interface Throughput {
  recordsIn: number;
  bytesIn: number;
  recordsOut: number;
  bytesOut: number;
}

export interface MetricsSummary {
  time: string;
  topics: number;
  partitions: number;
  segments: number;
  log_size_bytes: number;
  disk_free_bytes: number;
  disk_total_bytes: number;
  /** Totals since the broker started (null when metrics are off). */
  totals: { records_in: number; bytes_in: number; records_out: number; bytes_out: number } | null;
  connections: number | null;
}

export async function metricsSummary(
  core: HttpCore,
  totals: () => Throughput | null,
  connections: () => number | null,
): Promise<MetricsSummary> {
  const storage = await core.storage();
  const t = totals();
  return {
    time: new Date().toISOString(),
    topics: core.topics().filter((topic) => !topic.internal).length,
    partitions: storage.partitions,
    segments: storage.segments,
    log_size_bytes: storage.sizeBytes,
    disk_free_bytes: storage.diskFreeBytes,
    disk_total_bytes: storage.diskTotalBytes,
    totals: t && { records_in: t.recordsIn, bytes_in: t.bytesIn, records_out: t.recordsOut, bytes_out: t.bytesOut },
    connections: connections(),
  };
}
