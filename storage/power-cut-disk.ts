// A simulated disk for power-cut tests: an in-memory file tree behind the StorageFs seam that keeps, per
// file, what was written (the page cache) apart from what was fsynced, and per directory its entries apart
// from the entries its last fsync made durable. `cut()` is the power failure: everything not durable is
// thrown away (or, in 'torn' mode, partly kept), and every StorageFs handed out before it goes dead.
//
// Why a simulation at the seam rather than a real file system: SIGKILL keeps the page cache, so only a
// machine crash (a VM, dm-flakey/dm-log-writes, a FUSE layer like LazyFS) loses unsynced data for real,
// and none of those is available here (Debian packages no such FUSE layer; device-mapper targets need a
// kernel we do not control). Every file operation the broker makes goes through StorageFs, so a model of
// that interface sees all of them, cuts between any two of them (counted, so a seed replays a cut
// point), and costs milliseconds per round instead of a reboot.
//
// What is modelled — what Linux promises (fsync(2), rename(2); ext4/xfs), taken conservatively:
//  - File data and size are durable only once `sync()` (fdatasync) of that file returned. A file's sync
//    does not make its name durable.
//  - A directory entry (a file created, renamed, unlinked; a directory made or removed) is durable only
//    once `syncDir()` of the directory holding it ran. A rename within one directory is one atomic entry
//    change; across directories it is two, one per directory. Removing a tree unlinks entry by entry.
//  - At a cut, mode 'lost': each file is its durable content and each directory its durable entries.
//    Mode 'torn' (what a disk writing back in any order can leave): each file is its durable content
//    plus any subset of the 512-byte sectors written since its last sync, with any length between the
//    durable and the written one (sectors never written back read as zeros); each directory is its
//    durable entries plus a prefix (in order) of the entry changes since its last sync. Mode 'kept' is
//    a process crash (SIGKILL) instead: the page cache survives — everything written is still there,
//    still not durable, for a later power cut to take — only the process is gone.
//  - After a cut, every StorageFs from `mount()` before it, and every handle it opened, rejects every
//    call with EIO: the old process can neither read nor write the disk after the power is gone.
//
// Not modelled: a disk that acknowledges a flush it did not do (write caches without barriers), bit
// rot or misdirected writes, fsync reporting an error (FaultyFs does that), permissions, free space,
// hard links, timestamps. Reads see written data (the page cache), as on Linux.
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { OpenMode, StorageFileHandle, StorageFs } from './fs.js';

/** How much of what was not yet durable survives a cut ('kept': a process crash, not a power cut). */
export type UnsyncedFate = 'lost' | 'torn' | 'kept';

export interface CutOptions {
  /** Default 'lost'. */
  unsynced?: UnsyncedFate;
  /** Uniform in [0, 1): the choices of a 'torn' cut. Default Math.random (pass a seeded one to replay). */
  random?: () => number;
}

export interface CutReport {
  /** Mutating operations done on the disk before the cut (the cut landed before operation `operation + 1`). */
  operation: number;
  unsynced: UnsyncedFate;
  /** Files that were durable at the moment of the cut (path → content): what no cut may take away. */
  durable: ReadonlyMap<string, Buffer>;
  /** Reachable files whose content after the cut differs from what had been written. */
  filesChanged: number;
  /** Directories whose entries after the cut differ from what they were. */
  directoriesChanged: number;
}

/** The size of what a disk writes atomically; a torn file mixes old and new data at this granularity. */
export const SECTOR_BYTES = 512;

const EMPTY = Buffer.alloc(0);

class FileNode {
  /** Written content in bytes [0, length); bytes past `length` are always zero. */
  data: Buffer = EMPTY;
  length = 0;
  /** Content as of the last sync. */
  durable: Buffer = EMPTY;

  written(): Buffer {
    return this.data.subarray(0, this.length);
  }

  write(bytes: Buffer, position: number): void {
    const end = position + bytes.length;
    if (end > this.data.length) {
      const grown = Buffer.alloc(Math.max(end, this.data.length * 2, 4096));
      this.data.copy(grown, 0, 0, this.length);
      this.data = grown;
    }
    bytes.copy(this.data, position);
    this.length = Math.max(this.length, end);
  }

  truncate(length: number): void {
    if (length < this.length) this.data.fill(0, length, this.length);
    else if (length > this.data.length) this.write(Buffer.alloc(0), length);
    this.length = length;
  }

  reset(content: Buffer): void {
    this.data = Buffer.from(content);
    this.length = content.length;
    this.durable = Buffer.from(content);
  }
}

/** One atomic change of a directory's entries: names set to a node, or removed (undefined). */
type EntryChange = Array<[string, Node | undefined]>;

class DirNode {
  entries = new Map<string, Node>();
  /** Entries as of the last syncDir. */
  durable = new Map<string, Node>();
  /** Entry changes since the last syncDir, in order. */
  pending: EntryChange[] = [];

  change(change: EntryChange): void {
    for (const [name, node] of change) {
      if (node) this.entries.set(name, node);
      else this.entries.delete(name);
    }
    this.pending.push(change);
  }
}

type Node = FileNode | DirNode;

function fsError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated disk, ${syscall} '${path}'`), { code, syscall, path });
}

function powerCutError(syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`EIO: the power was cut; ${syscall} '${path}' of an earlier boot`), {
    code: 'EIO',
    syscall,
    path,
  });
}

/** Bytes [start, end) of `buf`, zero-padded where `buf` is shorter. */
function sector(buf: Buffer, start: number, end: number): Buffer {
  if (end <= buf.length) return buf.subarray(start, end);
  const out = Buffer.alloc(end - start);
  if (start < buf.length) buf.copy(out, 0, start);
  return out;
}

/** What a file holds after a 'torn' cut: see the file comment. */
function tear(durable: Buffer, written: Buffer, random: () => number): Buffer {
  const low = Math.min(durable.length, written.length);
  const high = Math.max(durable.length, written.length);
  const pick = random();
  const length =
    pick < 0.3 ? durable.length : pick < 0.6 ? written.length : low + Math.floor(random() * (high - low + 1));
  const keep = random(); // share of the changed sectors that reached the disk
  const out = Buffer.alloc(length);
  for (let start = 0; start < length; start += SECTOR_BYTES) {
    const end = Math.min(start + SECTOR_BYTES, length);
    const fresh = sector(written, start, end);
    const old = sector(durable, start, end);
    (fresh.equals(old) || random() < keep ? fresh : old).copy(out, start);
  }
  return out;
}

export class PowerCutDisk {
  readonly root: string;
  #tree = new DirNode();
  #boot = 0;
  #operations = 0;
  #armed: { at: number; options: CutOptions; resolve: (report: CutReport) => void } | undefined;

  /** `root`: the directory the disk holds (it exists, durably); paths outside it are refused. */
  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Mutating operations so far (writes, syncs, truncations, creations, renames, unlinks, mkdirs). */
  get operations(): number {
    return this.#operations;
  }

  /** A StorageFs for one boot of the program under test; it dies at the next cut. */
  mount(): StorageFs {
    return new DiskMount(this, this.#boot);
  }

  /**
   * Arms a cut just before the `after + 1`-th mutating operation from now (that operation fails with EIO,
   * and so does everything of this boot after it). Resolves with the cut's report.
   */
  cutAfter(after: number, options: CutOptions = {}): Promise<CutReport> {
    if (this.#armed) throw new Error('a cut is already armed');
    return new Promise((resolve) => {
      this.#armed = { at: this.#operations + after, options, resolve };
    });
  }

  /** Cuts so far. */
  get cuts(): number {
    return this.#boot;
  }

  /** Whether an armed cut has not happened yet. */
  get armed(): boolean {
    return this.#armed !== undefined;
  }

  /** The power cut, now (an armed cut, if any, happens now instead). */
  cut(options?: CutOptions): CutReport {
    const armed = this.#armed;
    this.#armed = undefined;
    const report = this.#cut(options ?? armed?.options ?? {});
    armed?.resolve(report);
    return report;
  }

  /** The files as they would be after a cut that loses everything unsynced (path → content). */
  durableFiles(): Map<string, Buffer> {
    const files = new Map<string, Buffer>();
    const visit = (dir: DirNode, path: string, seen: Set<Node>) => {
      for (const [name, node] of dir.durable) {
        if (seen.has(node)) continue;
        seen.add(node);
        if (node instanceof FileNode) files.set(join(path, name), node.durable);
        else visit(node, join(path, name), seen);
      }
    };
    visit(this.#tree, this.root, new Set());
    return files;
  }

  #cut(options: CutOptions): CutReport {
    const unsynced = options.unsynced ?? 'lost';
    const random = options.random ?? Math.random;
    const durable = this.durableFiles();
    this.#boot++;
    if (unsynced === 'kept')
      return { operation: this.#operations, unsynced, durable, filesChanged: 0, directoriesChanged: 0 };
    let filesChanged = 0;
    let directoriesChanged = 0;
    const seen = new Set<Node>();
    const settle = (dir: DirNode) => {
      const entries = new Map(dir.durable);
      const kept = unsynced === 'torn' ? Math.floor(random() * (dir.pending.length + 1)) : 0;
      for (const change of dir.pending.slice(0, kept))
        for (const [name, node] of change) {
          if (node) entries.set(name, node);
          else entries.delete(name);
        }
      if (entries.size !== dir.entries.size || [...entries].some(([n, node]) => dir.entries.get(n) !== node))
        directoriesChanged++;
      dir.entries = entries;
      dir.durable = new Map(entries);
      dir.pending = [];
      for (const node of entries.values()) {
        if (seen.has(node)) continue;
        seen.add(node);
        if (node instanceof DirNode) {
          settle(node);
          continue;
        }
        const written = node.written();
        const content = unsynced === 'torn' ? tear(node.durable, written, random) : node.durable;
        if (!content.equals(written)) filesChanged++;
        node.reset(content);
      }
    };
    settle(this.#tree);
    return { operation: this.#operations, unsynced, durable, filesChanged, directoriesChanged };
  }

  // ---- used by DiskMount and DiskHandle ----

  /** Every call starts here: refuses calls of an earlier boot, counts mutations, fires an armed cut. */
  enter(boot: number, mutating: boolean, syscall: string, path: string): void {
    if (boot !== this.#boot) throw powerCutError(syscall, path);
    if (!mutating) return;
    if (this.#armed && this.#operations >= this.#armed.at) {
      this.cut();
      throw powerCutError(syscall, path);
    }
    this.#operations++;
  }

  /** Lets other work run (as a syscall would), then fails the call if the power was cut meanwhile. */
  async settle(boot: number, syscall: string, path: string): Promise<void> {
    await new Promise<void>((r) => setImmediate(r));
    if (boot !== this.#boot) throw powerCutError(syscall, path);
  }

  /** The parent directory of `path` and the name in it; the root itself has no parent. */
  parentOf(path: string, syscall: string): { dir: DirNode; name: string } {
    const parts = this.#parts(path, syscall);
    if (parts.length === 0) throw fsError('EBUSY', syscall, path);
    const name = parts.pop()!;
    const dir = this.#walk(parts, path, syscall);
    if (!dir) throw fsError('ENOENT', syscall, path);
    if (!(dir instanceof DirNode)) throw fsError('ENOTDIR', syscall, path);
    return { dir, name };
  }

  lookup(path: string, syscall: string): Node | undefined {
    return this.#walk(this.#parts(path, syscall), path, syscall);
  }

  /** Makes every missing directory of `path` (mkdir -p). */
  mkdirs(path: string): void {
    let dir = this.#tree;
    for (const name of this.#parts(path, 'mkdir')) {
      const node = dir.entries.get(name);
      if (node instanceof FileNode) throw fsError('EEXIST', 'mkdir', path);
      if (node) {
        dir = node;
        continue;
      }
      const made = new DirNode();
      dir.change([[name, made]]);
      dir = made;
    }
  }

  /** Unlinks a tree entry by entry, deepest first (each removal pending in its own directory). */
  removeTree(parent: DirNode, name: string): void {
    const node = parent.entries.get(name);
    if (node instanceof DirNode) for (const child of [...node.entries.keys()]) this.removeTree(node, child);
    parent.change([[name, undefined]]);
  }

  newFile(): FileNode {
    return new FileNode();
  }

  #parts(path: string, syscall: string): string[] {
    const rel = relative(this.root, resolve(path));
    if (rel.startsWith('..') || isAbsolute(rel)) throw fsError('EXDEV', syscall, path);
    return rel === '' ? [] : rel.split(/[\\/]/);
  }

  #walk(parts: string[], path: string, syscall: string): Node | undefined {
    let node: Node = this.#tree;
    for (const name of parts) {
      if (!(node instanceof DirNode)) throw fsError('ENOTDIR', syscall, path);
      const next = node.entries.get(name);
      if (!next) return undefined;
      node = next;
    }
    return node;
  }
}

class DiskMount implements StorageFs {
  readonly #disk: PowerCutDisk;
  readonly #boot: number;

  constructor(disk: PowerCutDisk, boot: number) {
    this.#disk = disk;
    this.#boot = boot;
  }

  async open(path: string, mode: OpenMode): Promise<StorageFileHandle> {
    const disk = this.#disk;
    disk.enter(this.#boot, mode === 'w+', 'open', path);
    const { dir, name } = disk.parentOf(path, 'open');
    let node = dir.entries.get(name);
    if (node instanceof DirNode) throw fsError('EISDIR', 'open', path);
    if (!node) {
      if (mode !== 'w+') throw fsError('ENOENT', 'open', path);
      node = disk.newFile();
      dir.change([[name, node]]);
    } else if (mode === 'w+') node.truncate(0);
    await disk.settle(this.#boot, 'open', path);
    return new DiskHandle(disk, this.#boot, path, node, mode !== 'r');
  }

  async readFile(path: string): Promise<Buffer> {
    this.#disk.enter(this.#boot, false, 'read', path);
    const node = this.#disk.lookup(path, 'open');
    if (!node) throw fsError('ENOENT', 'open', path);
    if (node instanceof DirNode) throw fsError('EISDIR', 'read', path);
    const bytes = Buffer.from(node.written());
    await this.#disk.settle(this.#boot, 'read', path);
    return bytes;
  }

  async readdir(path: string): Promise<string[]> {
    this.#disk.enter(this.#boot, false, 'scandir', path);
    const node = this.#disk.lookup(path, 'scandir');
    if (!node) throw fsError('ENOENT', 'scandir', path);
    if (node instanceof FileNode) throw fsError('ENOTDIR', 'scandir', path);
    const names = [...node.entries.keys()];
    await this.#disk.settle(this.#boot, 'scandir', path);
    return names;
  }

  async stat(path: string): Promise<{ size: number; isDirectory: boolean } | undefined> {
    this.#disk.enter(this.#boot, false, 'stat', path);
    const node = this.#disk.lookup(path, 'stat');
    const result = node && {
      size: node instanceof FileNode ? node.length : 4096,
      isDirectory: node instanceof DirNode,
    };
    await this.#disk.settle(this.#boot, 'stat', path);
    return result;
  }

  async mkdir(path: string): Promise<void> {
    this.#disk.enter(this.#boot, true, 'mkdir', path);
    this.#disk.mkdirs(path);
    await this.#disk.settle(this.#boot, 'mkdir', path);
  }

  async rename(from: string, to: string): Promise<void> {
    const disk = this.#disk;
    disk.enter(this.#boot, true, 'rename', to);
    const source = disk.parentOf(from, 'rename');
    const target = disk.parentOf(to, 'rename');
    const node = source.dir.entries.get(source.name);
    if (!node) throw fsError('ENOENT', 'rename', from);
    const replaced = target.dir.entries.get(target.name);
    if (replaced && replaced !== node) {
      if (replaced instanceof DirNode && !(node instanceof DirNode)) throw fsError('EISDIR', 'rename', to);
      if (replaced instanceof FileNode && node instanceof DirNode) throw fsError('ENOTDIR', 'rename', to);
      if (replaced instanceof DirNode && replaced.entries.size > 0) throw fsError('ENOTEMPTY', 'rename', to);
    }
    if (replaced !== node) {
      if (source.dir === target.dir)
        source.dir.change([
          [target.name, node],
          [source.name, undefined],
        ]);
      else {
        target.dir.change([[target.name, node]]);
        source.dir.change([[source.name, undefined]]);
      }
    }
    await disk.settle(this.#boot, 'rename', to);
  }

  async unlink(path: string): Promise<void> {
    const disk = this.#disk;
    disk.enter(this.#boot, true, 'unlink', path);
    const { dir, name } = disk.parentOf(path, 'unlink');
    const node = dir.entries.get(name);
    if (!node) throw fsError('ENOENT', 'unlink', path);
    if (node instanceof DirNode) throw fsError('EISDIR', 'unlink', path);
    dir.change([[name, undefined]]);
    await disk.settle(this.#boot, 'unlink', path);
  }

  async rmdir(path: string): Promise<void> {
    const disk = this.#disk;
    disk.enter(this.#boot, true, 'rm', path);
    const { dir, name } = disk.parentOf(path, 'rm');
    if (dir.entries.has(name)) disk.removeTree(dir, name);
    await disk.settle(this.#boot, 'rm', path);
  }

  async syncDir(path: string): Promise<void> {
    const disk = this.#disk;
    disk.enter(this.#boot, true, 'fsync', path);
    const node = disk.lookup(path, 'open');
    if (!node) throw fsError('ENOENT', 'open', path);
    if (node instanceof DirNode) {
      node.durable = new Map(node.entries);
      node.pending = [];
    } else node.durable = Buffer.from(node.written());
    await disk.settle(this.#boot, 'fsync', path);
  }
}

class DiskHandle implements StorageFileHandle {
  readonly path: string;
  readonly #disk: PowerCutDisk;
  readonly #boot: number;
  readonly #node: FileNode;
  readonly #writable: boolean;
  #closed = false;

  constructor(disk: PowerCutDisk, boot: number, path: string, node: FileNode, writable: boolean) {
    this.#disk = disk;
    this.#boot = boot;
    this.path = path;
    this.#node = node;
    this.#writable = writable;
  }

  #enter(mutating: boolean, syscall: string): void {
    this.#disk.enter(this.#boot, mutating, syscall, this.path);
    if (this.#closed || (mutating && !this.#writable)) throw fsError('EBADF', syscall, this.path);
  }

  async write(buffer: Buffer, position: number): Promise<void> {
    this.#enter(true, 'write');
    this.#node.write(buffer, position);
    await this.#disk.settle(this.#boot, 'write', this.path);
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    this.#enter(false, 'read');
    const end = Math.min(this.#node.length, position + length);
    const n = Math.max(0, end - position);
    if (n > 0) this.#node.data.copy(buffer, offset, position, end);
    await this.#disk.settle(this.#boot, 'read', this.path);
    return n;
  }

  async sync(): Promise<void> {
    this.#enter(true, 'fdatasync');
    this.#node.durable = Buffer.from(this.#node.written());
    await this.#disk.settle(this.#boot, 'fdatasync', this.path);
  }

  async truncate(length: number): Promise<void> {
    this.#enter(true, 'ftruncate');
    this.#node.truncate(length);
    await this.#disk.settle(this.#boot, 'ftruncate', this.path);
  }

  async size(): Promise<number> {
    this.#enter(false, 'fstat');
    const size = this.#node.length;
    await this.#disk.settle(this.#boot, 'fstat', this.path);
    return size;
  }

  /** Never fails: closing touches no disk (and a process killed by a cut has nothing left to close). */
  async close(): Promise<void> {
    this.#closed = true;
  }
}
