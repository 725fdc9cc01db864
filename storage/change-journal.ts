// The data directory's change journal `changed-partitions`: the partitions that may have changed since the
// clean base (`clean-base.json`, clean-shutdown.ts) was written, i.e. the base rows the next start must not
// trust. It lets a crash after a clean start recover only what was used since, instead of every partition.
//
// Format: text lines `<topic> <partition>\n`, or `<topic> *\n` for every partition of a topic (a deletion).
// Topic names hold no space or newline (format/topic-name.ts). A last line without its newline is a write
// torn by a crash: its mark was never acknowledged (below), so its partition did not change; it is ignored
// and the next mark overwrites it.
//
// Invariant: a base partition changes only after mark() of it resolved, i.e. after its line was fsynced
// (fdatasync). The file is created by the first mark of a run (a start that changes nothing opens no
// file), and its directory entry (with the base's rename) is made durable before its first line, once, by
// `ready` (the LogManager's data-directory fsync).
//
// Concurrency: marks that arrive while a write + fsync runs share the next one (group commit): loading
// 10,000 partitions at once costs a handful of fsyncs. A partition is marked once per run.
import { join } from 'node:path';
import type { StorageFileHandle, StorageFs } from './fs.js';
import { readFileIfExists, unlinkIfPresent } from './atomic.js';
import { StorageIOError } from './errors.js';

export const CHANGE_JOURNAL_FILE = 'changed-partitions';

const LINE = /^([^ \n]+) (\d+|\*)$/;

/** What the journal read at open says changed since the base was written. */
export class ChangedPartitions {
  constructor(
    private readonly partitions: ReadonlySet<string> = new Set(),
    private readonly topics: ReadonlySet<string> = new Set(),
  ) {}

  has(topic: string, partition: number): boolean {
    return this.topics.has(topic) || this.partitions.has(`${topic} ${partition}`);
  }

  get size(): number {
    return this.partitions.size + this.topics.size;
  }
}

/**
 * The journal's complete lines; `length`: bytes up to the end of the last complete line (where the next
 * mark is written). undefined: a complete line that is not a mark (outside damage): nothing can be trusted.
 */
export function parseChangeJournal(bytes: Buffer): { changed: ChangedPartitions; length: number } | undefined {
  const text = bytes.toString('latin1');
  const end = text.lastIndexOf('\n') + 1;
  const partitions = new Set<string>();
  const topics = new Set<string>();
  if (end > 0)
    for (const line of text.slice(0, end - 1).split('\n')) {
      const m = LINE.exec(line);
      if (!m) return undefined;
      if (m[2] === '*') topics.add(m[1]!);
      else partitions.add(line);
    }
  return { changed: new ChangedPartitions(partitions, topics), length: end };
}

interface PendingMark {
  line: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class ChangeJournal {
  readonly #fs: StorageFs;
  readonly #path: string;
  /** Opened by the first mark: 'r+' to add to the lines found, 'w+' to start the file (created or truncated). */
  #handle: StorageFileHandle | undefined;
  readonly #openMode: 'r+' | 'w+';
  readonly #ready: () => Promise<void>;
  /** Where the next line goes: the end of the last complete, fsynced line. */
  #length: number;
  /** Every mark asked for in this run, by line: shared by later callers; dropped when it failed. */
  readonly #marks = new Map<string, Promise<void>>();
  #queue: PendingMark[] = [];
  #flushing: Promise<void> | undefined;
  #closed = false;

  private constructor(fs: StorageFs, path: string, length: number, ready: () => Promise<void>) {
    this.#fs = fs;
    this.#path = path;
    this.#length = length;
    this.#openMode = length > 0 ? 'r+' : 'w+';
    this.#ready = ready;
  }

  /**
   * The journal of `dataDir`. `reset`: a new base is being taken, the journal starts empty (a file left by
   * an older base is removed now, and truncated by the first mark if that removal was lost). Otherwise the
   * journal as found: `changed` is what it lists (empty when there is no file: nothing was marked, so
   * nothing changed), undefined when it is garbled.
   */
  static async open(
    fs: StorageFs,
    dataDir: string,
    options: { reset: boolean; ready: () => Promise<void> },
  ): Promise<{ journal: ChangeJournal; changed: ChangedPartitions | undefined }> {
    const path = join(dataDir, CHANGE_JOURNAL_FILE);
    try {
      if (options.reset) {
        await unlinkIfPresent(fs, path);
        return { journal: new ChangeJournal(fs, path, 0, options.ready), changed: new ChangedPartitions() };
      }
      const bytes = await readFileIfExists(fs, path);
      const parsed = bytes === undefined ? { changed: new ChangedPartitions(), length: 0 } : parseChangeJournal(bytes);
      return { journal: new ChangeJournal(fs, path, parsed?.length ?? 0, options.ready), changed: parsed?.changed };
    } catch (err) {
      throw new StorageIOError(`cannot read the change journal ${path}`, err);
    }
  }

  /** Resolves once the journal durably says `partition` of `topic` may have changed. */
  markPartition(topic: string, partition: number): Promise<void> {
    return this.#mark(`${topic} ${partition}\n`);
  }

  /** Resolves once the journal durably says every partition of `topic` may have changed (a deletion). */
  markTopic(topic: string): Promise<void> {
    return this.#mark(`${topic} *\n`);
  }

  #mark(line: string): Promise<void> {
    const known = this.#marks.get(line);
    if (known) return known;
    if (this.#closed) return Promise.reject(new StorageIOError('the change journal is closed'));
    const marked = new Promise<void>((resolve, reject) => this.#queue.push({ line, resolve, reject }));
    this.#marks.set(line, marked);
    // A failed mark is asked for again by the next caller; its own callers get the error.
    marked.catch(() => {
      if (this.#marks.get(line) === marked) this.#marks.delete(line);
    });
    this.#flushing ??= this.#flush();
    return marked;
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      try {
        this.#handle ??= await this.#fs.open(this.#path, this.#openMode);
        await this.#ready();
        const bytes = Buffer.from(batch.map((m) => m.line).join(''), 'latin1');
        // At the end of the last fsynced line: a failed write before is overwritten, never appended to.
        await this.#handle.write(bytes, this.#length);
        await this.#handle.sync();
        this.#length += bytes.length;
        for (const m of batch) m.resolve();
      } catch (err) {
        const error = new StorageIOError(`cannot write the change journal ${this.#path}`, err);
        for (const m of batch) m.reject(error);
      }
    }
    this.#flushing = undefined;
  }

  /** Waits for the marks under way, then closes the file; later marks are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#flushing;
    await this.#handle?.close();
  }
}
