// `sluice acls add|list|remove` as child processes against a live broker, and their usage errors.
import { describe, expect, it, vi } from 'vitest';
import { jsonLines, sluice, useLiveBroker } from './helpers.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const server = useLiveBroker();

describe('sluice acls', () => {
  it('adds, lists (table and JSON) and removes ACLs', async () => {
    const add = await sluice([
      'acls',
      'add',
      '--principal',
      'User:alice',
      '--operation',
      'read,describe',
      '--topic',
      'orders',
      ...server.flags,
    ]);
    expect(add).toMatchObject({ code: 0, stderr: expect.stringContaining('added 2 ACLs') });
    await sluice(
      [
        'acls',
        'add',
        '--principal',
        'User:*',
        '--operation',
        'Write',
        '--topic',
        'logs.',
        '--prefixed',
        '--deny',
      ].concat(server.flags),
    );
    const table = await sluice(['acls', 'list', ...server.flags]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/PRINCIPAL\s+PERMISSION\s+OPERATION\s+RESOURCE\s+PATTERN\s+HOST/);
    expect(table.stdout).toMatch(/User:alice\s+allow\s+Read\s+topic:orders\s+literal\s+\*/);
    expect(table.stdout).toMatch(/User:\*\s+deny\s+Write\s+topic:logs\.\s+prefixed\s+\*/);

    const alice = jsonLines(
      (await sluice(['acls', 'list', '--principal', 'User:alice', '--format', 'json', ...server.flags])).stdout,
    );
    expect(alice.map((r) => r.operation).sort()).toEqual(['Describe', 'Read']);

    const removed = await sluice([
      'acls',
      'remove',
      '--principal',
      'User:alice',
      '--operation',
      'Read',
      ...server.flags,
    ]);
    expect(removed).toMatchObject({ code: 0, stderr: expect.stringContaining('removed 1 ACL') });
    const left = jsonLines((await sluice(['acls', 'list', '--format', 'json', ...server.flags])).stdout);
    expect(left.map((r) => `${r.principal} ${r.operation}`).sort()).toEqual(['User:* Write', 'User:alice Describe']);
  });

  it('says clearly what is wrong with bad flags, without contacting the broker', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['add', '--principal', 'alice', '--operation', 'Read', '--topic', 't'], /principal is written "User:<name>"/],
      [
        ['add', '--principal', 'User:a', '--operation', 'Fly', '--topic', 't'],
        /unknown operation "Fly": use one of All, Read/,
      ],
      [['add', '--principal', 'User:a', '--operation', 'Read'], /name the resource/],
      [['add', '--principal', 'User:a', '--operation', 'Read', '--topic', 't', '--group', 'g'], /name one resource/],
      [['add', '--principal', 'User:a', '--operation', 'Read', '--cluster', '--prefixed'], /--prefixed needs --topic/],
      [['remove'], /say which ACLs to remove/],
    ];
    for (const [args, message] of cases) {
      const run = await sluice(['acls', ...args, '-b', '127.0.0.1:1']);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(message);
    }
  });
});
