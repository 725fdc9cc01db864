// Users managed online against a running broker with authentication on: the SDK's
// admin.alterUserScramCredentials / describeUserScramCredentials (native DescribeUserScramCredentials /
// AlterUserScramCredentials), the change in force at the next login with no restart, Alter/Describe on the
// cluster needed, activity events without secrets; and the same APIs on the Kafka wire.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ActivityEvent } from '../../../src/broker/diagnostics.js';
import { UserStore } from '../../../src/broker/security/auth/users.js';
import { Sluice } from '../../../src/client/index.js';
import { ErrorCode } from '../../../src/protocol/index.js';
import { AlterUserScramCredentials, DescribeUserScramCredentials } from '../../../src/protocol/kafka/index.js';
import { saltedPassword } from '../../../src/protocol/sasl/scram.js';
import { nodeFs } from '../../../storage/index.js';
import { startBroker, type TestBroker } from '../../helpers/broker.js';
import { removeTempDirs, tempDir } from '../../helpers/temp-dir.js';
import { KafkaWireClient } from '../kafka/kafka-wire-client.js';

const ADMIN_PASSWORD = 'admin-pw-online-1';
const NEW_PASSWORD = 'carol-pw-online-2';
let t: TestBroker | undefined;
afterEach(async () => t?.stop());
afterAll(removeTempDirs);

async function secured(options: { kafkaPort?: number } = {}) {
  const dataDir = await tempDir();
  const users = await UserStore.open(nodeFs, dataDir);
  await users.add('admin', ADMIN_PASSWORD);
  await users.add('eve', 'eve-pw-online-3');
  t = await startBroker({
    dataDir,
    ...options,
    security: { authentication: true, authorization: true, superUsers: ['admin'] },
  });
  return t;
}

const login = (port: number, username: string, password: string) =>
  new Sluice({
    clientId: 'online-users',
    brokers: [`127.0.0.1:${port}`],
    sasl: { mechanism: 'scram-sha-512', username, password },
    retry: { retries: 0 },
  }).admin();

describe('online users', () => {
  it('adds, lists, changes and deletes a user on a running broker; logins follow at once', async () => {
    const b = await secured();
    const admin = login(b.port, 'admin', ADMIN_PASSWORD);
    await admin.connect();
    const events: ActivityEvent[] = [];
    const listen = (e: unknown) => events.push(e as ActivityEvent);
    subscribe('sluice:activity', listen);
    try {
      await admin.alterUserScramCredentials({
        upsertions: [
          { user: 'carol', mechanism: 'SCRAM-SHA-256', password: 'first-pw-4' },
          { user: 'carol', mechanism: 'SCRAM-SHA-512', password: 'first-pw-4' },
        ],
      });
      expect(await admin.describeUserScramCredentials(['carol'])).toEqual([
        {
          user: 'carol',
          credentials: [
            { mechanism: 'SCRAM-SHA-256', iterations: 8192 },
            { mechanism: 'SCRAM-SHA-512', iterations: 8192 },
          ],
        },
      ]);
      const carol = login(b.port, 'carol', 'first-pw-4');
      await carol.connect();
      await carol.disconnect();

      await admin.alterUserScramCredentials({
        upsertions: [{ user: 'carol', mechanism: 'SCRAM-SHA-512', password: NEW_PASSWORD, iterations: 4096 }],
      });
      await expect(login(b.port, 'carol', 'first-pw-4').connect()).rejects.toThrow();
      const again = login(b.port, 'carol', NEW_PASSWORD);
      await again.connect();
      await again.disconnect();

      await admin.alterUserScramCredentials({
        deletions: [
          { user: 'carol', mechanism: 'SCRAM-SHA-256' },
          { user: 'carol', mechanism: 'SCRAM-SHA-512' },
        ],
      });
      await expect(admin.describeUserScramCredentials(['carol'])).rejects.toMatchObject({ type: 'RESOURCE_NOT_FOUND' });
      expect((await admin.describeUserScramCredentials()).map((u) => u.user)).toEqual(['admin', 'eve']);
    } finally {
      unsubscribe('sluice:activity', listen);
      await admin.disconnect();
    }
    const userEvents = events.filter((e) => e.type.startsWith('user.'));
    expect(userEvents.map((e) => [e.type, e.principal, e.resource])).toEqual([
      ['user.created', 'User:admin', 'user:carol'],
      ['user.changed', 'User:admin', 'user:carol'],
      ['user.deleted', 'User:admin', 'user:carol'],
    ]);
    const text = JSON.stringify(events);
    for (const secret of ['first-pw-4', NEW_PASSWORD, ADMIN_PASSWORD]) expect(text).not.toContain(secret);
  });

  it('needs Alter on the cluster to change users and Describe to list them', async () => {
    const b = await secured();
    const eve = login(b.port, 'eve', 'eve-pw-online-3');
    await eve.connect();
    await expect(
      eve.alterUserScramCredentials({ upsertions: [{ user: 'eve', mechanism: 'SCRAM-SHA-256', password: 'x-pw-5' }] }),
    ).rejects.toMatchObject({ type: 'CLUSTER_AUTHORIZATION_FAILED' });
    await expect(eve.describeUserScramCredentials()).rejects.toMatchObject({ type: 'CLUSTER_AUTHORIZATION_FAILED' });
    await eve.disconnect();
  });

  it('serves DescribeUserScramCredentials and AlterUserScramCredentials on the Kafka wire', async () => {
    const dataDir = await tempDir();
    t = await startBroker({ dataDir, kafkaPort: 0 });
    const wire = await KafkaWireClient.connect(t.broker.kafkaPort!);
    try {
      const salt = Buffer.alloc(32, 7);
      const altered = await wire.request(AlterUserScramCredentials, 0, {
        deletions: [{ name: 'nobody', mechanism: 1 }],
        upsertions: [
          {
            name: 'dave',
            mechanism: 1,
            iterations: 4096,
            salt,
            saltedPassword: saltedPassword('sha256', 'dave-pw-6', salt, 4096),
          },
          { name: 'weak', mechanism: 2, iterations: 100, salt, saltedPassword: Buffer.alloc(64, 1) },
        ],
      });
      expect(altered.results.map((r) => [r.user, r.errorCode])).toEqual([
        ['nobody', ErrorCode.RESOURCE_NOT_FOUND],
        ['dave', ErrorCode.NONE],
        ['weak', ErrorCode.UNACCEPTABLE_CREDENTIAL],
      ]);
      const described = await wire.request(DescribeUserScramCredentials, 0, { users: null });
      expect(described.errorCode).toBe(ErrorCode.NONE);
      expect(described.results).toEqual([
        { user: 'dave', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 1, iterations: 4096 }] },
      ]);
      expect(t.broker.core.authenticator.users.credential('dave', 'SCRAM-SHA-256')).toBeDefined();
    } finally {
      wire.destroy();
    }
  });
});
