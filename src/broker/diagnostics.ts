// The broker's node:diagnostics_channel channels: what /metrics (src/http/metrics.ts), and later an
// activity log, subscribe to. Publishers check `hasSubscribers` first, so a broker nobody observes pays
// one property read per event and builds no message object.
import { channel } from 'node:diagnostics_channel';

/** A request answered (or refused) by a handler, per API and listener. */
export interface RequestEvent {
  listener: string;
  api: string;
  durationMs: number;
}

/** One partition's part of a produce request: stored (errorCode 0) or refused. */
export interface ProduceEvent {
  topic: string;
  partition: number;
  bytes: number;
  records: number;
  errorCode: number;
}

/** One partition's part of a fetch response. */
export interface FetchEvent {
  topic: string;
  partition: number;
  bytes: number;
  /** The whole record batches sent (views: read them synchronously, keep no reference). */
  chunks: readonly Buffer[];
  errorCode: number;
}

/** A connection opened (+1) or closed (−1) on a listener. */
export interface ConnectionEvent {
  listener: string;
  delta: 1 | -1;
}

/** A group entered PreparingRebalance. */
export interface RebalanceEvent {
  groupId: string;
}

export const requestChannel = channel('sluice:broker:request');
export const produceChannel = channel('sluice:broker:produce');
export const fetchChannel = channel('sluice:broker:fetch');
export const connectionChannel = channel('sluice:broker:connection');
export const rebalanceChannel = channel('sluice:groups:rebalance');
/** Published by storage (storage/fs.ts) for each data fsync: `{ durationMs }`. */
export const FSYNC_CHANNEL = 'sluice:storage:fsync';

/** A function to call once the request settles, or null when nobody listens (no clock read). */
export function observeRequest(listener: string, api: string): (() => void) | null {
  if (!requestChannel.hasSubscribers) return null;
  const started = performance.now();
  return () => {
    const event: RequestEvent = { listener, api, durationMs: performance.now() - started };
    requestChannel.publish(event);
  };
}
