// `sluice acls --etcd etcd://…` and `sluice quotas --cluster etcd://…`: a cluster's ACLs and client quotas
// written to its etcd directly, brokers running or not (so they are in place before the first broker starts
// with --auth): add, list and remove with the same sentences and output as through a broker; etcd holds one
// entry per ACL and per quota entity; unreachable etcd, a bad etcd address and a lone --cluster-name are said
// plainly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EtcdProcess, startEtcd } from '../helpers/etcd.js';
import { freePort } from '../helpers/free-port.js';
import { jsonLines, sluice } from './helpers.js';

let etcd: EtcdProcess;

beforeAll(async () => {
  etcd = await startEtcd();
}, 60_000);

afterAll(async () => {
  await etcd?.stop();
});

async function etcdKeys(prefix: string): Promise<string[]> {
  const key = Buffer.from(prefix).toString('base64');
  const end = Buffer.from(prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1));
  const response = await fetch(`${etcd.endpoint}/v3/kv/range`, {
    method: 'POST',
    body: JSON.stringify({ key, range_end: end.toString('base64'), keys_only: true }),
  });
  const { kvs } = (await response.json()) as { kvs?: Array<{ key: string }> };
  return (kvs ?? []).map((kv) => Buffer.from(kv.key, 'base64').toString()).sort();
}

describe('sluice acls --etcd', () => {
  it('adds, lists and removes a cluster’s ACLs in etcd', async () => {
    const where = ['--etcd', etcd.url, '--cluster-name', 'prod'];
    const add = await sluice([
      'acls',
      'add',
      ...where,
      '--principal',
      'User:alice',
      '--operation',
      'Read,Describe',
      '--topic',
      'orders',
    ]);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stderr).toBe('added 2 ACLs\n');
    const deny = await sluice(['acls', 'add', ...where, '--principal', 'User:bob', '--operation', 'All', '--cluster']);
    expect(deny.code, deny.stderr).toBe(0);
    expect(await etcdKeys('/sluice/prod/security/acls/')).toHaveLength(3);

    const list = await sluice(['acls', 'list', ...where, '--topic', 'orders', '--format', 'json']);
    expect(list.code, list.stderr).toBe(0);
    expect(jsonLines(list.stdout)).toEqual([
      {
        principal: 'User:alice',
        permission: 'allow',
        operation: 'Describe',
        resourceType: 'topic',
        resourceName: 'orders',
        patternType: 'literal',
        host: '*',
      },
      {
        principal: 'User:alice',
        permission: 'allow',
        operation: 'Read',
        resourceType: 'topic',
        resourceName: 'orders',
        patternType: 'literal',
        host: '*',
      },
    ]);
    const table = await sluice(['acls', 'list', ...where]);
    expect(table.stdout).toMatch(/User:bob\s+allow\s+All\s+cluster:kafka-cluster/);

    // Adding the same ACL again changes nothing.
    await sluice(['acls', 'add', ...where, '--principal', 'User:alice', '--operation', 'Read', '--topic', 'orders']);
    expect(await etcdKeys('/sluice/prod/security/acls/')).toHaveLength(3);

    const remove = await sluice(['acls', 'remove', ...where, '--principal', 'User:alice']);
    expect(remove.code, remove.stderr).toBe(0);
    expect(remove.stderr).toBe('removed 2 ACLs\n');
    expect(await etcdKeys('/sluice/prod/security/acls/')).toHaveLength(1);
    const none = await sluice(['acls', 'remove', ...where, '--principal', 'User:alice']);
    expect(none.stderr).toBe('no ACLs matched: nothing removed\n');
    // Another cluster's name is another set of ACLs.
    expect((await sluice(['acls', 'list', '--etcd', etcd.url])).stderr).toBe('no ACLs match\n');
  }, 60_000);

  it('refuses a bad etcd address, a lone --cluster-name and an unreachable etcd in one sentence', async () => {
    const bad = await sluice(['acls', 'list', '--etcd', 'http://nowhere']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --etcd /);
    const lone = await sluice(['acls', 'list', '--cluster-name', 'prod']);
    expect(lone.code).toBe(2);
    expect(lone.stderr).toMatch(/--cluster-name goes with --etcd/);
    const closed = await sluice([
      'acls',
      'add',
      '--etcd',
      `etcd://127.0.0.1:${await freePort()}`,
      '--principal',
      'User:alice',
      '--operation',
      'Read',
      '--topic',
      't',
    ]);
    expect(closed.code).toBe(1);
    expect(closed.stderr).toMatch(/cannot reach the cluster's ACLs \(etcd is unreachable/);
  }, 30_000);
});

describe('sluice quotas --cluster', () => {
  it('sets, lists and removes a cluster’s quotas in etcd', async () => {
    const where = ['--cluster', etcd.url];
    const set = await sluice(['quotas', 'set', ...where, '--user', 'alice', '--producer-byte-rate', '1048576']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stderr).toBe('set producer_byte_rate=1048576 for user=alice\n');
    await sluice(['quotas', 'set', ...where, '--default-user', '--request-rate', '50']);
    expect(await etcdKeys('/sluice/sluice/security/quotas/')).toHaveLength(2);

    const list = await sluice(['quotas', 'list', ...where, '--format', 'json']);
    expect(list.code, list.stderr).toBe(0);
    expect(jsonLines(list.stdout)).toEqual([
      { user: '<default>', clientId: '', quota: 'request_rate', value: 50 },
      { user: 'alice', clientId: '', quota: 'producer_byte_rate', value: 1048576 },
    ]);
    const alice = await sluice(['quotas', 'list', ...where, '--user', 'alice', '--format', 'json']);
    expect(jsonLines(alice.stdout)).toEqual([
      { user: 'alice', clientId: '', quota: 'producer_byte_rate', value: 1048576 },
    ]);

    const remove = await sluice(['quotas', 'remove', ...where, '--user', 'alice']);
    expect(remove.code, remove.stderr).toBe(0);
    expect(remove.stderr).toBe('removed producer_byte_rate for user=alice\n');
    expect(await etcdKeys('/sluice/sluice/security/quotas/')).toHaveLength(1);

    const refused = await sluice(['quotas', 'set', ...where, '--user', 'bob', '--request-percentage', '0']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--request-percentage must be a number of percent above 0/);
  }, 60_000);
});
