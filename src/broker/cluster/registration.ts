// This broker's registration (Kafka's ephemeral /brokers/ids/<id> znode): a lease of sessionTimeoutMs,
// the broker key tied to it, kept alive three times per lease (counted from each renewal's send). When the lease is gone (the broker was
// cut off from etcd for longer than its lease) the key went with it and the controller has already moved
// this broker's leaderships away: `onLost` tells the node, and the registration starts over with a new lease.
//
// etcd unreachable: the lease is renewed every 500 ms until etcd answers, each attempt given up after one
// renewal interval (an endpoint holding a request unanswered is left for the next one). While the last renewal still
// covers now, the broker keeps every leadership it holds (`valid`); once it no longer does, the broker stops
// acting as leader (it cannot know whether the controller has moved its partitions) and says so once, and
// says so again when a renewal gets through. etcd extends every lease when it restarts, so an outage
// shorter than the time a restart takes changes nothing in the cluster.
//
// A broker id is one broker: registering refuses while another live broker holds the id, and waits up to
// one lease for a crashed predecessor's key (the same broker restarting after a SIGKILL) to expire.
import type { Logger } from 'pino';
import { type EtcdClient, isEtcdUnreachable } from './etcd-client.js';
import type { ClusterKeys } from './keys.js';
import type { BrokerRecord } from './records.js';

export class ClusterConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterConfigError';
  }
}

export interface RegistrationOptions {
  etcd: EtcdClient;
  keys: ClusterKeys;
  record: BrokerRecord;
  sessionTimeoutMs: number;
  logger: Logger;
  /** The lease expired under us; a new registration follows (onRegistered). */
  onLost: () => void;
  /** The lease is no longer certainly alive (no renewal within its TTL): this broker leads nothing until renewed. */
  onLapsed: () => void;
  onRegistered: (lease: string) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class BrokerRegistration {
  readonly #options: RegistrationOptions;
  #lease: string | undefined;
  /** performance.now() until which the lease is certainly alive: the last successful renewal's send time + its TTL. */
  #validUntil = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** The lease ran past its last renewal without a new one (said once; cleared by the next renewal). */
  #lapsed = false;
  /** Fires when the lease stops being certainly alive, should no renewal come before (a renewal may hang). */
  #lapseTimer: NodeJS.Timeout | undefined;

  constructor(options: RegistrationOptions) {
    this.#options = options;
  }

  /** The lease the broker key (and the controller key, when this broker is controller) is tied to. */
  get lease(): string | undefined {
    return this.#lease;
  }

  /** Whether the lease is certainly alive now: a leader acts as one only while this holds (etcd may be unreachable). */
  get valid(): boolean {
    return this.#lease !== undefined && performance.now() < this.#validUntil;
  }

  /** How much longer the lease is certainly alive without another renewal (0 when it is not). */
  get validForMs(): number {
    return this.#lease === undefined ? 0 : Math.max(0, Math.round(this.#validUntil - performance.now()));
  }

  async register(): Promise<void> {
    const { etcd, keys, record, sessionTimeoutMs } = this.#options;
    const key = keys.broker(record.id);
    const ttl = Math.max(1, Math.ceil(sessionTimeoutMs / 1000));
    const sentAt = performance.now();
    const lease = await etcd.grantLease(ttl);
    const deadline = Date.now() + sessionTimeoutMs + 2000;
    for (;;) {
      const won = await etcd.compareAndSwap([{ key, modRevision: 0 }], [{ key, value: JSON.stringify(record), lease }]);
      if (won.succeeded) break;
      if (this.#closed) return;
      if (Date.now() > deadline) {
        await etcd.revokeLease(lease).catch(() => {});
        throw new ClusterConfigError(
          `broker id ${record.id} is registered by another live broker (${(await etcd.get(key))?.value ?? 'gone now'}): give each broker its own --broker-id`,
        );
      }
      await sleep(250);
    }
    this.#lease = lease;
    this.#renewedUntil(sentAt + ttl * 1000);
    this.#options.logger.info({ brokerId: record.id, lease, ttlSeconds: ttl }, 'registered in the cluster');
    this.#options.onRegistered(lease);
    this.#schedule(Math.max(100, Math.floor(sessionTimeoutMs / 3)));
  }

  #schedule(ms: number): void {
    clearTimeout(this.#timer);
    if (this.#closed) return;
    this.#timer = setTimeout(() => void this.#keepAlive(), ms);
    this.#timer.unref();
  }

  async #keepAlive(): Promise<void> {
    const interval = Math.max(100, Math.floor(this.#options.sessionTimeoutMs / 3));
    const lease = this.#lease;
    if (this.#closed || !lease) return;
    let ttl: number;
    const sentAt = performance.now();
    try {
      // Each endpoint gets one interval: an etcd that holds the request on a cut-off connection is left for the
      // next endpoint, or the next try, while the lease still covers two more intervals.
      ttl = await this.#options.etcd.keepAlive(lease, { timeoutMs: interval });
    } catch (error) {
      // etcd unreachable: the lease runs down; keep trying (a renewal within the lease keeps everything).
      // The outage itself is logged once by the cluster node; a refusal by a reachable etcd is worth a warning.
      const { logger } = this.#options;
      if (isEtcdUnreachable(error)) logger.debug({ err: error }, 'cannot renew the broker lease in etcd');
      else logger.warn({ err: error }, 'cannot renew the broker lease in etcd');
      this.#checkLapse();
      this.#schedule(Math.min(interval, 500));
      return;
    }
    if (this.#closed) return;
    if (ttl > 0) {
      this.#renewedUntil(sentAt + ttl * 1000);
      if (this.#lapsed) {
        this.#lapsed = false;
        this.#options.logger.info(
          { brokerId: this.#options.record.id, lease, ttlSeconds: ttl },
          'the broker lease is renewed again: leading the partitions the cluster gives this broker',
        );
      }
      // Three renewals per lease counted from each one's send, so a slow etcd answer does not stretch the
      // gap between renewals (and lapse a lease a timely renewal would have kept).
      this.#schedule(Math.max(0, interval - (performance.now() - sentAt)));
      return;
    }
    this.#lapsed = false;
    this.#lease = undefined;
    this.#validUntil = 0;
    clearTimeout(this.#lapseTimer);
    this.#options.logger.error(
      { brokerId: this.#options.record.id },
      'the broker lease expired in etcd: this broker was out of the cluster; registering again',
    );
    this.#options.onLost();
    this.#retryRegister();
  }

  /** A renewal (or the grant) keeps the lease certainly alive until `until`; the lapse timer moves with it. */
  #renewedUntil(until: number): void {
    this.#validUntil = until;
    this.#armLapseTimer();
  }

  /**
   * Fires once the lease stops being certainly alive. Node counts a timer from its event loop's cached
   * clock, which lags performance.now() by however long the current turn has run (milliseconds on a busy
   * machine), so the timer can fire before #validUntil: it is then armed again for what remains. Left
   * unarmed, the lapse would wait for the next renewal to fail, which a cut-off etcd connection holds to
   * the client's request timeout (longer than the lease).
   */
  #armLapseTimer(): void {
    clearTimeout(this.#lapseTimer);
    this.#lapseTimer = setTimeout(
      () => {
        if (this.valid) this.#armLapseTimer();
        else this.#checkLapse();
      },
      Math.max(0, this.#validUntil - performance.now()) + 1,
    );
    this.#lapseTimer.unref();
  }

  /** Says once, and tells the broker, that the lease ran past its last renewal. */
  #checkLapse(): void {
    if (this.#closed || this.#lapsed || this.#lease === undefined || this.valid) return;
    this.#lapsed = true;
    this.#options.logger.error(
      { brokerId: this.#options.record.id, lease: this.#lease },
      'the broker lease is no longer certainly alive (no renewal within its TTL): acting as leader of nothing until etcd confirms it',
    );
    this.#options.onLapsed();
  }

  #retryRegister(): void {
    if (this.#closed) return;
    this.register().catch((error: unknown) => {
      const { logger } = this.#options;
      if (isEtcdUnreachable(error)) logger.debug({ err: error }, 'cannot register in etcd: retrying');
      else logger.warn({ err: error }, 'cannot register in etcd: retrying');
      setTimeout(() => this.#retryRegister(), 500).unref();
    });
  }

  /** Leaves the cluster at once (revoking the lease deletes the broker key, and the controller key if held). */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#lapseTimer);
    const lease = this.#lease;
    this.#lease = undefined;
    if (lease) await this.#options.etcd.revokeLease(lease).catch(() => {});
  }
}
