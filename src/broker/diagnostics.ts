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

/**
 * Something an operator may want to audit (the activity log, `__activity`, subscribes): a connection
 * opened or closed, an authentication, an ACL denial, a topic/ACL/user change, a group event, an offset
 * reset, broker start/stop. Never carries a secret (no password, token, proof or key material).
 */
export interface ActivityEvent {
  /** Dotted kind, e.g. "connection.opened", "auth.failed", "acl.denied", "topic.created", "broker.started". */
  type: string;
  /** "User:alice"; absent for broker-internal events. */
  principal?: string;
  /** The client's address (no port), when a client caused it. */
  clientHost?: string;
  clientId?: string;
  listener?: string;
  outcome: 'success' | 'failure' | 'denied';
  /** What it concerned, e.g. "topic:orders", "group:billing", "user:alice". */
  resource?: string;
  /** Small, secret-free facts (mechanism, operation, error name, partition count...). */
  details?: Record<string, string | number | boolean>;
}

export const requestChannel = channel('sluice:broker:request');
export const produceChannel = channel('sluice:broker:produce');
export const fetchChannel = channel('sluice:broker:fetch');
export const connectionChannel = channel('sluice:broker:connection');
export const rebalanceChannel = channel('sluice:groups:rebalance');
export const activityChannel = channel('sluice:activity');
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

/** Publishes an activity event if anyone listens (the event object is built by the caller only then). */
export function publishActivity(build: () => ActivityEvent): void {
  if (activityChannel.hasSubscribers) activityChannel.publish(build());
}
