// The cluster's users, ACLs and client quotas (cluster mode): kept in etcd under
// `/sluice/<cluster>/security/<kind>/<id>` (kind: users, acls, quotas), one JSON entry per user (its salted,
// iterated SCRAM keys, as in users.json: never a password), per ACL and per quota entity. Every broker reads
// them before its listeners open, then follows one watch on `security/`; its stores (UserStore, Authorizer,
// QuotaStore) serve that copy, so authentication and authorization never wait on etcd and go on from the
// last known copy while etcd is out of reach. A change made on any broker is a compare-and-swap in etcd
// (../security/shared-entries.ts), answered once this broker's own watch has it.
//
// Seeding: a broker's data directory may hold users, ACLs and quotas from single-node days. The first
// broker to start finds no `/security-seeded` key: it copies in the entries etcd lacks (never replacing one)
// and puts the key. Every later start leaves its local files alone, and says so when they hold anything.
import type { Logger } from 'pino';
import {
  type SharedEntries,
  type SharedEntry,
  SharedStateUnavailable,
  type SharedStore,
} from '../security/shared-entries.js';
import { type EtcdClient, EtcdError, isEtcdUnreachable, type KeyValue, type WatchEvent } from './etcd-client.js';
import type { ClusterKeys } from './keys.js';
import { PrefixMirror } from './prefix-mirror.js';

export const SECURITY_KINDS = ['users', 'acls', 'quotas'] as const;
export type SecurityKind = (typeof SECURITY_KINDS)[number];

const WHAT: Record<SecurityKind, string> = { users: 'users', acls: 'ACLs', quotas: 'client quotas' };

/** etcd refuses transactions of more than 128 operations by default (--max-txn-ops). */
const CHUNK = 100;

/**
 * Entries of one kind in etcd, without a watch: reads and compare-and-swap writes. The broker's state
 * (below) and the offline CLI (`sluice users add --cluster`) both write through it.
 */
export class EtcdSecurityEntries {
  constructor(
    readonly etcd: EtcdClient,
    readonly keys: ClusterKeys,
    readonly kind: SecurityKind,
  ) {}

  async read(ids: readonly string[]): Promise<Map<string, SharedEntry>> {
    const found = new Map<string, SharedEntry>();
    await this.#etcdCall(async () => {
      const kvs = await Promise.all(ids.map((id) => this.etcd.get(this.keys.securityEntry(this.kind, id))));
      kvs.forEach((kv, i) => {
        if (kv) found.set(ids[i]!, { text: kv.value, revision: kv.modRevision });
      });
    });
    return found;
  }

  /** Every entry of this kind (id → JSON) and the revision read at. */
  async readAll(): Promise<{ entries: Map<string, string>; revision: number }> {
    return this.#etcdCall(async () => {
      const prefix = this.keys.securityKind(this.kind);
      const { kvs, revision } = await this.etcd.getPrefix(prefix);
      return {
        entries: new Map(kvs.map((kv) => [decodeURIComponent(kv.key.slice(prefix.length)), kv.value])),
        revision,
      };
    });
  }

  /**
   * SharedEntries.write without waiting for a watch: the revision written at (0 when there was nothing to
   * write), or undefined when a compare failed.
   */
  async writeChunks(
    changes: ReadonlyMap<string, string | undefined>,
    expected?: ReadonlyMap<string, number>,
  ): Promise<number | undefined> {
    // Removing an entry known to be absent writes nothing: no event would come back for it.
    const ids = [...changes.keys()].filter((id) => changes.get(id) !== undefined || expected?.get(id) !== 0);
    let revision = 0;
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const key = (id: string) => this.keys.securityEntry(this.kind, id);
      const written = await this.#etcdCall(() =>
        this.etcd.compareAndSwap(
          expected ? chunk.map((id) => ({ key: key(id), modRevision: expected.get(id) ?? 0 })) : [],
          chunk.filter((id) => changes.get(id) !== undefined).map((id) => ({ key: key(id), value: changes.get(id)! })),
          chunk.filter((id) => changes.get(id) === undefined).map((id) => ({ key: key(id) })),
        ),
      );
      if (!written.succeeded) return undefined;
      revision = written.revision;
    }
    return revision;
  }

  async #etcdCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof EtcdError)) throw error;
      const why = isEtcdUnreachable(error) ? error.message : `etcd refused it: ${error.message}`;
      throw new SharedStateUnavailable(`cannot reach the cluster's ${WHAT[this.kind]} (${why})`, { cause: error });
    }
  }
}

export interface ClusterSecurityOptions {
  readonly etcd: EtcdClient;
  readonly keys: ClusterKeys;
  readonly logger: Logger;
  readonly brokerId: number;
  readonly stores: Readonly<Record<SecurityKind, SharedStore>>;
  /** How long a change waits for this broker's watch to show it before answering anyway (default 5 s). */
  readonly seenTimeoutMs?: number;
  readonly retryMs?: number;
}

export class ClusterSecurityState {
  readonly #options: ClusterSecurityOptions;
  readonly #entries: Record<SecurityKind, Map<string, string>> = {
    users: new Map(),
    acls: new Map(),
    quotas: new Map(),
  };
  readonly #waiters = new Set<{ revision: number; resolve: () => void }>();
  #revision = 0;
  readonly #mirror: PrefixMirror;
  #closed = false;

  private constructor(options: ClusterSecurityOptions) {
    this.#options = options;
    this.#mirror = new PrefixMirror({
      etcd: options.etcd,
      prefix: options.keys.security,
      logger: options.logger,
      what: 'the cluster’s users, ACLs and quotas',
      retryMs: options.retryMs,
      onSnapshot: (kvs, revision) => this.#replaceAll(kvs, revision),
      onEvents: (events, at) => this.#applyEvents(events, at),
    });
  }

  /**
   * Seeds etcd from the stores when no broker did yet, loads the cluster's entries into the stores, switches
   * their changes to etcd and starts the watch. Resolves once the stores hold the cluster's state.
   */
  static async start(options: ClusterSecurityOptions): Promise<ClusterSecurityState> {
    const state = new ClusterSecurityState(options);
    await state.#seed();
    await state.#mirror.start();
    for (const kind of SECURITY_KINDS) options.stores[kind].share(state.#shared(kind));
    return state;
  }

  close(): void {
    this.#closed = true;
    this.#mirror.close();
    for (const waiter of this.#waiters) waiter.resolve();
    this.#waiters.clear();
  }

  #shared(kind: SecurityKind): SharedEntries {
    const entries = new EtcdSecurityEntries(this.#options.etcd, this.#options.keys, kind);
    return {
      read: (ids) => entries.read(ids),
      write: async (changes, expected) => {
        const revision = await entries.writeChunks(changes, expected);
        if (revision === undefined) return false;
        await this.#seen(revision);
        return true;
      },
    };
  }

  async #seed(): Promise<void> {
    const { etcd, keys, logger, stores, brokerId } = this.#options;
    const local = Object.fromEntries(SECURITY_KINDS.map((k) => [k, stores[k].exportShared()])) as Record<
      SecurityKind,
      Map<string, string>
    >;
    const counts = Object.fromEntries(SECURITY_KINDS.map((k) => [k, local[k].size]));
    const held = SECURITY_KINDS.some((k) => local[k].size > 0);
    if (await etcd.get(keys.securitySeeded)) {
      if (held)
        logger.warn(
          counts,
          "this data directory's own users, ACLs and quotas are not used in cluster mode: the cluster's are in etcd (change them through any broker)",
        );
      return;
    }
    const copied: Record<string, number> = {};
    for (const kind of SECURITY_KINDS) copied[kind] = await this.#copyMissing(kind, local[kind]);
    await etcd.compareAndSwap(
      [{ key: keys.securitySeeded, modRevision: 0 }],
      [{ key: keys.securitySeeded, value: JSON.stringify({ brokerId, copied }) }],
    );
    if (held) logger.info(copied, "copied this data directory's users, ACLs and quotas into the cluster (etcd)");
  }

  /** Puts the local entries etcd lacks (never replacing one); how many it put. */
  async #copyMissing(kind: SecurityKind, local: ReadonlyMap<string, string>): Promise<number> {
    if (local.size === 0) return 0;
    const entries = new EtcdSecurityEntries(this.#options.etcd, this.#options.keys, kind);
    for (let attempt = 0; attempt < 5; attempt++) {
      const { entries: present } = await entries.readAll();
      const missing = new Map([...local].filter(([id]) => !present.has(id)));
      if (missing.size === 0) return 0;
      const written = await entries.writeChunks(missing, new Map([...missing.keys()].map((id) => [id, 0])));
      if (written !== undefined) return missing.size;
    }
    return 0;
  }

  /** A full read of the security prefix: replaces every entry, then every store's copy. */
  #replaceAll(kvs: KeyValue[], revision: number): void {
    for (const kind of SECURITY_KINDS) this.#entries[kind].clear();
    for (const kv of kvs) this.#apply('put', kv.key, kv.value);
    for (const kind of SECURITY_KINDS) this.#load(kind);
    this.#advance(revision);
  }

  #applyEvents(events: WatchEvent[], at: number): void {
    const touched = new Set<SecurityKind>();
    for (const event of events) {
      const kind = this.#apply(event.type, event.kv.key, event.kv.value);
      if (kind) touched.add(kind);
    }
    for (const kind of touched) this.#load(kind);
    this.#advance(at);
  }

  /** One key's change into the entries; the kind it touched, or undefined for a key this version ignores. */
  #apply(type: 'put' | 'delete', key: string, value: string): SecurityKind | undefined {
    const { keys } = this.#options;
    for (const kind of SECURITY_KINDS) {
      const prefix = keys.securityKind(kind);
      if (!key.startsWith(prefix)) continue;
      let id: string;
      try {
        id = decodeURIComponent(key.slice(prefix.length));
      } catch {
        return undefined;
      }
      if (type === 'put') this.#entries[kind].set(id, value);
      else this.#entries[kind].delete(id);
      return kind;
    }
    return undefined;
  }

  #load(kind: SecurityKind): void {
    const unreadable = this.#options.stores[kind].loadShared(this.#entries[kind]);
    if (unreadable.length > 0)
      this.#options.logger.warn(
        { kind, entries: unreadable.length },
        `ignoring ${WHAT[kind]} in etcd this broker cannot read`,
      );
  }

  #advance(revision: number): void {
    this.#revision = Math.max(this.#revision, revision);
    for (const waiter of this.#waiters) {
      if (waiter.revision > this.#revision) continue;
      this.#waiters.delete(waiter);
      waiter.resolve();
    }
  }

  /** Resolves once the watch has delivered `revision` (or after seenTimeoutMs: the change is in etcd all the same). */
  #seen(revision: number): Promise<void> {
    if (this.#revision >= revision || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = {
        revision,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        resolve();
      }, this.#options.seenTimeoutMs ?? 5000);
      timer.unref();
      this.#waiters.add(waiter);
    });
  }
}
