// `sluice replay` into a topic with a small max.message.bytes: records are sent in batches sized to the
// target's limit (as `sluice produce` sends them), so every record that fits is copied; a record too large
// for the target on its own stops the replay, named by its offset.
import { describe, expect, it, vi } from 'vitest';
import { sluice, useLiveBroker } from './helpers.js';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 60_000 });

const server = useLiveBroker();

const valuesOf = async (topic: string) =>
  (await sluice(['consume', topic, '--from-beginning', '-e', ...server.flags])).stdout.split('\n').filter(Boolean);

describe('replay into a topic with a small max.message.bytes', () => {
  it('copies every record, in order', async () => {
    const lines = Array.from({ length: 1006 }, (_, i) => `record-number-${i + 1}`);
    await sluice(['produce', 'orders', '--create-topic', ...server.flags], { input: `${lines.join('\n')}\n` });
    await sluice(['topics', 'create', 'small', '--config', 'max.message.bytes=200', ...server.flags]);
    const r = await sluice(['replay', 'orders', '--from', '0', '--into', 'small', ...server.flags]);
    expect(r.stderr).toMatch(/^replayed 1,006 records from 'orders' into 'small' in /);
    expect(r.code).toBe(0);
    expect(await valuesOf('small')).toEqual(lines);
  });

  it('stops at a record too large for the target alone, naming it, after copying the records before it', async () => {
    await sluice(['produce', 'mixed', '--create-topic', ...server.flags], {
      input: `first\n${'x'.repeat(300)}\nlast\n`,
    });
    await sluice(['topics', 'create', 'small2', '-p', '2', '--config', 'max.message.bytes=200', ...server.flags]);
    const r = await sluice(['replay', 'mixed', '--from', '0', '--into', 'small2', ...server.flags]);
    expect(r.code).toBe(1);
    // The target's partition count differs: said with the right plural.
    expect(r.stderr).toMatch(/^warning: 'small2' has 2 partitions and the source 1: /);
    expect(r.stderr).toMatch(
      /\nerror: replay stopped after copying 1 of 3 records: the record at offset 1 of 'mixed' partition 0 makes a batch of up to \d+ bytes, over the max\.message\.bytes of 'small2' \(200\)\n$/,
    );
    expect(await valuesOf('small2')).toEqual(['first']);
  });

  it('says "1 partition" of a target with one', async () => {
    await sluice(['topics', 'create', 'two', '-p', '2', ...server.flags]);
    await sluice(['produce', 'two', ...server.flags], { input: 'a\nb\n' });
    await sluice(['topics', 'create', 'one', ...server.flags]);
    const r = await sluice(['replay', 'two', '--from', '0', '--into', 'one', ...server.flags]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: 'one' has 1 partition and the source 2: /);
    expect((await valuesOf('one')).sort()).toEqual(['a', 'b']);
  });
});
