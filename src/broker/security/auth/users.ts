// The users store: SCRAM credentials per user and mechanism, in <dataDir>/__internal/users.json, replaced
// atomically (temp file, fsync, rename, directory fsync) on every change:
//
//   { "version": 1,
//     "users": { "<name>": { "SCRAM-SHA-256": { "salt": "<base64>", "iterations": 8192,
//                                               "storedKey": "<base64>", "serverKey": "<base64>" },
//                            "SCRAM-SHA-512": { … } } } }
//
// Why a file and not an internal topic: the first user is created before the first start, offline, with
// nothing but the data directory (`sluice users add admin --data-dir ./data`), and it must be readable
// before any listener opens. A file written like topics.json is that, with the same crash guarantees, and
// the data directory's lock keeps an offline writer and a running broker apart. No password is ever
// stored, nor anything a client could log in with: StoredKey is a hash of the key a client proves it knows.
//
// Changes are serialised through one promise chain; readers see the in-memory map, replaced (never mutated)
// once the file that holds the change is durable.
//
// Cluster mode (`share`): the users live in etcd instead, one entry per user holding the same JSON as the
// file's (salted, iterated keys only), and the map is replaced from the cluster's watch (`loadShared`);
// a change reads the users it touches from etcd, applies, and writes them by compare-and-swap
// (../shared-entries.ts). The file is then left as it is.
import { dirname, join } from 'node:path';
import { mkdirDurable, readJsonFile, type StorageFs, writeFileAtomic } from '../../../../storage/index.js';
import { changeShared, type SharedEntries } from '../shared-entries.js';
import {
  DEFAULT_SCRAM_ITERATIONS,
  MIN_SCRAM_ITERATIONS,
  newCredential,
  SCRAM_MECHANISMS,
  type ScramCredential,
  type ScramMechanism,
} from '../../../protocol/sasl/scram.js';

export const SECURITY_DIR = '__internal';
export const USERS_FILE = 'users.json';

interface StoredCredential {
  salt: string;
  iterations: number;
  storedKey: string;
  serverKey: string;
}

interface UsersFile {
  version: 1;
  users: Record<string, Partial<Record<ScramMechanism, StoredCredential>>>;
}

export type UserCredentials = Readonly<Partial<Record<ScramMechanism, ScramCredential>>>;

/** A user as `sluice users list` shows it: never a key. */
export interface UserSummary {
  readonly name: string;
  readonly mechanisms: ReadonlyArray<{ mechanism: ScramMechanism; iterations: number }>;
}

export class UserStoreError extends Error {
  override name = 'UserStoreError';
  constructor(
    message: string,
    readonly code: 'USER_EXISTS' | 'USER_NOT_FOUND' | 'INVALID_USER' | 'CORRUPT_USERS_FILE',
  ) {
    super(message);
  }
}

/** A user name: 1..256 printable characters, no control characters (it appears in logs and principals). */
export function checkUserName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 256 || /[\p{Cc}]/u.test(name))
    throw new UserStoreError('a user name must be 1 to 256 characters without control characters', 'INVALID_USER');
  return name;
}

export function usersFilePath(dataDir: string): string {
  return join(dataDir, SECURITY_DIR, USERS_FILE);
}

function decodeCredential(name: string, mechanism: string, stored: unknown): ScramCredential {
  const s = stored as Partial<StoredCredential> | null;
  const ok =
    typeof s === 'object' &&
    s !== null &&
    typeof s.salt === 'string' &&
    typeof s.storedKey === 'string' &&
    typeof s.serverKey === 'string' &&
    Number.isSafeInteger(s.iterations) &&
    (s.iterations as number) >= MIN_SCRAM_ITERATIONS;
  if (!ok)
    throw new UserStoreError(
      `the users file has a malformed ${mechanism} credential for "${name}"`,
      'CORRUPT_USERS_FILE',
    );
  return Object.freeze({
    salt: Buffer.from(s.salt as string, 'base64'),
    iterations: s.iterations as number,
    storedKey: Buffer.from(s.storedKey as string, 'base64'),
    serverKey: Buffer.from(s.serverKey as string, 'base64'),
  });
}

function encodeCredential(c: ScramCredential): StoredCredential {
  return {
    salt: c.salt.toString('base64'),
    iterations: c.iterations,
    storedKey: c.storedKey.toString('base64'),
    serverKey: c.serverKey.toString('base64'),
  };
}

/** A user's credentials as one JSON text: the users file's entry, and a user's value in etcd. */
export function encodeUserCredentials(credentials: UserCredentials): string {
  return JSON.stringify(
    Object.fromEntries(
      Object.entries(credentials).map(([mechanism, c]) => [mechanism, encodeCredential(c as ScramCredential)]),
    ),
  );
}

/** The inverse of encodeUserCredentials; throws UserStoreError on anything else. */
export function decodeUserCredentials(name: string, text: string): UserCredentials {
  let mechanisms: unknown;
  try {
    mechanisms = JSON.parse(text);
  } catch {
    throw new UserStoreError(`the credentials of "${name}" are not JSON`, 'CORRUPT_USERS_FILE');
  }
  if (typeof mechanisms !== 'object' || mechanisms === null || Array.isArray(mechanisms))
    throw new UserStoreError(`the credentials of "${name}" are not an object`, 'CORRUPT_USERS_FILE');
  return decodeMechanisms(name, mechanisms as Record<string, unknown>);
}

function decodeMechanisms(name: string, mechanisms: Record<string, unknown>): UserCredentials {
  const credentials: Partial<Record<ScramMechanism, ScramCredential>> = {};
  for (const [mechanism, stored] of Object.entries(mechanisms)) {
    if (!(SCRAM_MECHANISMS as readonly string[]).includes(mechanism))
      throw new UserStoreError(`the users file names an unknown mechanism ${mechanism}`, 'CORRUPT_USERS_FILE');
    credentials[mechanism as ScramMechanism] = decodeCredential(name, mechanism, stored);
  }
  return Object.freeze(credentials);
}

export class UserStore {
  #users: ReadonlyMap<string, UserCredentials> = new Map();
  #chain: Promise<unknown> = Promise.resolve();
  #shared: SharedEntries | undefined;

  private constructor(
    private readonly fs: StorageFs | undefined,
    readonly path: string,
  ) {}

  /**
   * A store of the cluster's users alone, without a file: `sluice users --cluster` reading and changing
   * them in etcd directly, before any broker runs.
   */
  static ofShared(shared: SharedEntries, entries: ReadonlyMap<string, string>): UserStore {
    const store = new UserStore(undefined, '');
    store.loadShared(entries);
    store.share(shared);
    return store;
  }

  /** Loads <dataDir>/__internal/users.json (none yet: no users). Throws UserStoreError on a garbled file. */
  static async open(fs: StorageFs, dataDir: string): Promise<UserStore> {
    const store = new UserStore(fs, usersFilePath(dataDir));
    const file = await readJsonFile<UsersFile>(fs, store.path);
    if (file === undefined) return store;
    if (typeof file !== 'object' || file === null || file.version !== 1 || typeof file.users !== 'object')
      throw new UserStoreError(`${store.path} is not a users file of this version`, 'CORRUPT_USERS_FILE');
    const users = new Map<string, UserCredentials>();
    for (const [name, mechanisms] of Object.entries(file.users))
      users.set(name, decodeMechanisms(name, (mechanisms ?? {}) as Record<string, unknown>));
    store.#users = users;
    return store;
  }

  /**
   * Cluster mode: from now on the users are the cluster's (`shared`), changed there and replaced here
   * by `loadShared`; the file is no longer read or written.
   */
  share(shared: SharedEntries): void {
    this.#shared = shared;
  }

  /** This store's users as shared entries (name → JSON), to seed a cluster that has none yet. */
  exportShared(): Map<string, string> {
    return new Map([...this.#users].map(([name, credentials]) => [name, encodeUserCredentials(credentials)]));
  }

  /**
   * Cluster mode: every user, as the cluster holds them now (name → JSON). An entry this broker cannot
   * read is left out (its name is returned, to be logged): nobody can log in with it here.
   */
  loadShared(entries: ReadonlyMap<string, string>): string[] {
    const users = new Map<string, UserCredentials>();
    const unreadable: string[] = [];
    for (const [name, text] of entries) {
      try {
        users.set(checkUserName(name), decodeUserCredentials(name, text));
      } catch {
        unreadable.push(name);
      }
    }
    this.#users = users;
    return unreadable;
  }

  credential(user: string, mechanism: ScramMechanism): ScramCredential | undefined {
    return this.#users.get(user)?.[mechanism];
  }

  has(user: string): boolean {
    return this.#users.has(user);
  }

  get size(): number {
    return this.#users.size;
  }

  list(): UserSummary[] {
    return [...this.#users.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, credentials]) => ({
        name,
        mechanisms: SCRAM_MECHANISMS.filter((m) => credentials[m] !== undefined).map((mechanism) => ({
          mechanism,
          iterations: credentials[mechanism]!.iterations,
        })),
      }));
  }

  /** Creates a user with credentials for both SCRAM mechanisms. USER_EXISTS if it exists. */
  add(name: string, password: string, iterations = DEFAULT_SCRAM_ITERATIONS): Promise<void> {
    return this.change([name], (users) => {
      checkUserName(name);
      if (users.has(name)) throw new UserStoreError(`user "${name}" already exists`, 'USER_EXISTS');
      users.set(name, credentialsFor(password, iterations));
    });
  }

  /** Replaces a user's password (new salts). USER_NOT_FOUND if there is no such user. */
  setPassword(name: string, password: string, iterations = DEFAULT_SCRAM_ITERATIONS): Promise<void> {
    return this.change([name], (users) => {
      if (!users.has(name)) throw new UserStoreError(`there is no user "${name}"`, 'USER_NOT_FOUND');
      users.set(name, credentialsFor(password, iterations));
    });
  }

  /**
   * AlterUserScramCredentials: per user, its mechanisms' credentials set or removed in one durable change;
   * a user left without credentials is removed. The caller has validated the changes.
   */
  alterCredentials(
    changes: ReadonlyArray<{
      user: string;
      set: Partial<Record<ScramMechanism, ScramCredential>>;
      remove: ScramMechanism[];
    }>,
  ): Promise<void> {
    return this.change(
      changes.map((c) => c.user),
      (users) => {
        for (const { user, set, remove } of changes) {
          const credentials: Partial<Record<ScramMechanism, ScramCredential>> = { ...users.get(user), ...set };
          for (const mechanism of remove) delete credentials[mechanism];
          if (Object.keys(credentials).length === 0) users.delete(user);
          else users.set(user, Object.freeze(credentials));
        }
      },
    );
  }

  /** The mechanisms a user has credentials for, with their iterations (never a key); undefined: no such user. */
  mechanismsOf(user: string): UserSummary['mechanisms'] | undefined {
    const credentials = this.#users.get(user);
    if (!credentials) return undefined;
    return SCRAM_MECHANISMS.filter((m) => credentials[m] !== undefined).map((mechanism) => ({
      mechanism,
      iterations: credentials[mechanism]!.iterations,
    }));
  }

  delete(name: string): Promise<void> {
    return this.change([name], (users) => {
      if (!users.delete(name)) throw new UserStoreError(`there is no user "${name}"`, 'USER_NOT_FOUND');
    });
  }

  /** `apply` changes the users named in `names` (and no other): durable in the file, or in the cluster. */
  private change(names: readonly string[], apply: (users: Map<string, UserCredentials>) => void): Promise<void> {
    const run = this.#chain.then(async () => {
      if (this.#shared) return this.changeShared(this.#shared, [...new Set(names)], apply);
      if (!this.fs) throw new Error('this users store has neither a file nor the cluster');
      const users = new Map(this.#users);
      apply(users);
      const file: UsersFile = { version: 1, users: {} };
      for (const [name, credentials] of users) file.users[name] = JSON.parse(encodeUserCredentials(credentials));
      const fs = this.fs;
      await mkdirDurable(fs, dirname(this.path));
      await writeFileAtomic(fs, this.path, `${JSON.stringify(file, null, 2)}\n`);
      this.#users = users;
    });
    this.#chain = run.catch(() => {});
    return run;
  }

  /** The cluster's copy of the users named, changed by `apply` and written back by compare-and-swap. */
  private changeShared(
    shared: SharedEntries,
    names: readonly string[],
    apply: (users: Map<string, UserCredentials>) => void,
  ): Promise<void> {
    return changeShared(shared, names, (current) => {
      const users = new Map(this.#users);
      for (const name of names) {
        const text = current.get(name);
        if (text === undefined) users.delete(name);
        else users.set(name, decodeUserCredentials(name, text));
      }
      apply(users);
      const changes = new Map<string, string | undefined>();
      for (const name of names) {
        const credentials = users.get(name);
        changes.set(name, credentials && encodeUserCredentials(credentials));
      }
      return { changes, result: undefined };
    });
  }
}

function credentialsFor(password: string, iterations: number): UserCredentials {
  if (typeof password !== 'string' || password.length === 0)
    throw new UserStoreError('a password must not be empty', 'INVALID_USER');
  return Object.freeze(
    Object.fromEntries(SCRAM_MECHANISMS.map((m) => [m, newCredential(m, password, iterations)])) as Record<
      ScramMechanism,
      ScramCredential
    >,
  );
}
