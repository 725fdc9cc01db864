// A real file system that counts the bytes read from segment (.log) files: what a read path costs in preads.
import type { StorageFileHandle, StorageFs } from '../../storage/index.js';
import { nodeFs } from '../../storage/index.js';

export function countingFs(): { fs: StorageFs; logBytesRead: () => number } {
  let read = 0;
  const fs: StorageFs = {
    ...nodeFs,
    async open(path, mode) {
      const fh = await nodeFs.open(path, mode);
      if (!path.endsWith('.log')) return fh;
      const counted: StorageFileHandle = Object.create(fh) as StorageFileHandle;
      return Object.assign(counted, {
        read: async (buffer: Buffer, offset: number, length: number, position: number) => {
          const n = await fh.read(buffer, offset, length, position);
          read += n;
          return n;
        },
      });
    },
  };
  return { fs, logBytesRead: () => read };
}
