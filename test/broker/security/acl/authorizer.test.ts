import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeFs } from '../../../../storage/index.js';
import { ACLS_FILE, Authorizer } from '../../../../src/broker/security/acl/authorizer.js';
import type { AclBinding } from '../../../../src/broker/security/acl/types.js';
import { ANONYMOUS_PRINCIPAL, userPrincipal } from '../../../../src/broker/security/principal.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-acl-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const alice = userPrincipal('alice');
const bob = userPrincipal('bob');

function acl(overrides: Partial<AclBinding>): AclBinding {
  return {
    principal: 'User:alice',
    host: '*',
    resourceType: 'topic',
    resourceName: 'orders',
    patternType: 'literal',
    operation: 'Read',
    permission: 'allow',
    ...overrides,
  };
}

function open(options: { enabled?: boolean; superUsers?: string[] } = {}) {
  return Authorizer.open({
    dataDir: dir,
    fs: nodeFs,
    enabled: options.enabled ?? true,
    superUsers: options.superUsers ?? [],
  });
}

describe('Authorizer', () => {
  it('denies what no ACL allows, and allows what one does', async () => {
    const authz = await open();
    expect(authz.authorize(alice, '127.0.0.1', 'Read', 'topic', 'orders')).toBe(false);
    await authz.create([acl({})]);
    expect(authz.authorize(alice, '127.0.0.1', 'Read', 'topic', 'orders')).toBe(true);
    expect(authz.authorize(alice, '127.0.0.1', 'Write', 'topic', 'orders')).toBe(false);
    expect(authz.authorize(bob, '127.0.0.1', 'Read', 'topic', 'orders')).toBe(false);
    expect(authz.authorize(alice, '127.0.0.1', 'Read', 'topic', 'orders2')).toBe(false);
    expect(authz.authorize(alice, '127.0.0.1', 'Read', 'group', 'orders')).toBe(false);
  });

  it('allows everything with authorization off, and super users always', async () => {
    const off = await open({ enabled: false });
    expect(off.authorize(ANONYMOUS_PRINCIPAL, '10.0.0.1', 'Delete', 'topic', 'x')).toBe(true);
    const on = await open({ superUsers: ['admin', 'User:root'] });
    expect(on.authorize(userPrincipal('admin'), '10.0.0.1', 'Delete', 'cluster', 'kafka-cluster')).toBe(true);
    expect(on.authorize(userPrincipal('root'), '10.0.0.1', 'Alter', 'topic', 'x')).toBe(true);
    expect(on.authorize(alice, '10.0.0.1', 'Alter', 'topic', 'x')).toBe(false);
  });

  it('lets a deny win over an allow, through User:*, the * name, prefixes and All', async () => {
    const authz = await open();
    await authz.create([
      acl({ principal: 'User:*', resourceName: '*', operation: 'All' }),
      acl({ resourceName: 'secret-', patternType: 'prefixed', operation: 'Read', permission: 'deny' }),
    ]);
    expect(authz.authorize(alice, 'h', 'Write', 'topic', 'anything')).toBe(true);
    expect(authz.authorize(alice, 'h', 'Read', 'topic', 'secret-plans')).toBe(false);
    expect(authz.authorize(alice, 'h', 'Write', 'topic', 'secret-plans')).toBe(true);
    // A deny of Read does not deny Describe (Kafka: implication applies to allows only).
    expect(authz.authorize(alice, 'h', 'Describe', 'topic', 'secret-plans')).toBe(true);
    expect(authz.authorize(bob, 'h', 'Read', 'topic', 'secret-plans')).toBe(true);
    await authz.create([
      acl({ principal: 'User:*', resourceName: 'secret-plans', operation: 'All', permission: 'deny' }),
    ]);
    expect(authz.authorize(bob, 'h', 'Describe', 'topic', 'secret-plans')).toBe(false);
  });

  it('implies Describe from Read, Write, Delete and Alter, and DescribeConfigs from AlterConfigs, for allows', async () => {
    const authz = await open();
    for (const operation of ['Read', 'Write', 'Delete', 'Alter'] as const) {
      const name = `t-${operation}`;
      await authz.create([acl({ resourceName: name, operation })]);
      expect(authz.authorize(alice, 'h', 'Describe', 'topic', name)).toBe(true);
      expect(authz.authorize(alice, 'h', 'DescribeConfigs', 'topic', name)).toBe(false);
    }
    await authz.create([acl({ resourceName: 'conf', operation: 'AlterConfigs' })]);
    expect(authz.authorize(alice, 'h', 'DescribeConfigs', 'topic', 'conf')).toBe(true);
    expect(authz.authorize(alice, 'h', 'Describe', 'topic', 'conf')).toBe(false);
  });

  it('matches the host exactly, or any host with *', async () => {
    const authz = await open();
    await authz.create([acl({ host: '10.0.0.5' })]);
    expect(authz.authorize(alice, '10.0.0.5', 'Read', 'topic', 'orders')).toBe(true);
    expect(authz.authorize(alice, '10.0.0.6', 'Read', 'topic', 'orders')).toBe(false);
  });

  it('matches prefixes of every length, and only prefixes', async () => {
    const authz = await open();
    await authz.create([
      acl({ resourceName: 'a', patternType: 'prefixed' }),
      acl({ resourceName: 'billing.', patternType: 'prefixed', operation: 'Write' }),
    ]);
    expect(authz.authorize(alice, 'h', 'Read', 'topic', 'a')).toBe(true);
    expect(authz.authorize(alice, 'h', 'Read', 'topic', 'abc')).toBe(true);
    expect(authz.authorize(alice, 'h', 'Write', 'topic', 'billing.eu')).toBe(true);
    expect(authz.authorize(alice, 'h', 'Write', 'topic', 'billing')).toBe(false);
    expect(authz.authorize(alice, 'h', 'Write', 'topic', 'xbilling.eu')).toBe(false);
    await authz.delete([{ resourceName: 'a', patternType: 'prefixed' }]);
    expect(authz.authorize(alice, 'h', 'Read', 'topic', 'abc')).toBe(false);
    expect(authz.authorize(alice, 'h', 'Write', 'topic', 'billing.eu')).toBe(true);
  });

  it('keeps ACLs across a restart, in an atomically replaced file', async () => {
    const first = await open();
    await first.create([acl({}), acl({ operation: 'Write', permission: 'deny' }), acl({})]);
    expect(first.size).toBe(2);
    const file = JSON.parse(await readFile(join(dir, ACLS_FILE), 'utf8'));
    expect(file.acls).toHaveLength(2);
    const second = await open();
    expect(second.describe({})).toEqual(first.describe({}));
    const removed = await second.delete([{ permission: 'deny' }]);
    expect(removed[0]).toHaveLength(1);
    expect((await open()).size).toBe(1);
  });

  it('refuses a bad binding alone, with a sentence', async () => {
    const authz = await open();
    const results = await authz.create([
      acl({ principal: 'alice' }),
      acl({ resourceType: 'cluster', resourceName: 'mine' }),
      acl({ operation: 'Fly' as never }),
      acl({}),
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.error.message))).toEqual([
      expect.stringMatching(/principal is written "<type>:<name>"/),
      expect.stringMatching(/cluster resource is named "kafka-cluster"/),
      expect.stringMatching(/operation must be one of/),
      'ok',
    ]);
    expect(authz.size).toBe(1);
  });

  it('describes with filters, pattern MATCH included', async () => {
    const authz = await open();
    await authz.create([
      acl({ resourceName: 'orders' }),
      acl({ resourceName: '*' }),
      acl({ resourceName: 'ord', patternType: 'prefixed' }),
      acl({ resourceName: 'other' }),
      acl({ resourceType: 'group', resourceName: 'orders' }),
    ]);
    const match = authz.describe({ resourceType: 'topic', resourceName: 'orders', patternType: 'match' });
    expect(match.map((b) => b.resourceName).sort()).toEqual(['*', 'ord', 'orders']);
    expect(authz.describe({ resourceType: 'group' })).toHaveLength(1);
  });

  it('answers whether a principal may write some topic (idempotent producers, KIP-679)', async () => {
    const authz = await open();
    expect(authz.authorizeAny(alice, 'h', 'Write', 'topic')).toBe(false);
    await authz.create([acl({ resourceName: 'x-', patternType: 'prefixed', operation: 'Write' })]);
    expect(authz.authorizeAny(alice, 'h', 'Write', 'topic')).toBe(true);
    expect(authz.authorizeAny(bob, 'h', 'Write', 'topic')).toBe(false);
  });
});
