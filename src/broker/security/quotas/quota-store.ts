// The configured client quotas: entities and their values, kept in `<dataDir>/__internal/quotas.json`
// (replaced atomically, as acls.json is) and read once at start. Changes are serialised through one
// promise chain and visible only once durable; each change bumps `version`, which tells the throttler
// (throttler.ts) to forget what it resolved.
//
// Which entity's value applies to a request (Kafka's order, per quota key, most specific first):
//   user+client-id, user+<default> client, user, <default> user+client-id, <default> user+<default> client,
//   <default> user, client-id, <default> client.
import { join } from 'node:path';
import { mkdirDurable, readJsonFile, type StorageFs, writeFileAtomic } from '../../../../storage/index.js';
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

  private constructor(
    private readonly fs: StorageFs,
    private readonly dataDir: string,
  ) {}

  static async open(fs: StorageFs, dataDir: string): Promise<QuotaStore> {
    const store = new QuotaStore(fs, dataDir);
    const file = await readJsonFile<QuotasFile>(fs, store.path);
    if (file === undefined) return store;
    if (typeof file !== 'object' || file === null || file.version !== 1 || !Array.isArray(file.quotas))
      throw new QuotaError(`${store.path} is not a quotas file of this version`);
    const entries = new Map<string, QuotaEntry>();
    for (const entry of file.quotas) {
      try {
        const values: QuotaValues = {};
        for (const [key, value] of Object.entries(entry.values ?? {}))
          values[checkQuotaKey(key)] = checkQuotaValue(key, value as number);
        entries.set(entityKey(entry.entity), Object.freeze({ entity: Object.freeze({ ...entry.entity }), values }));
      } catch (error) {
        throw new QuotaError(`${store.path} holds an invalid quota (${(error as Error).message})`);
      }
    }
    store.#entries = entries;
    return store;
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
      const next = new Map(this.#entries);
      const results: AlterResult[] = changes.map(({ entity, ops }) => {
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
      if (validateOnly || results.every((r) => r !== null)) return results;
      const file: QuotasFile = { version: 1, quotas: [...next.values()] };
      await mkdirDurable(this.fs, join(this.dataDir, '__internal'));
      await writeFileAtomic(this.fs, this.path, `${JSON.stringify(file, null, 1)}\n`);
      this.#entries = next;
      this.#version++;
      return results;
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
