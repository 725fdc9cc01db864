// A broker's live copy of everything under one etcd prefix: one read of the prefix, then one watch from the
// revision after that read. A watch that ends (etcd restarted, the network failed) or a read that fails is
// replaced by a fresh read and watch after `retryMs`; meanwhile the owner keeps serving its last copy.
//
// Concurrency: the owner's callbacks run synchronously, a snapshot before any event of its watch and
// events in revision order. A failed reload cancels its watch before the next read, and every new watch
// starts at the revision after its own read, so no event is applied twice or missed.
import type { Logger } from 'pino';
import { type EtcdClient, isEtcdUnreachable, type KeyValue, type Watch, type WatchEvent } from './etcd-client.js';

export interface PrefixMirrorOptions {
  readonly etcd: EtcdClient;
  readonly prefix: string;
  readonly logger: Logger;
  /** What is mirrored, for log lines ("the cluster metadata"). */
  readonly what: string;
  /** Delay before a fresh read after a watch ended or a read failed (default 500 ms). */
  readonly retryMs?: number;
  /** A full read: the owner replaces its whole copy with these entries, current at `revision`. */
  readonly onSnapshot: (kvs: KeyValue[], revision: number) => void;
  /** Changes after the last snapshot, in revision order, up to revision `at`. */
  readonly onEvents: (events: WatchEvent[], at: number) => void;
}

export class PrefixMirror {
  readonly #options: PrefixMirrorOptions;
  #watch: Watch | undefined;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: PrefixMirrorOptions) {
    this.#options = options;
  }

  /** The first read and watch: resolves once the snapshot was applied and etcd confirmed the watch. */
  start(): Promise<void> {
    return this.#reload();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#watch?.cancel();
  }

  async #reload(): Promise<void> {
    const { etcd, prefix, logger, what } = this.#options;
    const { kvs, revision } = await etcd.getPrefix(prefix);
    this.#options.onSnapshot(kvs, revision);
    const watch = etcd.watchPrefix(prefix, {
      fromRevision: revision + 1,
      onEvents: (events, at) => this.#options.onEvents(events, at),
      onEnd: (error) => {
        if (this.#closed) return;
        // Ended because its endpoint stopped answering: part of an outage the cluster node reports once.
        const level = isEtcdUnreachable(error) ? 'debug' : 'warn';
        logger[level]({ err: error }, `the watch on ${what} in etcd ended: reading again`);
        this.#scheduleReload();
      },
    });
    this.#watch = watch;
    await watch.ready;
  }

  #scheduleReload(): void {
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      if (this.#closed) return;
      this.#reload().catch((error: unknown) => {
        // An outage is logged once by the cluster node; retries while it lasts are not news. Meanwhile the
        // owner serves its last copy.
        const level = isEtcdUnreachable(error) ? 'debug' : 'warn';
        this.#options.logger[level]({ err: error }, `cannot read ${this.#options.what} from etcd: retrying`);
        this.#watch?.cancel();
        this.#scheduleReload();
      });
    }, this.#options.retryMs ?? 500);
    this.#retry.unref();
  }
}
