// A real file system that counts the bytes read from segment (.log) files: what a read path costs in preads,
// and how many of those reads were running at once at most.
import type { StorageFileHandle, StorageFs } from '../../storage/index.js';
import { nodeFs } from '../../storage/index.js';

export function countingFs(): {
  fs: StorageFs;
  logBytesRead: () => number;
  /** Most reads running at once since the start or the last call. */
  mostReadsAtOnce: () => number;
} {
  let read = 0;
  let running = 0;
  let most = 0;
  const fs: StorageFs = {
    ...nodeFs,
    async open(path, mode) {
      const fh = await nodeFs.open(path, mode);
      if (!path.endsWith('.log')) return fh;
      const counted: StorageFileHandle = Object.create(fh) as StorageFileHandle;
      return Object.assign(counted, {
        read: async (buffer: Buffer, offset: number, length: number, position: number) => {
          most = Math.max(most, ++running);
          try {
            const n = await fh.read(buffer, offset, length, position);
            read += n;
            return n;
          } finally {
            running--;
          }
        },
      });
    },
  };
  const mostReadsAtOnce = () => {
    const seen = most;
    most = running;
    return seen;
  };
  return { fs, logBytesRead: () => read, mostReadsAtOnce };
}
