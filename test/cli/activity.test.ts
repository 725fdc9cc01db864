// `sluice activity` as a child process against a live broker: the activity log as lines a person reads,
// as JSON records, filtered by type (or family) and principal, and followed until Ctrl-C.
import { spawn } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { waitFor } from '../helpers/wait-for.js';
import { binary, jsonLines, root, sluice, useLiveBroker } from './helpers.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const server = useLiveBroker(async (flags) => {
  const created = await sluice(['topics', 'create', 'audited', '--partitions', '2', ...flags]);
  expect(created.code).toBe(0);
});

describe('sluice activity', () => {
  it('prints events as lines, filtered by type family and principal, and exits at the end', async () => {
    const topics = await sluice(['activity', '--type', 'topic', ...server.flags]);
    expect(topics.code).toBe(0);
    expect(topics.stdout).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z topic\.created success User:ANONYMOUS from 127\.0\.0\.1 \(client \S+\) topic:audited partitions=2$/m,
    );
    expect(topics.stdout).not.toMatch(/connection\.opened|broker\.started/);

    const all = await sluice(['activity', ...server.flags]);
    expect(all.stdout).toMatch(/broker\.started success/);
    expect(all.stdout).toMatch(/connection\.opened success User:ANONYMOUS from 127\.0\.0\.1/);

    const nobody = await sluice(['activity', '--principal', 'nobody', ...server.flags]);
    expect(nobody).toMatchObject({ code: 0, stdout: '', stderr: expect.stringContaining('no events match') });
  });

  it('--json prints the records themselves', async () => {
    const json = await sluice([
      'activity',
      '--json',
      '--type',
      'topic.created',
      '--principal',
      'User:ANONYMOUS',
      ...server.flags,
    ]);
    expect(json.code).toBe(0);
    const records = jsonLines(json.stdout);
    expect(records).toEqual([
      expect.objectContaining({
        type: 'topic.created',
        principal: 'User:ANONYMOUS',
        clientHost: '127.0.0.1',
        outcome: 'success',
        resource: 'topic:audited',
        details: { partitions: 2 },
      }),
    ]);
    expect(Date.parse(records[0]!.time as string)).toBeGreaterThan(0);
  });

  it('--follow prints new events as they happen, until Ctrl-C', async () => {
    const child = spawn(
      process.execPath,
      [binary, 'activity', '--follow', '--type', 'topic.deleted', ...server.flags],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      // Deleted while the follower runs: it keeps reading past the end it found.
      expect((await sluice(['topics', 'delete', 'audited', ...server.flags])).code).toBe(0);
      await waitFor(() => /topic\.deleted success User:ANONYMOUS .* topic:audited/.test(out), 30_000);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});
