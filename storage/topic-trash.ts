// Deleting a topic's partition directories: atomic across a crash, possible on a full disk, for every legal
// topic name. The LogManager owns one TopicTrash for its data directory.
//
// Protocol. Deleting topic T renames each `<T>-<n>` directory to its trash name (below) — a rename needs no
// free space — then removes the files inside the trash directories (which frees the space), and only then
// may the caller rewrite its own metadata (topics.json) without T; once that is durable, the empty trash
// directories are removed. The first trash directory of T to reach the disk commits the deletion: on the
// next open, any trash directory of T means "T is deleted", so the remaining `<T>-<n>` directories are moved
// to the trash too (never opened) and the caller drops T from its metadata. After a crash at any point the
// topic is therefore either wholly there (no rename reached the disk) or wholly gone. A trash directory
// outlives the metadata rewrite, so it is the evidence of the deletion until then; a topic may not be
// created again while any of its trash directories exists (isDeleting).
//
// Trash names are bounded whatever the topic name: `<first 200 chars of T>.<16 hex digits of
// sha256(T)>-<n>.deleted` is at most 235 bytes (n has at most 9 digits) where `<T>-<n>.deleted` could reach
// 267 and fail with ENAMETOOLONG; the hash, not the shortened name, identifies the topic. Nothing here ever
// throws at open: a rename or removal that fails is logged and retried (retry()).
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { StorageFs } from './fs.js';
import type { Logger } from './types.js';

export const TRASH_SUFFIX = '.deleted';
const TRASH_NAME = /\.([0-9a-f]{16})-(\d{1,9})\.deleted$/;
const READABLE_PREFIX_CHARS = 200;

function topicHash(topic: string): string {
  return createHash('sha256').update(topic, 'utf8').digest('hex').slice(0, 16);
}

/** The trash directory name of a partition directory: bounded length, identifies the topic by hash. */
function trashName(topic: string, partition: number): string {
  return `${topic.slice(0, READABLE_PREFIX_CHARS)}.${topicHash(topic)}-${partition}${TRASH_SUFFIX}`;
}

export class TopicTrash {
  /** Trash directory names by topic hash; `null` holds names of another form (an older version's leftovers). */
  readonly #dirs = new Map<string | null, Set<string>>();
  /** Partitions of deleted topics whose directory could not be renamed yet, by topic. */
  readonly #unrenamed = new Map<string, Set<number>>();
  readonly #dataDir: string;
  readonly #fs: StorageFs;
  readonly #logger: Logger;

  constructor(dataDir: string, fs: StorageFs, logger: Logger) {
    this.#dataDir = dataDir;
    this.#fs = fs;
    this.#logger = logger;
  }

  /** Records the trash directories of a data directory listing. */
  scan(names: readonly string[]): void {
    for (const name of names) if (name.endsWith(TRASH_SUFFIX)) this.#add(TRASH_NAME.exec(name)?.[1] ?? null, name);
  }

  #add(hash: string | null, name: string): void {
    let set = this.#dirs.get(hash);
    if (!set) this.#dirs.set(hash, (set = new Set()));
    set.add(name);
  }

  /** True while a deletion of `topic` is committed and not finished (trash left, or a partition still to move). */
  isDeleting(topic: string): boolean {
    return this.#unrenamed.has(topic) || (this.#dirs.size > 0 && this.#dirs.has(topicHash(topic)));
  }

  get empty(): boolean {
    return this.#dirs.size === 0 && this.#unrenamed.size === 0;
  }

  /**
   * Moves partition directories of `topic` to the trash, in order. `committed`: the deletion is already
   * committed (a trash directory of the topic exists), so every failure is left for retry(). Otherwise a
   * failure of the first rename throws and changes nothing; a later one is left for retry() (the first
   * rename committed the deletion). Returns how many directories were moved.
   */
  async move(topic: string, partitions: readonly number[], committed: boolean): Promise<number> {
    let moved = 0;
    for (const partition of partitions) {
      const from = join(this.#dataDir, `${topic}-${partition}`);
      const name = trashName(topic, partition);
      try {
        // A leftover of the same name (a deletion whose cleanup failed) would make the rename fail.
        await this.#fs.rmdir(join(this.#dataDir, name));
        await this.#fs.rename(from, join(this.#dataDir, name));
      } catch (err) {
        if ((await this.#fs.stat(from).catch(() => ({ isDirectory: true }))) === undefined) continue; // gone already
        if (!committed && moved === 0) throw err;
        this.#logger.error(
          { err, dir: from, topic },
          'cannot move a partition directory of a deleted topic to the trash; will retry',
        );
        let set = this.#unrenamed.get(topic);
        if (!set) this.#unrenamed.set(topic, (set = new Set()));
        set.add(partition);
        continue;
      }
      this.#add(topicHash(topic), name);
      this.#unrenamed.get(topic)?.delete(partition);
      if (this.#unrenamed.get(topic)?.size === 0) this.#unrenamed.delete(topic);
      moved++;
    }
    if (moved > 0) {
      await this.#fs.syncDir(this.#dataDir).catch((err: unknown) => {
        this.#logger.warn(
          { err, dir: this.#dataDir },
          'cannot fsync the data directory after moving partitions to the trash',
        );
      });
    }
    return moved;
  }

  /** Removes the files inside every trash directory (frees the space; the directories stay as evidence). */
  async purge(): Promise<void> {
    for (const names of this.#dirs.values()) {
      for (const name of names) {
        const dir = join(this.#dataDir, name);
        try {
          const entries = await this.#fs.readdir(dir).catch((err: NodeJS.ErrnoException) => {
            if (err.code === 'ENOENT') return [];
            throw err;
          });
          for (const entry of entries) await this.#fs.rmdir(join(dir, entry));
        } catch (err) {
          this.#logger.error({ err, dir }, 'cannot remove the files of a deleted partition; will retry');
        }
      }
    }
  }

  /** Retries the renames that failed, then purges. */
  async retry(): Promise<void> {
    for (const [topic, partitions] of [...this.#unrenamed]) await this.move(topic, [...partitions], true);
    await this.purge();
  }

  /**
   * Removes the trash directories — call only once the caller's metadata no longer lists their topics.
   * Those of a topic with a partition still to rename stay (they are its only evidence). Returns true when
   * nothing is left.
   */
  async clear(): Promise<boolean> {
    await this.purge();
    const waiting = new Set([...this.#unrenamed.keys()].map(topicHash));
    for (const [hash, names] of [...this.#dirs]) {
      if (hash !== null && waiting.has(hash)) continue;
      for (const name of [...names]) {
        try {
          await this.#fs.rmdir(join(this.#dataDir, name));
          names.delete(name);
        } catch (err) {
          this.#logger.error({ err, dir: join(this.#dataDir, name) }, 'cannot remove a trash directory; will retry');
        }
      }
      if (names.size === 0) this.#dirs.delete(hash);
    }
    return this.empty;
  }
}
