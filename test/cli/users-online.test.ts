// `sluice users add|list|passwd|delete` online, against a running broker with authentication and ACLs on,
// through an admin connection made with the CLI's usual SASL flags: a user added online then logs in (the
// native CLI and kafkajs on the Kafka port), passwd retires the old password, delete retires the user, list
// shows mechanisms and iterations and never a secret, and a principal without the cluster ACLs is refused.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { UserStore } from '../../src/broker/security/auth/users.js';
import { nodeFs } from '../../storage/index.js';
import { LogCapture } from '../helpers/broker.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { type KafkaTestBroker, startKafkaBroker } from '../broker/kafka/helpers.js';
import { jsonLines, type RunResult, sluice } from './helpers.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const ADMIN_PASSWORD = 'admin-online-pw-7731';
const BOB_PASSWORD = 'bob-not-super-pw-2209';
const CAROL_FIRST = 'carol-first-pw-5512';
const CAROL_SECOND = 'carol-second-pw-8820';

const logs = new LogCapture();
const outputs: string[] = [];
let b: KafkaTestBroker;
let bootstrap: string[];

beforeAll(async () => {
  const dataDir = await tempDir();
  const store = await UserStore.open(nodeFs, dataDir);
  await store.add('admin', ADMIN_PASSWORD);
  await store.add('bob', BOB_PASSWORD);
  b = await startKafkaBroker({
    dataDir,
    logger: logs.logger,
    security: { authentication: true, authorization: true, superUsers: ['User:admin'] },
  });
  bootstrap = ['--bootstrap', `127.0.0.1:${b.port}`];
});
afterAll(async () => {
  await b?.stop();
  await removeTempDirs();
});

/** A `sluice` run logged in as `user`, its output kept for the no-secret check at the end. */
async function as(user: string, password: string, args: string[], newPassword?: string): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { SLUICE_PASSWORD: password };
  if (newPassword !== undefined) env.SLUICE_NEW_PASSWORD = newPassword;
  const result = await sluice([...args, '--sasl-mechanism', 'scram-sha-512', '--username', user], { env });
  outputs.push(result.stdout, result.stderr);
  return result;
}

const canLogIn = async (user: string, password: string) =>
  (await as(user, password, ['topics', 'list', '-b', `127.0.0.1:${b.port}`])).code === 0;

function kafkajs(username: string, password: string) {
  return new Kafka({
    clientId: 'kafkajs-users-online',
    brokers: [b.bootstrap],
    sasl: { mechanism: 'scram-sha-256', username, password },
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
}

describe('sluice users against a running broker', () => {
  it('adds a user online that can then log in, with the native CLI and with kafkajs on the Kafka port', async () => {
    const add = await as('admin', ADMIN_PASSWORD, ['users', 'add', 'carol', ...bootstrap], CAROL_FIRST);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toBe('created user carol (User:carol) with SCRAM-SHA-256 and SCRAM-SHA-512 credentials\n');
    expect(await canLogIn('carol', CAROL_FIRST)).toBe(true);
    const admin = kafkajs('carol', CAROL_FIRST).admin();
    await admin.connect();
    expect(Array.isArray(await admin.listTopics())).toBe(true);
    await admin.disconnect();

    const again = await as('admin', ADMIN_PASSWORD, ['users', 'add', 'carol', ...bootstrap], 'whatever-pw');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/user "carol" already exists/);
  });

  it('lists users with mechanisms and iterations, never a salt, key or password', async () => {
    const table = await as('admin', ADMIN_PASSWORD, ['users', 'list', ...bootstrap]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/USER\s+MECHANISMS/);
    expect(table.stdout).toMatch(/carol\s+SCRAM-SHA-256 \(8192 iterations\), SCRAM-SHA-512 \(8192 iterations\)/);
    const json = await as('admin', ADMIN_PASSWORD, ['users', 'list', '--format', 'json', ...bootstrap]);
    const users = jsonLines(json.stdout);
    expect(users.map((u) => u.name)).toEqual(['admin', 'bob', 'carol']);
    expect(users[2]).toEqual({
      name: 'carol',
      mechanisms: [
        { mechanism: 'SCRAM-SHA-256', iterations: 8192 },
        { mechanism: 'SCRAM-SHA-512', iterations: 8192 },
      ],
    });
    expect(json.stdout).not.toMatch(/salt|storedKey|serverKey/i);
  });

  it('passwd: the new password logs in, the old one is refused', async () => {
    const passwd = await as(
      'admin',
      ADMIN_PASSWORD,
      ['users', 'passwd', 'carol', '--iterations', '4096', ...bootstrap],
      CAROL_SECOND,
    );
    expect(passwd.code, passwd.stderr).toBe(0);
    expect(passwd.stdout).toBe('changed the password of carol\n');
    expect(await canLogIn('carol', CAROL_SECOND)).toBe(true);
    const old = await as('carol', CAROL_FIRST, ['topics', 'list', '-b', `127.0.0.1:${b.port}`]);
    expect(old.code).toBe(1);
    expect(old.stderr).toMatch(/invalid credentials/);
    await expect(kafkajs('carol', CAROL_FIRST).admin().connect()).rejects.toThrow(/authentication failed/i);
    const listed = jsonLines(
      (await as('admin', ADMIN_PASSWORD, ['users', 'list', '--format', 'json', ...bootstrap])).stdout,
    );
    expect(listed.find((u) => u.name === 'carol')).toMatchObject({
      mechanisms: [{ iterations: 4096 }, { iterations: 4096 }],
    });
  });

  it('a user without Alter/Describe on the cluster is refused, and nothing changes', async () => {
    const add = await as('bob', BOB_PASSWORD, ['users', 'add', 'mallory', ...bootstrap], 'mallory-pw-1');
    expect(add.code).toBe(1);
    expect(add.stderr).toMatch(/not authorized to (list|change) users: that needs (Describe|Alter) on the cluster/);
    const list = await as('bob', BOB_PASSWORD, ['users', 'list', ...bootstrap]);
    expect(list.code).toBe(1);
    expect(list.stderr).toMatch(/not authorized to list users: that needs Describe on the cluster/);
    const remove = await as('bob', BOB_PASSWORD, ['users', 'delete', 'carol', ...bootstrap]);
    expect(remove.code).toBe(1);
    expect(remove.stderr).toMatch(/not authorized/);
    expect(await canLogIn('carol', CAROL_SECOND)).toBe(true);
    expect(await canLogIn('mallory', 'mallory-pw-1')).toBe(false);
  });

  it('delete: the user can no longer log in; unknown users and an unreachable broker are said plainly', async () => {
    const remove = await as('admin', ADMIN_PASSWORD, ['users', 'delete', 'carol', ...bootstrap]);
    expect(remove.code, remove.stderr).toBe(0);
    expect(remove.stdout).toBe('deleted user carol\n');
    expect(await canLogIn('carol', CAROL_SECOND)).toBe(false);
    await expect(kafkajs('carol', CAROL_SECOND).admin().connect()).rejects.toThrow(/authentication failed/i);

    for (const args of [
      ['delete', 'carol'],
      ['passwd', 'nobody'],
    ]) {
      const run = await as('admin', ADMIN_PASSWORD, ['users', ...args, ...bootstrap], 'unused-pw-1');
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stderr).toMatch(/there is no user "(carol|nobody)"/);
    }
    const unreachable = await as('admin', ADMIN_PASSWORD, ['users', 'list', '--bootstrap', '127.0.0.1:1']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot reach broker 127\.0\.0\.1:1: connection refused/);
    const both = await as('admin', ADMIN_PASSWORD, ['users', 'list', ...bootstrap, '--data-dir', '/tmp/x']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/give --bootstrap .* or --data-dir .*, not both/);
  });

  it('never shows a password in any output or the broker log', () => {
    const secrets = [ADMIN_PASSWORD, BOB_PASSWORD, CAROL_FIRST, CAROL_SECOND];
    for (const text of [...outputs, JSON.stringify(logs.lines)]) for (const s of secrets) expect(text).not.toContain(s);
  });
});
