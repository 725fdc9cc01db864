// The storage engine on a simulated disk (PowerCutDisk) that keeps only what was fsynced — file data
// after the file's fsync, names after their directory's fsync — when the power is cut.
import { describe, expect, it } from 'vitest';
import { LogManager, PowerCutDisk } from '../../storage/index.js';
import { config, makeBatch, readAll } from './helpers.js';

const always = config({ flush: { kind: 'always' } });

describe('power cut', () => {
  it('keeps an fsynced append in a data directory the log manager had to create', async () => {
    const disk = new PowerCutDisk('/sim');
    const open = () =>
      LogManager.open({
        dataDir: '/sim/data/logs',
        configFor: () => always,
        fs: disk.mount(),
        maintenanceIntervalMs: 0,
      });
    const manager = await open();
    const log = await manager.create('t', 0, always);
    expect((await log.append(makeBatch({ records: 3 }))).lastOffset).toBe(2);
    disk.cut();
    const reopened = await open();
    const recovered = reopened.get('t', 0);
    expect(recovered?.logEndOffset, 'the acknowledged (fsynced) append survived').toBe(3);
    expect(await readAll(recovered!)).toHaveLength(1);
    await reopened.close();
  });
});
