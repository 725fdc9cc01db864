// The security stores' entries as the cluster keeps them (cluster mode): users, ACLs and client quotas live
// in etcd, one entry per user, ACL and quota entity, and every broker's stores follow them. This is what a
// store sees of that place (src/broker/cluster/security-state.ts implements it): entries named by an id,
// each a JSON text with its etcd revision. A store's changes become read (fresh from etcd) → apply →
// compare-and-swap, retried when another broker changed the same entries in between; the store's own copy
// is replaced from the watch, so every broker, the writer included, serves the same state.
//
// Nothing here knows etcd: stores import this, the cluster implements it.

/** One entry as the cluster holds it: its JSON text and the revision a compare-and-swap expects. */
export interface SharedEntry {
  readonly text: string;
  readonly revision: number;
}

export interface SharedEntries {
  /** The entries named, as the cluster holds them now (an absent id is missing from the map). */
  read(ids: readonly string[]): Promise<Map<string, SharedEntry>>;
  /**
   * Writes each entry (a text) or removes it (undefined). With `expected`, only if every id still has the
   * revision given (0: absent): false when one changed meanwhile (nothing written). All or nothing per
   * 100 entries. Resolves once this broker's stores hold the change. Throws SharedStateUnavailable.
   */
  write(changes: ReadonlyMap<string, string | undefined>, expected?: ReadonlyMap<string, number>): Promise<boolean>;
}

/** A change the cluster's security state could not take (etcd out of reach, or changed under it too often). */
export class SharedStateUnavailable extends Error {
  override name = 'SharedStateUnavailable';
}

const MAX_ATTEMPTS = 5;

/**
 * A store's read-modify-write on the shared entries `ids`: `apply` gets them fresh from the cluster
 * (`undefined` for an absent one) and returns the texts to write (undefined: remove) for the ids it
 * changes, or null when nothing is to be written. Retried when another broker changed one of them in
 * between. Errors `apply` throws (a refusal) pass through unchanged.
 */
export async function changeShared<T>(
  shared: SharedEntries,
  ids: readonly string[],
  apply: (current: ReadonlyMap<string, string>) => { changes: Map<string, string | undefined> | null; result: T },
): Promise<T> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const fresh = await shared.read(ids);
    const { changes, result } = apply(new Map([...fresh].map(([id, entry]) => [id, entry.text])));
    if (changes === null || changes.size === 0) return result;
    const expected = new Map([...changes.keys()].map((id) => [id, fresh.get(id)?.revision ?? 0]));
    if (await shared.write(changes, expected)) return result;
  }
  throw new SharedStateUnavailable(
    `the cluster's security state was changed by other brokers ${MAX_ATTEMPTS} times during this change: try again`,
  );
}

/** What a security store offers the cluster: its entries to seed with, and a switch to the cluster's. */
export interface SharedStore {
  /** From now on, changes go to `shared` and the store's state comes from `loadShared`. */
  share(shared: SharedEntries): void;
  /** The store's own entries (id → JSON), to seed a cluster that has none yet. */
  exportShared(): Map<string, string>;
  /** Replaces the store's state by the cluster's entries; returns the ids it could not read. */
  loadShared(entries: ReadonlyMap<string, string>): string[];
}
