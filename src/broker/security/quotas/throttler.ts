// Quota accounting: how long a request's connection must wait so that its sender keeps to its quotas.
//
// One token bucket per quota key and sender (QuotaStore.resolve names the bucket: a user, a client id, or
// both): it fills at the quota's rate up to one second's worth, each request takes its bytes (produce: the
// request's size; fetch: the response's), 1 (request_rate) or the milliseconds the broker's thread spent on it
// (request_percentage: the rate is the percentage × 10 ms per second, Kafka's share of one thread's time over
// the quota window) out of it, and a bucket in debt means a throttle of debt ÷ rate. The debt stays when a
// throttle is capped, so a sender over its quota averages its quota over any window longer than the cap,
// whatever its request sizes (Kafka measures a rate over samples; the bucket gives the same long-run bound
// with an exact burst of one second).
//
// Cost when no quota is configured: one check of QuotaStore.empty per request. Otherwise, per request, a
// map lookup by (user, client id) for what applies, then one bucket update per quota that does.
import type { Clock } from '../../../../storage/index.js';
import type { QuotaStore, ResolvedQuota } from './quota-store.js';
import type { QuotaKey } from './types.js';

/** A throttle never exceeds this; the debt beyond it is carried into the next request's throttle. */
export const MAX_THROTTLE_MS = 10_000;
/** Past this many buckets, full ones (senders idle for a second or more) are forgotten. */
const PRUNE_AT = 10_000;

const PRODUCE_KEY = 0;
const FETCH_KEY = 1;
/** FetchPush: with a quota configured its stream answers once, like a Fetch (src/broker/fetch/push.ts). */
const FETCH_PUSH_KEY = 1010;
/**
 * Requests no quota counts (their responses have no throttleTimeMs): ApiVersions and the SASL exchange (a
 * client must be able to log in), and requests between brokers (ReplicaFetch, OffsetForLeaderEpoch,
 * WriteTxnMarkers, WriteTxnOffsets, VerifyTxnWrite: not client traffic; Kafka's client quotas leave follower fetches alone too).
 */
const EXEMPT_KEYS: ReadonlySet<number> = new Set([17, 18, 36, 1100, 1101, 1170, 1171, 1172]);

interface Bucket {
  credits: number;
  at: number;
}

interface Applicable {
  produce: ResolvedQuota | null;
  fetch: ResolvedQuota | null;
  requests: ResolvedQuota | null;
  time: ResolvedQuota | null;
}

/** One request as quota accounting sees it. */
export interface QuotaUse {
  /** The principal's name ("alice"; "ANONYMOUS" before authentication). */
  readonly user: string;
  readonly clientId: string;
  readonly apiKey: number;
  /** The request frame's bytes (counted against producer_byte_rate for Produce). */
  readonly requestBytes: number;
  /** The response frame's bytes (counted against consumer_byte_rate for Fetch). */
  readonly responseBytes: number;
  /** Milliseconds the broker's thread spent on the request (counted against request_percentage). */
  readonly serviceMs: number;
}

export class Throttler {
  readonly #store: QuotaStore;
  readonly #clock: Clock;
  readonly #buckets = new Map<string, Bucket>();
  #applicable = new Map<string, Applicable>();
  #storeVersion = -1;

  constructor(store: QuotaStore, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  /** True when no quota is configured: nothing to account (the wires skip record() then). */
  get idle(): boolean {
    return this.#store.empty;
  }

  /** Accounts one request; the milliseconds its connection must wait (0: none). */
  record(use: QuotaUse): number {
    if (this.#store.empty || EXEMPT_KEYS.has(use.apiKey)) return 0;
    const applicable = this.#applicableTo(use.user, use.clientId);
    const now = this.#clock.now();
    let throttle = applicable.requests ? this.#take(applicable.requests, 1, now) : 0;
    if (applicable.time) throttle = Math.max(throttle, this.#take(applicable.time, use.serviceMs, now));
    if (use.apiKey === PRODUCE_KEY && applicable.produce)
      throttle = Math.max(throttle, this.#take(applicable.produce, use.requestBytes, now));
    else if ((use.apiKey === FETCH_KEY || use.apiKey === FETCH_PUSH_KEY) && applicable.fetch)
      throttle = Math.max(throttle, this.#take(applicable.fetch, use.responseBytes, now));
    return throttle;
  }

  #applicableTo(user: string, clientId: string): Applicable {
    if (this.#storeVersion !== this.#store.version) {
      this.#storeVersion = this.#store.version;
      this.#applicable = new Map();
    }
    const key = `${user}\0${clientId}`;
    let found = this.#applicable.get(key);
    if (!found) {
      const resolve = (quota: QuotaKey) => this.#store.resolve(quota, user, clientId);
      found = {
        produce: resolve('producer_byte_rate'),
        fetch: resolve('consumer_byte_rate'),
        requests: resolve('request_rate'),
        time: this.#timeQuota(resolve('request_percentage')),
      };
      if (this.#applicable.size >= PRUNE_AT) this.#applicable.clear();
      this.#applicable.set(key, found);
    }
    return found;
  }

  /** request_percentage as a rate: milliseconds of thread time per second (100 % = 1000 ms/s). */
  #timeQuota(quota: ResolvedQuota | null): ResolvedQuota | null {
    return quota && { rate: quota.rate * 10, bucket: quota.bucket };
  }

  /** True when some quota counts thread time: the wires then time their requests (RequestTimer). */
  get timesRequests(): boolean {
    return this.#store.has('request_percentage');
  }

  /** Takes `amount` from the bucket; the throttle its debt calls for. */
  #take(quota: ResolvedQuota, amount: number, now: number): number {
    const { rate } = quota;
    let bucket = this.#buckets.get(quota.bucket);
    if (!bucket) {
      if (this.#buckets.size >= PRUNE_AT) this.#prune(now);
      bucket = { credits: rate, at: now };
      this.#buckets.set(quota.bucket, bucket);
    }
    bucket.credits = Math.min(rate, bucket.credits + ((now - bucket.at) / 1000) * rate) - amount;
    bucket.at = now;
    if (bucket.credits >= 0) return 0;
    return Math.min(MAX_THROTTLE_MS, Math.ceil((-bucket.credits / rate) * 1000));
  }

  /** Forgets the buckets that would be full by now (their senders were idle): they start full again anyway. */
  #prune(now: number): void {
    for (const [key, bucket] of this.#buckets)
      if (bucket.credits >= 0 && now - bucket.at >= 1000) this.#buckets.delete(key);
  }
}
