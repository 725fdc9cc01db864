// The authorizer: the ACLs (acl-index.ts) plus the rules around them — authorization off allows
// everything; super users are allowed everything; otherwise Kafka's rule (a deny wins, an allow is
// needed). It also owns the ACLs' durability: `<dataDir>/__internal/acls.json`, replaced atomically
// (temp file, fsync, rename, directory fsync) on every change before the change is visible, read once at
// start. Changes are serialised through one promise chain, so two CreateAcls never interleave writes.
//
// Cluster mode (`share`): the ACLs live in etcd instead, one entry per binding (its id a hash of the
// binding, so creating an existing ACL writes the same entry again), and the index is rebuilt from the
// cluster's watch (`loadShared`); acls.json is then left as it is.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { mkdirDurable, readJsonFile, type StorageFs, writeFileAtomic } from '../../../../storage/index.js';
import { formatPrincipal, type Principal } from '../principal.js';
import type { SharedEntries } from '../shared-entries.js';
import { AclIndex, type Requester } from './acl-index.js';
import {
  type AclBinding,
  AclError,
  type AclFilter,
  bindingKey,
  type Operation,
  type ResourceType,
  validateBinding,
} from './types.js';

/** A binding's id among the cluster's shared entries: the same ACL always has the same id. */
export function aclId(binding: AclBinding): string {
  return createHash('sha256').update(bindingKey(binding)).digest('hex').slice(0, 40);
}

/** A binding as one JSON text (its fields only). */
function encodeBinding(b: AclBinding): string {
  const { principal, host, resourceType, resourceName, patternType, operation, permission } = b;
  return JSON.stringify({ principal, host, resourceType, resourceName, patternType, operation, permission });
}

export const ACLS_FILE = join('__internal', 'acls.json');

interface AclsFile {
  version: 1;
  acls: AclBinding[];
}

export interface AuthorizerOptions {
  readonly dataDir: string;
  readonly fs: StorageFs;
  /** Authorization on: anything not allowed is denied. Off: every check passes (ACLs are still kept). */
  readonly enabled: boolean;
  /** Super users, as "User:alice" or a bare user name ("alice"). */
  readonly superUsers: readonly string[];
}

/** One binding's result in a CreateAcls batch. */
export type CreateResult = { ok: true } | { ok: false; error: AclError };

export class Authorizer {
  readonly enabled: boolean;
  #index = new AclIndex();
  #shared: SharedEntries | undefined;
  readonly #superUsers: ReadonlySet<string>;
  readonly #path: string;
  /** Undefined only for a store of the cluster's ACLs alone (ofShared), which never writes a file. */
  readonly #fs: StorageFs | undefined;
  readonly #dataDir: string;
  /** "User:alice" per principal object: principals are frozen and shared by a connection's requests. */
  readonly #names = new WeakMap<Principal, string>();
  #chain: Promise<unknown> = Promise.resolve();

  private constructor(options: Omit<AuthorizerOptions, 'fs'> & { fs: StorageFs | undefined }) {
    this.enabled = options.enabled;
    this.#superUsers = new Set(options.superUsers.map((u) => (u.includes(':') ? u : `User:${u}`)));
    this.#dataDir = options.dataDir;
    this.#path = join(options.dataDir, ACLS_FILE);
    this.#fs = options.fs;
  }

  /**
   * The cluster's ACLs alone, without a file: `sluice acls --etcd` reading and changing them in etcd
   * directly, whether or not a broker runs. Nothing is authorized through it (no super users, no checks).
   */
  static ofShared(shared: SharedEntries, entries: ReadonlyMap<string, string>): Authorizer {
    const authorizer = new Authorizer({ dataDir: '', fs: undefined, enabled: true, superUsers: [] });
    authorizer.loadShared(entries);
    authorizer.share(shared);
    return authorizer;
  }

  /** Reads the stored ACLs (none when the file does not exist); a garbled file stops the start. */
  static async open(options: AuthorizerOptions): Promise<Authorizer> {
    const authorizer = new Authorizer(options);
    const stored = await readJsonFile<AclsFile>(options.fs, authorizer.#path);
    for (const raw of stored?.acls ?? []) {
      try {
        authorizer.#index.add(validateBinding(raw));
      } catch (error) {
        throw new AclError(`${authorizer.#path} holds an invalid ACL (${(error as Error).message})`);
      }
    }
    return authorizer;
  }

  get size(): number {
    return this.#index.size;
  }

  /** Cluster mode: from now on the ACLs are the cluster's, changed there and replaced here by `loadShared`. */
  share(shared: SharedEntries): void {
    this.#shared = shared;
  }

  /** This broker's ACLs as shared entries (id → JSON), to seed a cluster that has none yet. */
  exportShared(): Map<string, string> {
    return new Map(this.#index.all().map((b) => [aclId(b), encodeBinding(b)]));
  }

  /** Cluster mode: every ACL as the cluster holds them now; the ids of entries that are not a valid ACL are returned. */
  loadShared(entries: ReadonlyMap<string, string>): string[] {
    const index = new AclIndex();
    const unreadable: string[] = [];
    for (const [id, text] of entries) {
      try {
        index.add(validateBinding(JSON.parse(text) as AclBinding));
      } catch {
        unreadable.push(id);
      }
    }
    this.#index = index;
    return unreadable;
  }

  isSuperUser(principal: Principal): boolean {
    return this.#superUsers.has(this.#nameOf(principal));
  }

  /** May `principal`, connected from `host`, perform `operation` on the resource? */
  authorize(principal: Principal, host: string, operation: Operation, type: ResourceType, name: string): boolean {
    if (!this.enabled) return true;
    const who = this.#requester(principal, host);
    if (this.#superUsers.has(who.principal)) return true;
    return this.#index.allows(who, operation, type, name);
  }

  /** May `principal` perform `operation` on some resource of this type (KIP-679)? */
  authorizeAny(principal: Principal, host: string, operation: Operation, type: ResourceType): boolean {
    if (!this.enabled) return true;
    const who = this.#requester(principal, host);
    if (this.#superUsers.has(who.principal)) return true;
    return this.#index.allowsAny(who, operation, type);
  }

  describe(filter: AclFilter): AclBinding[] {
    return this.#index.matching(filter);
  }

  /**
   * Adds bindings, each validated on its own (a bad one fails alone, as Kafka answers per creation);
   * adding an existing ACL succeeds and changes nothing. Durable before it resolves.
   */
  create(bindings: readonly AclBinding[]): Promise<CreateResult[]> {
    return this.#serial(async () => {
      const results: CreateResult[] = [];
      const added: AclBinding[] = [];
      for (const raw of bindings) {
        try {
          const binding = validateBinding(raw);
          if (this.#index.add(binding)) added.push(binding);
          results.push({ ok: true });
        } catch (error) {
          if (!(error instanceof AclError)) throw error;
          results.push({ ok: false, error });
        }
      }
      if (added.length > 0 && this.#shared) {
        // The index follows the cluster's watch: the local additions were a check for duplicates only.
        for (const b of added) this.#index.remove(b);
        await this.#shared.write(new Map(added.map((b) => [aclId(b), encodeBinding(b)])));
      } else if (added.length > 0)
        await this.#saveOrUndo(() => {
          for (const b of added) this.#index.remove(b);
        });
      return results;
    });
  }

  /** Removes every binding each filter matches; per filter, the bindings it removed. Durable before it resolves. */
  delete(filters: readonly AclFilter[]): Promise<AclBinding[][]> {
    return this.#serial(async () => {
      const removed = filters.map((filter) => this.#index.matching(filter));
      const gone = new Set(removed.flat());
      if (gone.size > 0 && this.#shared) {
        await this.#shared.write(new Map([...gone].map((b) => [aclId(b), undefined])));
        return removed;
      }
      for (const binding of gone) this.#index.remove(binding);
      if (gone.size > 0)
        await this.#saveOrUndo(() => {
          for (const b of gone) this.#index.add(b);
        });
      return removed;
    });
  }

  #requester(principal: Principal, host: string): Requester {
    return { principal: this.#nameOf(principal), host };
  }

  #nameOf(principal: Principal): string {
    let name = this.#names.get(principal);
    if (name === undefined) {
      name = formatPrincipal(principal);
      this.#names.set(principal, name);
    }
    return name;
  }

  /** Writes the file; if that fails the in-memory change is undone, so memory never runs ahead of disk. */
  async #saveOrUndo(undo: () => void): Promise<void> {
    try {
      if (this.#fs === undefined) throw new Error('an Authorizer of the cluster’s ACLs alone has no file');
      await mkdirDurable(this.#fs, join(this.#dataDir, '__internal'));
      const file: AclsFile = { version: 1, acls: this.#index.all() };
      await writeFileAtomic(this.#fs, this.#path, `${JSON.stringify(file, null, 1)}\n`);
    } catch (error) {
      undo();
      throw error;
    }
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(task, task);
    this.#chain = run.catch(() => undefined);
    return run;
  }
}
