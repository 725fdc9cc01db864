// The cluster's users, ACLs and quotas as two brokers' stores see them through a real etcd: the first broker
// seeds etcd from its data directory (once), a later one's local users are not used (and it says so), a
// change through either store reaches the other, two brokers changing one user at once both get through
// (compare-and-swap, retried), and with etcd gone a change fails with one clear sentence while logins go on
// from the last copy.
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { EtcdClient } from '../../../src/broker/cluster/etcd-client.js';
import { ClusterKeys } from '../../../src/broker/cluster/keys.js';
import { ClusterSecurityState } from '../../../src/broker/cluster/security-state.js';
import { Authorizer } from '../../../src/broker/security/acl/authorizer.js';
import { UserStore } from '../../../src/broker/security/auth/users.js';
import { QuotaStore } from '../../../src/broker/security/quotas/quota-store.js';
import { SharedStateUnavailable } from '../../../src/broker/security/shared-entries.js';
import { nodeFs } from '../../../storage/index.js';
import { type EtcdProcess, startEtcd } from '../../helpers/etcd.js';
import { removeTempDirs, tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';

let etcd: EtcdProcess | undefined;
const states: ClusterSecurityState[] = [];

afterAll(async () => {
  for (const state of states) state.close();
  await etcd?.stop();
  await removeTempDirs();
});

const acl = {
  principal: 'User:alice',
  host: '*',
  resourceType: 'topic',
  resourceName: 'orders',
  patternType: 'literal',
  operation: 'Read',
  permission: 'allow',
} as const;

/** A broker's three stores on a fresh data directory, `users` added to its users file first. */
async function brokerStores(users: Record<string, string>) {
  const dataDir = await tempDir('sluice-security-state-');
  const userStore = await UserStore.open(nodeFs, dataDir);
  for (const [name, password] of Object.entries(users)) await userStore.add(name, password, 4096);
  return {
    users: userStore,
    acls: await Authorizer.open({ dataDir, fs: nodeFs, enabled: true, superUsers: [] }),
    quotas: await QuotaStore.open(nodeFs, dataDir),
  };
}

async function join(stores: Awaited<ReturnType<typeof brokerStores>>, brokerId: number, logs: string[]) {
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
  const state = await ClusterSecurityState.start({
    etcd: new EtcdClient({ endpoints: [etcd!.endpoint], requestTimeoutMs: 1000 }),
    keys: new ClusterKeys('sec'),
    logger,
    brokerId,
    stores,
    seenTimeoutMs: 1000,
  });
  states.push(state);
  return state;
}

describe('the cluster security state on etcd', () => {
  it('seeds once, shares changes both ways, retries concurrent changes, and fails changes clearly without etcd', async () => {
    etcd = await startEtcd();
    const first = await brokerStores({ alice: 'alice-pw-1' });
    await first.acls.create([acl]);
    await first.quotas.alter(
      [{ entity: { user: 'alice' }, ops: [{ key: 'producer_byte_rate', remove: false, value: 1000 }] }],
      false,
    );
    const firstLogs: string[] = [];
    await join(first, 1, firstLogs);
    expect(firstLogs.join('')).toContain("copied this data directory's users, ACLs and quotas into the cluster");

    // A later broker's own users (a different alice, a bob) are not used: the cluster's are.
    const second = await brokerStores({ alice: 'other-alice-pw', bob: 'bob-pw' });
    const secondLogs: string[] = [];
    await join(second, 2, secondLogs);
    expect(secondLogs.join('')).toContain('are not used in cluster mode');
    expect(second.users.list().map((u) => u.name)).toEqual(['alice']);
    expect(second.users.credential('alice', 'SCRAM-SHA-512')).toEqual(first.users.credential('alice', 'SCRAM-SHA-512'));
    expect(second.acls.size).toBe(1);
    expect(second.quotas.resolve('producer_byte_rate', 'alice', 'any')?.rate).toBe(1000);

    // Changes through either broker reach the other.
    await second.users.add('carol', 'carol-pw', 4096);
    expect(second.users.has('carol')).toBe(true);
    await waitFor(() => first.users.has('carol'), { timeoutMs: 5000, message: 'carol on the first broker' });
    await first.acls.delete([{ principal: 'User:alice' }]);
    await waitFor(() => second.acls.size === 0, { timeoutMs: 5000, message: 'the ACL gone on the second broker' });
    await expect(first.users.add('carol', 'again', 4096)).rejects.toThrow('user "carol" already exists');

    // Both brokers change alice's quota entity at once: the compare-and-swap makes one of them read again
    // and retry, so neither change is lost.
    const quota = (key: 'request_rate' | 'consumer_byte_rate', value: number) => [
      { entity: { user: 'alice' }, ops: [{ key, remove: false, value }] },
    ];
    await Promise.all([
      first.quotas.alter(quota('request_rate', 50), false),
      second.quotas.alter(quota('consumer_byte_rate', 2000), false),
    ]);
    for (const stores of [first, second])
      await waitFor(
        () =>
          stores.quotas.resolve('request_rate', 'alice', 'c')?.rate === 50 &&
          stores.quotas.resolve('consumer_byte_rate', 'alice', 'c')?.rate === 2000 &&
          stores.quotas.resolve('producer_byte_rate', 'alice', 'c')?.rate === 1000,
        { timeoutMs: 5000, message: "both changes to alice's quotas on every broker" },
      );

    // etcd gone: the last copy serves, a change is refused in one sentence.
    await etcd.stop();
    expect(first.users.credential('alice', 'SCRAM-SHA-512')).toBeDefined();
    const refusal = await first.users.add('dave', 'dave-pw', 4096).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(SharedStateUnavailable);
    expect((refusal as Error).message).toMatch(/^cannot reach the cluster's users \(etcd is unreachable/);
    expect(first.users.has('dave')).toBe(false);
    await expect(first.acls.create([acl])).rejects.toThrow(/cannot reach the cluster's ACLs/);

    // Back: the watch resumes and changes go through again.
    await etcd.restart();
    await waitFor(
      async () =>
        first.users
          .add('dave', 'dave-pw', 4096)
          .then(() => true)
          .catch(() => false),
      { timeoutMs: 20_000, intervalMs: 300, message: 'a change once etcd is back' },
    );
    await waitFor(() => second.users.has('dave'), { timeoutMs: 10_000, message: 'dave on the second broker' });
  }, 90_000);
});
