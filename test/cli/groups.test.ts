// `sluice groups …` and `sluice consume --group` as child processes against a live broker: lag,
// members and assignment, offset resets (dry run and execute), deletion, and their error cases.
import { spawn } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { waitFor } from '../helpers/wait-for.js';
import { binary, jsonLines, sluice, useLiveBroker } from './helpers.js';

// Each test runs several child processes; a loaded 2-core machine can slow each one several-fold.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const server = useLiveBroker(async (flags) => {
  await sluice(['topics', 'create', 'orders', '-p', '3', ...flags]);
  await sluice(['produce', 'orders', ...flags], { input: Array.from({ length: 30 }, (_, i) => `o${i}`).join('\n') });
});

interface LagReport {
  groupId: string;
  state: string;
  members: Array<{ memberId: string; clientId: string; assignment: Record<string, number[]> }>;
  partitions: Array<{
    topic: string;
    partition: number;
    committedOffset: number | null;
    logEndOffset: number;
    lag: number;
    memberId: string | null;
  }>;
  totalLag: number;
}

const describeJson = async (group: string) =>
  jsonLines<LagReport>((await sluice(['groups', 'describe', group, '--format', 'json', ...server.flags])).stdout)[0]!;

/** A `sluice consume --group` running in the background until stopped with Ctrl-C (SIGINT). */
function member(group: string) {
  const child = spawn(
    process.execPath,
    [binary, 'consume', 'orders', '--group', group, '--from-beginning', ...server.flags],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return {
    lines: () => stdout.split('\n').filter(Boolean),
    async stop() {
      child.kill('SIGINT');
      return { code: await closed, stderr };
    },
  };
}

/** Each check may run `sluice groups describe`: a process, so no more often than every 200 ms. */
const until = (check: () => Promise<boolean> | boolean) => waitFor(check, { timeoutMs: 15_000, intervalMs: 200 });

describe('groups', () => {
  it('shows a live member, its assignment and lag, and commits on Ctrl-C', async () => {
    const m = member('billing');
    await until(() => m.lines().length === 30);
    await until(
      async () => (await describeJson('billing')).totalLag === 0 && (await describeJson('billing')).state === 'Stable',
    );
    const live = await describeJson('billing');
    expect(live.groupId).toBe('billing'); // `groupId`, as in `queue list` and the SDK
    expect(live.members).toHaveLength(1);
    expect(live.members[0]!.assignment).toEqual({ orders: [0, 1, 2] });
    expect(live.partitions.map((p) => [p.partition, p.committedOffset, p.logEndOffset, p.lag, p.memberId])).toEqual(
      [0, 1, 2].map((p) => [p, 10, 10, 0, live.members[0]!.memberId]),
    );

    const text = await sluice(['groups', 'describe', 'billing', ...server.flags]);
    expect(text.stdout).toMatch(/state:\s+Stable/);
    expect(text.stdout).toMatch(/TOPIC\s+PARTITION\s+COMMITTED\s+LOG-END\s+LAG\s+MEMBER\s+CLIENT\s+HOST/);

    const busyReset = await sluice([
      'groups',
      'reset-offsets',
      'billing',
      '--topic',
      'orders',
      '--to-earliest',
      '--execute',
      ...server.flags,
    ]);
    expect(busyReset.code).toBe(1);
    expect(busyReset.stderr).toBe("error: group 'billing' has 1 active member: stop it before resetting offsets\n");
    const busyDelete = await sluice(['groups', 'delete', 'billing', ...server.flags]);
    expect(busyDelete.code).toBe(1);
    expect(busyDelete.stderr).toBe("error: group 'billing' has active members: stop them before deleting it\n");

    const stopped = await m.stop();
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toBe("consumed 30 records (group 'billing', offsets committed)\n");

    const list = await sluice(['groups', 'list', ...server.flags]);
    expect(list.stdout).toMatch(/GROUP\s+STATE\s+MEMBERS\s+ASSIGNOR\nbilling\s+Empty\s+0/);
    expect(jsonLines((await sluice(['groups', 'list', '--format', 'json', ...server.flags])).stdout)).toContainEqual(
      expect.objectContaining({ groupId: 'billing', state: 'Empty', members: 0 }),
    );
  });

  it('resumes where the group committed and shows lag for new records', async () => {
    await sluice(['produce', 'orders', '-p', '0', ...server.flags], { input: 'late1\nlate2\n' });
    const lagging = await describeJson('billing');
    expect(lagging.totalLag).toBe(2);
    expect(lagging.partitions.find((p) => p.partition === 0)).toMatchObject({
      committedOffset: 10,
      logEndOffset: 12,
      lag: 2,
    });
    const text = await sluice(['groups', 'describe', 'billing', ...server.flags]);
    expect(text.stdout).toMatch(/total lag:\s+2\n/);
    const resumed = await sluice(['consume', 'orders', '--group', 'billing', '-e', ...server.flags]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toBe('late1\nlate2\n');
    expect((await describeJson('billing')).totalLag).toBe(0);
  });

  it('resets offsets: dry run by default, then --execute', async () => {
    const dry = await sluice([
      'groups',
      'reset-offsets',
      'billing',
      '--topic',
      'orders',
      '--to-earliest',
      ...server.flags,
    ]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/TOPIC\s+PARTITION\s+CURRENT\s+NEW\norders\s+0\s+12\s+0\n/);
    expect(dry.stderr).toBe('dry run: nothing changed; add --execute to apply\n');
    expect((await describeJson('billing')).totalLag).toBe(0);

    const shift = await sluice([
      'groups',
      'reset-offsets',
      'billing',
      '--topic',
      'orders',
      '--shift-by',
      '-3',
      '--execute',
      '--format',
      'json',
      ...server.flags,
    ]);
    expect(jsonLines(shift.stdout)).toEqual([
      { groupId: 'billing', topic: 'orders', partition: 0, currentOffset: 12, newOffset: 9, applied: true },
      { groupId: 'billing', topic: 'orders', partition: 1, currentOffset: 10, newOffset: 7, applied: true },
      { groupId: 'billing', topic: 'orders', partition: 2, currentOffset: 10, newOffset: 7, applied: true },
    ]);
    expect((await describeJson('billing')).totalLag).toBe(9);
    await sluice([
      'groups',
      'reset-offsets',
      'billing',
      '--topic',
      'orders',
      '--to-offset',
      '100',
      '--partition',
      '1',
      '--execute',
      ...server.flags,
    ]);
    expect((await describeJson('billing')).partitions.find((p) => p.partition === 1)!.committedOffset).toBe(10); // clamped to the log end
    await sluice([
      'groups',
      'reset-offsets',
      'billing',
      '--topic',
      'orders',
      '--to-datetime',
      '1h',
      '--execute',
      ...server.flags,
    ]);
    expect((await describeJson('billing')).totalLag).toBe(32);

    const none = await sluice(['groups', 'reset-offsets', 'billing', '--topic', 'orders', ...server.flags]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(
      /give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by/,
    );
    const both = await sluice([
      'groups',
      'reset-offsets',
      'billing',
      '--topic',
      'orders',
      '--to-latest',
      '--dry-run',
      '--execute',
      ...server.flags,
    ]);
    expect(both.code).toBe(2);
    const badTime = await sluice([
      'groups',
      'reset-offsets',
      'billing',
      '--topic',
      'orders',
      '--to-datetime',
      'tuesday',
      ...server.flags,
    ]);
    expect(badTime.code).toBe(2);
  });

  it('deletes a group and names unknown ones', async () => {
    const del = await sluice(['groups', 'delete', 'billing', ...server.flags]);
    expect(del).toMatchObject({ code: 0, stdout: "deleted group 'billing'\n" });
    for (const args of [
      ['groups', 'describe', 'billing'],
      ['groups', 'delete', 'billing'],
    ]) {
      const r = await sluice([...args, ...server.flags]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toBe("error: unknown group 'billing'\n");
    }
  });
});
