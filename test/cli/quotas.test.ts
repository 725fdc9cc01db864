// `sluice quotas set|list|remove` as child processes against a live broker, and their usage errors.
import { describe, expect, it, vi } from 'vitest';
import { jsonLines, sluice, useLiveBroker } from './helpers.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const server = useLiveBroker();

describe('sluice quotas', () => {
  it('sets, lists (table and JSON) and removes quotas of users, client ids and defaults', async () => {
    const set = await sluice([
      'quotas',
      'set',
      '--user',
      'alice',
      '--producer-byte-rate',
      '1048576',
      '--request-rate',
      '50',
      '--request-percentage',
      '12.5',
      ...server.flags,
    ]);
    expect(set).toMatchObject({
      code: 0,
      stderr: expect.stringContaining(
        'set producer_byte_rate=1048576, request_percentage=12.5, request_rate=50 for user=alice',
      ),
    });
    expect(
      (await sluice(['quotas', 'set', '--default-client-id', '--consumer-byte-rate', '2048', ...server.flags])).code,
    ).toBe(0);

    const table = await sluice(['quotas', 'list', ...server.flags]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/USER\s+CLIENT-ID\s+QUOTA\s+VALUE/);
    expect(table.stdout).toMatch(/alice\s+producer_byte_rate\s+1048576/);
    expect(table.stdout).toMatch(/<default>\s+consumer_byte_rate\s+2048/);

    const alice = jsonLines(
      (await sluice(['quotas', 'list', '--user', 'alice', '--format', 'json', ...server.flags])).stdout,
    );
    expect(alice).toEqual([
      { user: 'alice', clientId: '', quota: 'producer_byte_rate', value: 1048576 },
      { user: 'alice', clientId: '', quota: 'request_percentage', value: 12.5 },
      { user: 'alice', clientId: '', quota: 'request_rate', value: 50 },
    ]);

    const removed = await sluice(
      ['quotas', 'remove', '--user', 'alice', '--quota', 'request_rate', '--quota', 'request_percentage'].concat(
        server.flags,
      ),
    );
    expect(removed).toMatchObject({
      code: 0,
      stderr: expect.stringContaining('removed request_rate, request_percentage for user=alice'),
    });
    expect((await sluice(['quotas', 'remove', '--default-client-id', ...server.flags])).code).toBe(0);
    const after = jsonLines((await sluice(['quotas', 'list', '--format', 'json', ...server.flags])).stdout);
    expect(after).toEqual([{ user: 'alice', clientId: '', quota: 'producer_byte_rate', value: 1048576 }]);
  });

  it('refuses a missing entity, a missing quota and a bad rate with one clear sentence', async () => {
    const noEntity = await sluice(['quotas', 'set', '--request-rate', '5', ...server.flags]);
    expect(noEntity.code).not.toBe(0);
    expect(noEntity.stderr).toMatch(/name the entity: --user <name> or --default-user/);
    const noQuota = await sluice(['quotas', 'set', '--user', 'bob', ...server.flags]);
    expect(noQuota.stderr).toMatch(/say which quota to set/);
    const badRate = await sluice(['quotas', 'set', '--user', 'bob', '--producer-byte-rate', '1.5k', ...server.flags]);
    expect(badRate.stderr).toMatch(/--producer-byte-rate must be a whole number per second, at least 1, got "1.5k"/);
    const badShare = await sluice(['quotas', 'set', '--user', 'bob', '--request-percentage', '0', ...server.flags]);
    expect(badShare.stderr).toMatch(
      /--request-percentage must be a number of percent above 0, like 25 or 0.5, got "0"/,
    );
  });
});
