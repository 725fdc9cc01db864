// `sluice users --cluster etcd://…`: a cluster's users written to its etcd directly (the first user of a
// cluster, before any broker runs): add, list, passwd, delete, with the same sentences as offline; etcd
// holds salted keys only; an unreachable etcd and conflicting flags are said plainly.
import { afterAll, describe, expect, it } from 'vitest';
import { type EtcdProcess, startEtcd } from '../helpers/etcd.js';
import { freePort } from '../helpers/free-port.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { sluice } from './helpers.js';

let etcd: EtcdProcess | undefined;

afterAll(async () => {
  await etcd?.stop();
  await removeTempDirs();
});

const PASSWORD = 'cluster-cli-secret-97';

async function etcdValue(key: string): Promise<string | undefined> {
  const response = await fetch(`${etcd!.endpoint}/v3/kv/range`, {
    method: 'POST',
    body: JSON.stringify({ key: Buffer.from(key).toString('base64') }),
  });
  const { kvs } = (await response.json()) as { kvs?: Array<{ value: string }> };
  return kvs?.[0] && Buffer.from(kvs[0].value, 'base64').toString();
}

describe('sluice users --cluster', () => {
  it('adds, lists, changes and deletes a cluster’s users in etcd', async () => {
    etcd = await startEtcd();
    const where = ['--cluster', etcd.url, '--cluster-name', 'prod'];
    const add = await sluice(['users', 'add', 'admin', ...where], { env: { SLUICE_NEW_PASSWORD: PASSWORD } });
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toBe('created user admin (User:admin) with SCRAM-SHA-256 and SCRAM-SHA-512 credentials\n');
    const stored = await etcdValue('/sluice/prod/security/users/admin');
    expect(stored).toBeDefined();
    expect(stored).not.toContain(PASSWORD);
    expect(Object.keys(JSON.parse(stored!)).sort()).toEqual(['SCRAM-SHA-256', 'SCRAM-SHA-512']);

    const again = await sluice(['users', 'add', 'admin', ...where], { env: { SLUICE_NEW_PASSWORD: 'x' } });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/user "admin" already exists/);

    const list = await sluice(['users', 'list', ...where, '--format', 'json']);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toMatchObject({
      name: 'admin',
      mechanisms: [{ mechanism: 'SCRAM-SHA-256' }, { mechanism: 'SCRAM-SHA-512' }],
    });

    const passwd = await sluice(['users', 'passwd', 'admin', ...where], { env: { SLUICE_NEW_PASSWORD: 'new-pw-1' } });
    expect(passwd.code, passwd.stderr).toBe(0);
    expect(await etcdValue('/sluice/prod/security/users/admin')).not.toBe(stored);
    const missing = await sluice(['users', 'passwd', 'nobody', ...where], { env: { SLUICE_NEW_PASSWORD: 'x' } });
    expect(missing.stderr).toMatch(/there is no user "nobody"/);

    const deleted = await sluice(['users', 'delete', 'admin', ...where]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(await etcdValue('/sluice/prod/security/users/admin')).toBeUndefined();
    // Another cluster's name is another set of users.
    expect((await sluice(['users', 'list', '--cluster', etcd.url])).stderr).toMatch(/no users/);
  }, 60_000);

  it('says plainly when etcd cannot be reached, and refuses --cluster with --data-dir', async () => {
    const closed = await sluice(['users', 'add', 'admin', '--cluster', `etcd://127.0.0.1:${await freePort()}`], {
      env: { SLUICE_NEW_PASSWORD: PASSWORD },
    });
    expect(closed.code).toBe(1);
    expect(closed.stderr).toMatch(/cannot reach the cluster's users \(etcd is unreachable/);
    expect(closed.stderr).not.toContain(PASSWORD);
    const both = await sluice(['users', 'list', '--cluster', 'etcd://127.0.0.1:1', '--data-dir', '/tmp/x']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/give one of --cluster/);
  }, 30_000);
});
