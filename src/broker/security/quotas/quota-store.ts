// The configured client quotas: entities and their values, kept in `<dataDir>/__internal/quotas.json`
// (replaced atomically, as acls.json is) and read once at start. Changes are serialised through one
// promise chain and visible only once durable; each change bumps `version`, which tells the throttler
// (throttler.ts) to forget what it resolved.
//
// Cluster mode (`share`): the quotas live in etcd instead, one entry per entity (its id the entity key),
// replaced from the cluster's watch (`loadShared`, which bumps `version` too); a change reads the entities
// it touches from etcd, applies, and writes them by compare-and-swap. quotas.json is then left as it is.
//
// Which entity's value applies to a request (Kafka's order, per quota key, most specific first):
//   user+client-id, user+<default> client, user, <default> user+client-id, <default> user+<default> client,
//   <default> user, client-id, <default> client.
import { join } from 'node:path';
import { mkdirDurable, readJsonFile, type StorageFs, writeFileAtomic } from '../../../../storage/index.js';
import { changeShared, type SharedEntries } from '../shared-entries.js';
import {
  checkQuotaKey,
  checkQuotaValue,
  describeEntity,
  entityKey,
  type QuotaEntity,
  type QuotaEntry,
  QuotaError,
  type QuotaFilterComponent,
  type QuotaKey,
  type QuotaOp,
  type QuotaValues,
} from './types.js';

export const QUOTAS_FILE = join('__internal', 'quotas.json');

interface QuotasFile {
  version: 1;
  quotas: QuotaEntry[];
}

/** The value that applies to a request, and which sender it is counted for (its bucket). */
export interface ResolvedQuota {
  readonly rate: number;
  /** The matched entity's dimensions filled with the request's names: one bucket per user, client, or both. */
  readonly bucket: string;
}

/** One AlterClientQuotas entry's outcome: null when applied (or valid, when only validating). */
export type AlterResult = QuotaError | null;

export class QuotaStore {
  #entries: ReadonlyMap<string, QuotaEntry> = new Map();
  #version = 0;
  #keys: ReadonlySet<QuotaKey> = new Set();
  #keysVersion = -1;
  #chain: Promise<unknown> = Promise.resolve();
  #shared: SharedEntries | undefined;

  private constructor(
    /** Undefined only for a store of the cluster's quotas alone (ofShared), which never writes a file. */
    private readonly fs: StorageFs | undefined,
    private readonly dataDir: string,
  ) {}

  /**
   * The cluster's quotas alone, without a file: `sluice quotas --cluster` reading and changing them in etcd
   * directly, whether or not a broker runs.
   */
  static ofShared(shared: SharedEntries, entries: ReadonlyMap<string, string>): QuotaStore {
    const store = new QuotaStore(undefined, '');
    store.loadShared(entries);
    store.share(shared);
    return store;
  }

  static async open(fs: StorageFs, dataDir: string): Promise<QuotaStore> {
    const store = new QuotaStore(fs, dataDir);
    const file = await readJsonFile<QuotasFile>(fs, store.path);
    if (file === undefined) return store;
    if (typeof file !== 'object' || file === null || file.version !== 1 || !Array.isArray(file.quotas))
      throw new QuotaError(`${store.path} is not a quotas file of this version`);
    const entries = new Map<string, QuotaEntry>();
    for (const entry of file.quotas) {
      try {
        entries.set(entityKey(entry.entity), checkedEntry(entry));
      } catch (error) {
        throw new QuotaError(`${store.path} holds an invalid quota (${(error as Error).message})`);
      }
    }
    store.#entries = entries;
    return store;
  }

  /** Cluster mode: from now on the quotas are the cluster's, changed there and replaced here by `loadShared`. */
  share(shared: SharedEntries): void {
    this.#shared = shared;
  }

  /** This broker's quotas as shared entries (entity key → JSON), to seed a cluster that has none yet. */
  exportShared(): Map<string, string> {
    return new Map([...this.#entries].map(([key, entry]) => [key, JSON.stringify(entry)]));
  }

  /** Cluster mode: every quota as the cluster holds them now; the ids of entries that are not a valid quota are returned. */
  loadShared(shared: ReadonlyMap<string, string>): string[] {
    const entries = new Map<string, QuotaEntry>();
    const unreadable: string[] = [];
    for (const [id, text] of shared) {
      try {
        const entry = checkedEntry(JSON.parse(text) as QuotaEntry);
        if (entityKey(entry.entity) !== id) throw new QuotaError('the entity is not the one its key names');
        entries.set(id, entry);
      } catch {
        unreadable.push(id);
      }
    }
    this.#entries = entries;
    this.#version++;
    return unreadable;
  }

  get path(): string {
    return join(this.dataDir, QUOTAS_FILE);
  }

  /** Bumped by every change (the throttler drops its resolutions when it moves). */
  get version(): number {
    return this.#version;
  }

  get empty(): boolean {
    return this.#entries.size === 0;
  }

  /** Whether any entity has a value for `key` (remembered until the next change). */
  has(key: QuotaKey): boolean {
    if (this.#keysVersion !== this.#version) {
      this.#keysVersion = this.#version;
      this.#keys = new Set([...this.#entries.values()].flatMap((e) => Object.keys(e.values) as QuotaKey[]));
    }
    return this.#keys.has(key);
  }

  /** The entries the filter matches (Kafka's DescribeClientQuotas: `strict` = no other dimensions). */
  describe(components: readonly QuotaFilterComponent[], strict: boolean): QuotaEntry[] {
    return [...this.#entries.values()].filter((entry) => {
      for (const { entityType, match } of components) {
        const value = entityType === 'user' ? entry.entity.user : entry.entity.clientId;
        if (value === undefined) return false;
        if (match.kind === 'exact' && value !== match.name) return false;
        if (match.kind === 'default' && value !== null) return false;
        if (match.kind === 'any' && value === null) return false;
      }
      if (!strict) return true;
      const named = components.map((c) => c.entityType);
      return (
        (entry.entity.user === undefined || named.includes('user')) &&
        (entry.entity.clientId === undefined || named.includes('client-id'))
      );
    });
  }

  /**
   * Applies each entry's operations (each entry alone: a bad one fails and the others apply), durable
   * before it resolves. An entity left with no value is removed. `validateOnly` checks and changes nothing.
   */
  alter(
    changes: ReadonlyArray<{ entity: QuotaEntity; ops: readonly QuotaOp[] }>,
    validateOnly: boolean,
  ): Promise<AlterResult[]> {
    return this.#serial(async () => {
      if (this.#shared) return this.#alterShared(this.#shared, changes, validateOnly);
      const next = new Map(this.#entries);
      const results = applyChanges(next, changes);
      if (validateOnly || results.every((r) => r !== null)) return results;
      if (this.fs === undefined) throw new Error('a QuotaStore of the cluster’s quotas alone has no file');
      const file: QuotasFile = { version: 1, quotas: [...next.values()] };
      await mkdirDurable(this.fs, join(this.dataDir, '__internal'));
      await writeFileAtomic(this.fs, this.path, `${JSON.stringify(file, null, 1)}\n`);
      this.#entries = next;
      this.#version++;
      return results;
    });
  }

  /** The cluster's copy of the entities touched, changed and written back by compare-and-swap. */
  #alterShared(
    shared: SharedEntries,
    changes: ReadonlyArray<{ entity: QuotaEntity; ops: readonly QuotaOp[] }>,
    validateOnly: boolean,
  ): Promise<AlterResult[]> {
    const ids = [...new Set(changes.map((c) => entityKey(c.entity)))];
    return changeShared(shared, ids, (current) => {
      const next = new Map(this.#entries);
      for (const id of ids) {
        const text = current.get(id);
        if (text === undefined) next.delete(id);
        else next.set(id, checkedEntry(JSON.parse(text) as QuotaEntry));
      }
      const results = applyChanges(next, changes);
      if (validateOnly || results.every((r) => r !== null)) return { changes: null, result: results };
      const written = new Set(changes.filter((_, i) => results[i] === null).map((c) => entityKey(c.entity)));
      const entries = new Map([...written].map((id) => [id, next.has(id) ? JSON.stringify(next.get(id)) : undefined]));
      return { changes: entries, result: results };
    });
  }

  /** The quota on `key` for this user and client id, or null when none applies. */
  resolve(key: QuotaKey, user: string, clientId: string): ResolvedQuota | null {
    const candidates: Array<[QuotaEntity, string]> = [
      [{ user, clientId }, `u${user}\0c${clientId}`],
      [{ user, clientId: null }, `u${user}\0c${clientId}`],
      [{ user }, `u${user}`],
      [{ user: null, clientId }, `u${user}\0c${clientId}`],
      [{ user: null, clientId: null }, `u${user}\0c${clientId}`],
      [{ user: null }, `u${user}`],
      [{ clientId }, `c${clientId}`],
      [{ clientId: null }, `c${clientId}`],
    ];
    for (const [entity, bucket] of candidates) {
      const rate = this.#entries.get(entityKey(entity))?.values[key];
      if (rate !== undefined) return { rate, bucket: `${key}\0${bucket}` };
    }
    return null;
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(task, task);
    this.#chain = run.catch(() => undefined);
    return run;
  }
}

/** A stored entry checked (keys known, values in range), frozen. Throws QuotaError. */
function checkedEntry(entry: QuotaEntry): QuotaEntry {
  if (typeof entry !== 'object' || entry === null || typeof entry.entity !== 'object' || entry.entity === null)
    throw new QuotaError('a quota entry needs an entity and values');
  const values: QuotaValues = {};
  for (const [key, value] of Object.entries(entry.values ?? {}))
    values[checkQuotaKey(key)] = checkQuotaValue(key, value as number);
  return Object.freeze({ entity: Object.freeze({ ...entry.entity }), values: Object.freeze(values) });
}

/** Applies each change to `next` on its own (a bad one fails alone); per change, null or its error. */
function applyChanges(
  next: Map<string, QuotaEntry>,
  changes: ReadonlyArray<{ entity: QuotaEntity; ops: readonly QuotaOp[] }>,
): AlterResult[] {
  return changes.map(({ entity, ops }) => {
    try {
      const key = entityKey(entity);
      const values: QuotaValues = { ...next.get(key)?.values };
      const seen = new Set<string>();
      for (const op of ops) {
        const quotaKey = checkQuotaKey(op.key);
        if (seen.has(quotaKey)) throw new QuotaError(`${describeEntity(entity)}: ${quotaKey} is changed twice`);
        seen.add(quotaKey);
        if (op.remove) delete values[quotaKey];
        else values[quotaKey] = checkQuotaValue(quotaKey, op.value);
      }
      if (Object.keys(values).length === 0) next.delete(key);
      else next.set(key, Object.freeze({ entity, values: Object.freeze(values) }));
      return null;
    } catch (error) {
      if (error instanceof QuotaError) return error;
      throw error;
    }
  });
}
