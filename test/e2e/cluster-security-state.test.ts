// Users, ACLs and quotas cluster-wide: three `sluice serve --cluster --auth` processes on a real etcd, the
// first user made offline in etcd (`sluice users add admin --cluster etcd://…`) before any broker started;
// ACLs and quotas changed offline in etcd (`sluice acls --etcd`, `sluice quotas --cluster`) reach every broker.
// A user created through broker 1 logs in on brokers 2 and 3 (native port with SCRAM, Kafka port with
// kafkajs); an ACL added on broker 2 allows on broker 3 and its removal on broker 1 denies there again; a
// quota set on one broker slows a producer on another; a deleted user is refused everywhere; a restarted
// broker keeps it all; with etcd frozen, logins go on from each broker's copy and changes fail with a clear
// error. etcd holds salted keys only: no password in any value, nor in any broker's output.
import { execFileSync } from 'node:child_process';
import {
  AclOperationTypes as KafkaAclOperation,
  AclPermissionTypes as KafkaAclPermission,
  AclResourceTypes as KafkaAclResource,
  Kafka,
  logLevel as kafkaLogLevel,
  ResourcePatternTypes as KafkaPattern,
} from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PeerConnection } from '../../src/broker/cluster/peer-connection.js';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  logLevel,
  ResourcePatternTypes,
  Sluice,
} from '../../src/client/index.js';
import { ErrorCode, MetadataApi } from '../../src/protocol/index.js';
import { SluiceCluster } from '../helpers/sluice-cluster.js';
import { sluiceBinary } from '../helpers/sluice-process.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const ADMIN_PASSWORD = 'admin-secret-40417';
const ALICE_PASSWORD = 'alice-secret-88123';
const BOB_PASSWORD = 'bob-secret-61290';
const PASSWORDS = [ADMIN_PASSWORD, ALICE_PASSWORD, BOB_PASSWORD];
const QUOTA = 128 * 1024;
let cluster: SluiceCluster;

function client(id: number, username: string, password: string): Sluice {
  return new Sluice({
    clientId: 'cluster-security',
    brokers: [`127.0.0.1:${cluster.port(id)}`],
    sasl: { mechanism: 'scram-sha-512', username, password },
    connectionTimeout: 2000,
    requestTimeout: 15_000,
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 },
    logLevel: logLevel.NOTHING,
  });
}

/** Runs `call` with broker `id`'s admin client as `username`, disconnecting after. */
async function asAdmin<T>(
  id: number,
  call: (admin: ReturnType<Sluice['admin']>) => Promise<T>,
  username = 'admin',
  password = ADMIN_PASSWORD,
): Promise<T> {
  const admin = client(id, username, password).admin();
  await admin.connect();
  try {
    return await call(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Whether `username` can log in on broker `id`'s native port (SCRAM-SHA-512). */
async function logsIn(id: number, username: string, password: string): Promise<boolean> {
  try {
    await asAdmin(id, (admin) => admin.listTopics(), username, password);
    return true;
  } catch {
    return false;
  }
}

function kafkaPort(id: number): number {
  const listening = cluster.members.get(id)!.lines.find((l) => l.msg === 'listening');
  return listening!.kafkaPort as number;
}

/** The Metadata error alice gets for `topic` on broker `id` (TOPIC_AUTHORIZATION_FAILED without Describe). */
async function aliceMetadataError(id: number, topic: string): Promise<number> {
  const alice = await PeerConnection.open('127.0.0.1', cluster.port(id), 'alice-check', 5000, {
    user: 'alice',
    mechanism: 'SCRAM-SHA-512',
    password: () => ALICE_PASSWORD,
  });
  try {
    const answer = await alice.request(MetadataApi, { topics: [topic], allowAutoTopicCreation: false });
    return answer.topics[0]!.errorCode;
  } finally {
    alice.close();
  }
}

const aliceAcl = (topic: string, operation: AclOperationTypes) => ({
  resourceType: AclResourceTypes.TOPIC,
  resourceName: topic,
  resourcePatternType: ResourcePatternTypes.LITERAL,
  principal: 'User:alice',
  host: '*',
  operation,
  permissionType: AclPermissionTypes.ALLOW,
});

beforeAll(async () => {
  cluster = await SluiceCluster.start(
    [1, 2, 3],
    () => ({
      args: ['--auth', '--super-user', 'admin', '--inter-broker-user', 'admin', '--kafka-port', '0'],
      env: { SLUICE_INTER_BROKER_PASSWORD: ADMIN_PASSWORD },
    }),
    (id, _dataDir, etcdUrl) => {
      // The cluster's first user, made offline in etcd before the first broker starts (no data dir holds it).
      if (id !== 1) return;
      const out = execFileSync(process.execPath, [sluiceBinary, 'users', 'add', 'admin', '--cluster', etcdUrl], {
        env: { ...process.env, SLUICE_NEW_PASSWORD: ADMIN_PASSWORD },
        encoding: 'utf8',
      });
      expect(out).toContain('created user admin');
    },
  );
}, 300_000);

afterAll(async () => {
  await cluster?.close();
  await removeTempDirs();
});

describe('users, ACLs and quotas cluster-wide (3 brokers with --auth, real etcd)', () => {
  it('the offline bootstrap user logs in on every broker; a user made on broker 1 logs in on 2 and 3, both ports', async () => {
    for (const id of [1, 2, 3]) expect(await logsIn(id, 'admin', ADMIN_PASSWORD)).toBe(true);
    for (const [user, password] of [
      ['alice', ALICE_PASSWORD],
      ['bob', BOB_PASSWORD],
    ] as const)
      await asAdmin(1, (admin) =>
        admin.alterUserScramCredentials({
          upsertions: [
            { user, mechanism: 'SCRAM-SHA-256', password, iterations: 4096 },
            { user, mechanism: 'SCRAM-SHA-512', password, iterations: 4096 },
          ],
        }),
      );
    for (const id of [2, 3])
      await waitFor(() => logsIn(id, 'alice', ALICE_PASSWORD), { timeoutMs: 10_000, message: `alice on broker ${id}` });
    expect(await logsIn(3, 'alice', 'not-her-password')).toBe(false);

    // kafkajs with SCRAM-SHA-256 on broker 3's Kafka port.
    const kafka = new Kafka({
      clientId: 'kafkajs-cluster-security',
      brokers: [`127.0.0.1:${kafkaPort(3)}`],
      sasl: { mechanism: 'scram-sha-256', username: 'bob', password: BOB_PASSWORD },
      connectionTimeout: 2000,
      retry: { retries: 2 },
      logLevel: kafkaLogLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.listTopics();
    await admin.disconnect();

    // etcd holds salted, iterated keys: never a password.
    const stored = await cluster.etcdPrefix('/sluice/sluice/security/users/');
    expect(stored.map((kv) => kv.key).sort()).toEqual([
      '/sluice/sluice/security/users/admin',
      '/sluice/sluice/security/users/alice',
      '/sluice/sluice/security/users/bob',
    ]);
    for (const { value } of stored) {
      for (const password of PASSWORDS) expect(value).not.toContain(password);
      const sha512 = JSON.parse(value)['SCRAM-SHA-512'];
      expect(Object.keys(sha512).sort()).toEqual(['iterations', 'salt', 'serverKey', 'storedKey']);
      expect(sha512.iterations).toBeGreaterThanOrEqual(4096);
    }
  });

  it('an ACL added on broker 2 allows on broker 3; removed on broker 1, it denies there again', async () => {
    await asAdmin(1, (admin) => admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 1 }] }));
    expect(await aliceMetadataError(3, 'orders')).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    await asAdmin(2, (admin) => admin.createAcls({ acl: [aliceAcl('orders', AclOperationTypes.DESCRIBE)] }));
    await waitFor(async () => (await aliceMetadataError(3, 'orders')) === ErrorCode.NONE, {
      timeoutMs: 10_000,
      message: 'broker 3 to allow alice Describe on orders',
    });
    const listed = await asAdmin(3, (admin) =>
      admin.describeAcls({
        resourceType: AclResourceTypes.TOPIC,
        resourcePatternType: ResourcePatternTypes.ANY,
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      }),
    );
    expect(listed.resources.map((r) => r.resourceName)).toEqual(['orders']);

    // kafkajs on broker 1's Kafka port: its ACL is listed by broker 3 too.
    const kafka = new Kafka({
      clientId: 'kafkajs-cluster-acls',
      brokers: [`127.0.0.1:${kafkaPort(1)}`],
      sasl: { mechanism: 'scram-sha-512', username: 'admin', password: ADMIN_PASSWORD },
      connectionTimeout: 2000,
      retry: { retries: 2 },
      logLevel: kafkaLogLevel.NOTHING,
    });
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    await kafkaAdmin.createAcls({
      acl: [
        {
          resourceType: KafkaAclResource.TOPIC,
          resourceName: 'audit',
          resourcePatternType: KafkaPattern.LITERAL,
          principal: 'User:alice',
          host: '*',
          operation: KafkaAclOperation.READ,
          permissionType: KafkaAclPermission.ALLOW,
        },
      ],
    });
    await kafkaAdmin.disconnect();
    await waitFor(
      async () =>
        (
          await asAdmin(3, (admin) =>
            admin.describeAcls({
              resourceType: AclResourceTypes.TOPIC,
              resourceName: 'audit',
              resourcePatternType: ResourcePatternTypes.LITERAL,
              operation: AclOperationTypes.ANY,
              permissionType: AclPermissionTypes.ANY,
            }),
          )
        ).resources.length === 1,
      { timeoutMs: 10_000, message: "kafkajs's ACL on broker 3" },
    );

    await asAdmin(1, (admin) =>
      admin.deleteAcls({
        filters: [
          {
            resourceType: AclResourceTypes.TOPIC,
            resourceName: 'orders',
            resourcePatternType: ResourcePatternTypes.LITERAL,
            principal: 'User:alice',
            host: '*',
            operation: AclOperationTypes.DESCRIBE,
            permissionType: AclPermissionTypes.ALLOW,
          },
        ],
      }),
    );
    await waitFor(async () => (await aliceMetadataError(3, 'orders')) === ErrorCode.TOPIC_AUTHORIZATION_FAILED, {
      timeoutMs: 10_000,
      message: 'broker 3 to deny alice Describe on orders again',
    });
    // Kept for the restart below.
    await asAdmin(2, (admin) => admin.createAcls({ acl: [aliceAcl('orders', AclOperationTypes.DESCRIBE)] }));
  });

  it('a quota set through one broker slows a producer on another', async () => {
    await asAdmin(1, (admin) =>
      admin.createTopics({ topics: [{ topic: 'metered', numPartitions: 1, replicationFactor: 1 }] }),
    );
    const { leader } = await cluster.settled('metered', 0, 1);
    const other = [1, 2, 3].find((id) => id !== leader)!;
    await asAdmin(other, (admin) =>
      Promise.all([
        admin.createAcls({ acl: [aliceAcl('metered', AclOperationTypes.ALL)] }),
        admin.alterClientQuotas({
          entries: [{ entity: { user: 'alice' }, ops: [{ key: 'producer_byte_rate', value: QUOTA }] }],
        }),
      ]),
    );
    await waitFor(
      async () =>
        (await asAdmin(leader, (admin) => admin.describeClientQuotas())).some(
          (q) => q.entity.user === 'alice' && q.values.producer_byte_rate === QUOTA,
        ),
      { timeoutMs: 10_000, message: `the quota on broker ${leader}` },
    );
    await waitFor(async () => (await aliceMetadataError(leader, 'metered')) === ErrorCode.NONE, {
      timeoutMs: 10_000,
      message: `alice's ACL on broker ${leader}`,
    });

    const producer = client(leader, 'alice', ALICE_PASSWORD).producer();
    await producer.connect();
    const value = 'q'.repeat(8 * 1024);
    const points: Array<{ at: number; bytes: number }> = [];
    let bytes = 0;
    for (let i = 0; i < 24; i++) {
      await producer.send({ topic: 'metered', messages: Array.from({ length: 4 }, () => ({ value })) });
      bytes += 4 * value.length;
      points.push({ at: performance.now(), bytes });
    }
    await producer.disconnect();
    // Past two seconds' worth, the burst is spent: the rate is the quota's (the bound below is generous).
    const start = points.find((p) => p.bytes >= 2 * QUOTA)!;
    const end = points[points.length - 1]!;
    const rate = ((end.bytes - start.bytes) / (end.at - start.at)) * 1000;
    expect(rate).toBeLessThanOrEqual(QUOTA * 1.1);
    expect(rate).toBeGreaterThan(QUOTA * 0.3);
  }, 120_000);

  it('a user deleted through broker 2 is refused on every broker', async () => {
    await asAdmin(2, (admin) =>
      admin.alterUserScramCredentials({
        deletions: [
          { user: 'alice', mechanism: 'SCRAM-SHA-256' },
          { user: 'alice', mechanism: 'SCRAM-SHA-512' },
        ],
      }),
    );
    for (const id of [1, 2, 3])
      await waitFor(async () => !(await logsIn(id, 'alice', ALICE_PASSWORD)), {
        timeoutMs: 10_000,
        message: `alice refused on broker ${id}`,
      });
    expect(await cluster.etcdGet('/sluice/sluice/security/users/alice')).toBeUndefined();
  });

  it('a restarted broker keeps the users, ACLs and quotas', async () => {
    await cluster.stop(3, 'SIGTERM');
    await cluster.serve(3);
    expect(await logsIn(3, 'bob', BOB_PASSWORD)).toBe(true);
    expect(await logsIn(3, 'alice', ALICE_PASSWORD)).toBe(false);
    const [acls, quotas] = await asAdmin(3, (admin) =>
      Promise.all([
        admin.describeAcls({
          resourceType: AclResourceTypes.TOPIC,
          resourcePatternType: ResourcePatternTypes.ANY,
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        }),
        admin.describeClientQuotas(),
      ]),
    );
    expect(acls.resources.map((r) => r.resourceName).sort()).toEqual(['audit', 'metered', 'orders']);
    expect(quotas).toEqual([{ entity: { user: 'alice' }, values: { producer_byte_rate: QUOTA } }]);
  });

  it('ACLs and quotas changed offline in etcd (sluice acls --etcd, sluice quotas --cluster) reach every broker', async () => {
    const sluiceCli = (args: string[]) =>
      execFileSync(process.execPath, [sluiceBinary, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const etcd = cluster.etcd.url;
    // What the brokers were given online is what the offline listing shows.
    const listed = sluiceCli(['acls', 'list', '--etcd', etcd, '--topic', 'orders', '--format', 'json']);
    expect(
      listed
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([expect.objectContaining({ principal: 'User:alice', operation: 'Describe', resourceName: 'orders' })]);

    sluiceCli(['acls', 'add', '--etcd', etcd, '--principal', 'User:bob', '--operation', 'Read', '--group', 'workers']);
    sluiceCli(['quotas', 'set', '--cluster', etcd, '--client-id', 'offline-client', '--request-rate', '100']);
    const groupAcls = (id: number) =>
      asAdmin(id, (admin) =>
        admin.describeAcls({
          resourceType: AclResourceTypes.GROUP,
          resourcePatternType: ResourcePatternTypes.ANY,
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        }),
      );
    const clientQuota = async (id: number) =>
      (await asAdmin(id, (admin) => admin.describeClientQuotas())).find((q) => q.entity.clientId === 'offline-client');
    for (const id of [1, 2, 3]) {
      await waitFor(async () => (await groupAcls(id)).resources.some((r) => r.resourceName === 'workers'), {
        timeoutMs: 10_000,
        message: `broker ${id} to hold bob's group ACL`,
      });
      await waitFor(async () => (await clientQuota(id))?.values.request_rate === 100, {
        timeoutMs: 10_000,
        message: `broker ${id} to hold the client quota`,
      });
    }

    sluiceCli(['acls', 'remove', '--etcd', etcd, '--group', 'workers']);
    sluiceCli(['quotas', 'remove', '--cluster', etcd, '--client-id', 'offline-client']);
    for (const id of [1, 2, 3]) {
      await waitFor(async () => (await groupAcls(id)).resources.length === 0, {
        timeoutMs: 10_000,
        message: `broker ${id} to drop bob's group ACL`,
      });
      await waitFor(async () => (await clientQuota(id)) === undefined, {
        timeoutMs: 10_000,
        message: `broker ${id} to drop the client quota`,
      });
    }
  }, 90_000);

  it('with etcd frozen, logins go on from each broker’s copy and a change fails with a clear error', async () => {
    cluster.etcd.signal('SIGSTOP');
    try {
      expect(await logsIn(2, 'bob', BOB_PASSWORD)).toBe(true);
      const results = await asAdmin(2, (admin) =>
        admin
          .alterUserScramCredentials({
            upsertions: [{ user: 'carol', mechanism: 'SCRAM-SHA-512', password: 'carol-secret-1', iterations: 4096 }],
          })
          .then(
            () => 'changed',
            (error: Error) => error.message,
          ),
      );
      expect(results).toMatch(/not changed: cannot reach the cluster's users \(etcd is unreachable/);
    } finally {
      cluster.etcd.signal('SIGCONT');
    }
    expect(await logsIn(1, 'bob', BOB_PASSWORD)).toBe(true);
  }, 60_000);

  it('no password in any broker output', () => {
    for (const member of cluster.members.values()) {
      const output = JSON.stringify(member.lines) + member.stderr();
      for (const password of PASSWORDS) expect(output).not.toContain(password);
    }
  });
});
