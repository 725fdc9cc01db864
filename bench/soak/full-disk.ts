// A real full disk: `node --import tsx bench/soak/full-disk.ts --dir <directory on a small file system>`.
// Fills the file system through a real `sluice serve` until produces fail, then checks that DeleteTopics
// frees the space (and is whole after a restart), that the other topic takes writes again, and that the
// deleted name can be created again. Build first (npm run build). Make the small file system yourself, e.g.
//   mount -t tmpfs -o size=4m tmpfs /mnt/tiny
//   truncate -s 8M /tmp/tiny.img && mkfs.ext4 -q /tmp/tiny.img && mount -o loop /tmp/tiny.img /mnt/tiny
// Exits 1 on the first problem.
import { statfs } from 'node:fs/promises';
import { mkdtemp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteTopicsApi, ErrorCode, MetadataApi } from '../../src/protocol/index.js';
import { batchOf, createTopic, produce, readAll } from '../../test/helpers/broker.js';
import { startSluice, type SluiceProcess } from '../../test/helpers/sluice-process.js';
import { WireClient } from '../../test/helpers/wire-client.js';

const argv = process.argv.slice(2);
const base = argv[argv.indexOf('--dir') + 1];
if (!argv.includes('--dir') || !base) throw new Error('usage: full-disk.ts --dir <directory on a small file system>');
const dataDir = await mkdtemp(join(base, 'sluice-full-'));

const problems: string[] = [];
const check = (ok: boolean, what: string) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) problems.push(what);
};
const freeKiB = async () => {
  const s = await statfs(dataDir);
  return Math.floor((s.bavail * s.bsize) / 1024);
};
const names = async (c: WireClient) =>
  (await c.request(MetadataApi, { topics: null, allowAutoTopicCreation: false })).topics.map((t) => t.name).sort();

let proc: SluiceProcess = await startSluice(['--data-dir', dataDir, '--port', '0', '--flush', 'always']);
let c = await WireClient.connect(proc.port);
check((await createTopic(c, 'filler', 2)).errorCode === 0, 'created topic filler (2 partitions)');
check((await createTopic(c, 'kept', 1)).errorCode === 0, 'created topic kept');
check((await produce(c, 'kept', 0, batchOf(['before']))).errorCode === 0, 'kept: one record before the disk fills');
console.log(`free before filling: ${await freeKiB()} KiB`);

// Records of shrinking sizes, so that even the last few bytes of the last block are taken.
let filled = 0;
for (const size of [32 * 1024, 4096, 512, 64, 1]) {
  const value = 'x'.repeat(size);
  for (let i = 0; ; i++) {
    const r = await produce(c, 'filler', i % 2, batchOf([value]));
    if (r.errorCode !== 0) {
      if (size === 1)
        check(r.errorCode === ErrorCode.KAFKA_STORAGE_ERROR, `filler refused once full: ${r.errorMessage}`);
      break;
    }
    filled += size;
  }
}
console.log(`filled ${Math.round(filled / 1024)} KiB; free now: ${await freeKiB()} KiB`);
const refused = await produce(c, 'kept', 0, batchOf(['y'.repeat(64 * 1024)]));
check(refused.errorCode === ErrorCode.KAFKA_STORAGE_ERROR, `kept refused too while full (${refused.errorCode})`);

const deleted = (await c.request(DeleteTopicsApi, { topics: ['filler'], timeoutMs: 5000 })).topics[0]!;
check(
  deleted.errorCode === 0,
  `DeleteTopics filler on the full disk: ${deleted.errorCode} ${deleted.errorMessage ?? ''}`,
);
check(JSON.stringify(await names(c)) === '["kept"]', 'filler gone from Metadata');
console.log(`free after the delete: ${await freeKiB()} KiB`);
check((await freeKiB()) * 1024 >= filled * 0.9, 'the deleted data was freed');
check(
  (await readdir(dataDir)).every((n) => !n.startsWith('filler')),
  'no filler directory left (trash included)',
);
check((await produce(c, 'kept', 0, batchOf(['after']))).errorCode === 0, 'kept takes writes again');
check((await createTopic(c, 'filler', 1)).errorCode === 0, 'filler can be created again');
c.destroy();
check((await proc.kill('SIGTERM')) === 0, 'graceful stop');

proc = await startSluice(['--data-dir', dataDir, '--port', '0']);
c = await WireClient.connect(proc.port);
check(JSON.stringify(await names(c)) === '["filler","kept"]', 'after a restart: filler (new, empty) and kept');
check((await readAll(c, 'filler', 0)).length === 0, 'the new filler is empty');
const kept = (await readAll(c, 'kept', 0)).map((r) => r.value?.toString());
check(JSON.stringify(kept) === '["before","after"]', `kept holds its records: ${JSON.stringify(kept)}`);
c.destroy();
await proc.kill('SIGTERM');
console.log(problems.length === 0 ? 'full-disk: all checks passed' : `full-disk: ${problems.length} problems`);
process.exit(problems.length === 0 ? 0 : 1);
