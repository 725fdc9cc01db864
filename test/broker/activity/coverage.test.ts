// Every kind of event the activity log promises, each written to `__activity` exactly once per occurrence,
// with its time, principal, client address, client id and outcome, and no secret: one broker run with
// authentication and ACLs on, driven over the raw native wire (one connection per client, so every count
// is exact), then `__activity` read back by a second run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserStore } from '../../../src/broker/security/auth/users.js';
import {
  AlterClientQuotasApi,
  AlterConfigsApi,
  AuthenticateApi,
  CreateAclsApi,
  DeleteAclsApi,
  DeleteTopicsApi,
  ErrorCode,
  JoinGroupApi,
  LeaveGroupApi,
  OffsetCommitApi,
  SaslHandshakeApi,
} from '../../../src/protocol/index.js';
import { ScramClientExchange } from '../../../src/protocol/sasl/scram.js';
import { nodeFs } from '../../../storage/index.js';
import { createTopic, fetchPartition, recordsOf, startBroker, type TestBroker } from '../../helpers/broker.js';
import { removeTempDirs, tempDir } from '../../helpers/temp-dir.js';
import type { WireClient } from '../../helpers/wire-client.js';
import type { ActivityRecord } from '../../../src/broker/activity/activity-log.js';

const ADMIN_PASSWORD = 'admin-secret-pw-1';
const EVE_PASSWORD = 'eve-secret-pw-2';
const WRONG_PASSWORD = 'mallory-guess-pw-3';

let raw: string[] = [];
let events: ActivityRecord[] = [];

async function authenticated(
  t: TestBroker,
  user: string,
  password: string,
): Promise<{ client: WireClient; ok: boolean }> {
  const client = await t.client();
  await client.request(SaslHandshakeApi, { mechanism: 'SCRAM-SHA-256' });
  const scram = new ScramClientExchange('SCRAM-SHA-256', user, password);
  const first = await client.request(AuthenticateApi, { authBytes: Buffer.from(scram.first()) });
  if (first.errorCode !== ErrorCode.NONE) return { client, ok: false };
  const final = await client.request(AuthenticateApi, {
    authBytes: Buffer.from(scram.final(first.authBytes.toString())),
  });
  return { client, ok: final.errorCode === ErrorCode.NONE };
}

beforeAll(async () => {
  const dataDir = await tempDir();
  const users = await UserStore.open(nodeFs, dataDir);
  await users.add('admin', ADMIN_PASSWORD);
  await users.add('eve', EVE_PASSWORD);
  const security = { authentication: true, authorization: true, superUsers: ['admin'] };
  const t = await startBroker({ dataDir, security });
  const admin = await authenticated(t, 'admin', ADMIN_PASSWORD);
  expect(admin.ok).toBe(true);
  const eve = await authenticated(t, 'eve', EVE_PASSWORD);
  expect(eve.ok).toBe(true);
  const mallory = await authenticated(t, 'eve', WRONG_PASSWORD);
  expect(mallory.ok).toBe(false);

  const c = admin.client;
  expect((await createTopic(c, 'orders')).errorCode).toBe(ErrorCode.NONE);
  await c.request(AlterConfigsApi, {
    resources: [{ type: 'topic', name: 'orders', configs: { 'retention.ms': '60000' } }],
    validateOnly: false,
  });
  const acl = {
    principal: 'User:eve',
    host: '*',
    resourceType: 'topic',
    resourceName: 'orders',
    patternType: 'literal',
    operation: 'Read',
    permission: 'allow',
  } as const;
  await c.request(CreateAclsApi, { acls: [acl] });
  const filter = { ...acl, resourceType: null, resourceName: null, patternType: null, operation: null };
  await c.request(DeleteAclsApi, { filters: [{ ...filter, host: null, permission: null }] });
  await c.request(AlterClientQuotasApi, {
    entries: [
      {
        entity: [{ entityType: 'user', entityName: 'eve' }],
        ops: [{ key: 'request_rate', value: 100, remove: false }],
      },
    ],
    validateOnly: false,
  });
  const joined = await c.request(JoinGroupApi, {
    groupId: 'billing',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
    reason: null,
  });
  await c.request(LeaveGroupApi, {
    groupId: 'billing',
    members: [{ memberId: joined.memberId, groupInstanceId: null, reason: null }],
  });
  await c.request(OffsetCommitApi, {
    groupId: 'billing',
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [{ name: 'orders', partitions: [{ partition: 0, offset: 0, leaderEpoch: -1, metadata: null }] }],
  });
  expect((await createTopic(eve.client, 'nope')).errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  expect((await c.request(DeleteTopicsApi, { topics: ['orders'], timeoutMs: 5000 })).topics[0]!.errorCode).toBe(
    ErrorCode.NONE,
  );
  await t.stop();

  // Read back as the super user (anonymous super user, no authentication) of a second run.
  const reader = await startBroker({ dataDir, security: { authorization: true, superUsers: ['ANONYMOUS'] } });
  try {
    const fetched = await fetchPartition(await reader.client(), '__activity', 0, 0);
    expect(fetched.errorCode).toBe(ErrorCode.NONE);
    raw = (await recordsOf(fetched)).map((r) => r.value!.toString('utf8'));
  } finally {
    await reader.stop();
  }
  const all = raw.map((text) => JSON.parse(text) as ActivityRecord);
  events = all.slice(0, all.findIndex((e) => e.type === 'broker.stopped') + 1);
});
afterAll(removeTempDirs);

const ofType = (type: string) => events.filter((e) => e.type === type);

/** Caused by a client request: who, from where, with which client id. */
function byClient(e: ActivityRecord, principal: string) {
  expect(Date.parse(e.time)).toBeGreaterThan(0);
  expect(e).toMatchObject({ principal, clientHost: '127.0.0.1', clientId: 'test', outcome: 'success' });
}

describe('the activity log covers', () => {
  it('broker start and stop, once each, first and last', () => {
    expect(ofType('broker.started')).toHaveLength(1);
    expect(ofType('broker.stopped')).toHaveLength(1);
    expect(events[0]!.type).toBe('broker.started');
    expect(events.at(-1)!.type).toBe('broker.stopped');
    expect(Date.parse(events[0]!.time)).toBeGreaterThan(0);
  });

  it('connections opened and closed, once per connection, with address, listener, and who it ended as', () => {
    const opened = ofType('connection.opened');
    const closed = ofType('connection.closed');
    expect(opened).toHaveLength(3);
    const ids = opened.map((e) => e.details.connectionId);
    expect(new Set(ids).size).toBe(3);
    expect(closed.map((e) => e.details.connectionId).sort()).toEqual([...ids].sort());
    for (const e of opened)
      expect(e).toMatchObject({
        principal: 'User:ANONYMOUS',
        clientHost: '127.0.0.1',
        listener: 'native',
        outcome: 'success',
      });
    expect(closed.map((e) => e.principal).sort()).toEqual(['User:ANONYMOUS', 'User:admin', 'User:eve']);
    for (const e of closed) expect(e).toMatchObject({ clientHost: '127.0.0.1', clientId: 'test' });
  });

  it('authentication successes, once per login', () => {
    const succeeded = ofType('auth.succeeded');
    expect(succeeded.map((e) => e.principal)).toEqual(['User:admin', 'User:eve']);
    for (const e of succeeded) expect(e).toMatchObject({ clientHost: '127.0.0.1', outcome: 'success' });
  });

  it('authentication failures, once per failed login', () => {
    expect(ofType('auth.failed')).toEqual([
      expect.objectContaining({ principal: 'User:eve', clientHost: '127.0.0.1', outcome: 'failure' }),
    ]);
  });

  it('ACL denials, once per refused request', () => {
    const [denied, ...more] = ofType('acl.denied');
    expect(more).toEqual([]);
    expect(denied).toMatchObject({
      principal: 'User:eve',
      clientHost: '127.0.0.1',
      clientId: 'test',
      outcome: 'denied',
      resource: 'topic:nope',
    });
  });

  it('topic creation, alteration and deletion, once each', () => {
    for (const type of ['topic.created', 'topic.altered', 'topic.deleted']) {
      const [e, ...more] = ofType(type);
      expect(more).toEqual([]);
      byClient(e!, 'User:admin');
      expect(e!.resource).toBe('topic:orders');
    }
  });

  it('ACL changes, once per binding', () => {
    for (const type of ['acl.created', 'acl.deleted']) {
      const [e, ...more] = ofType(type);
      expect(more).toEqual([]);
      byClient(e!, 'User:admin');
      expect(e!.details).toMatchObject({ aclPrincipal: 'User:eve', operation: 'Read' });
    }
  });

  it('quota changes, once per entity', () => {
    const [e, ...more] = ofType('quota.altered');
    expect(more).toEqual([]);
    byClient(e!, 'User:admin');
    expect(e).toMatchObject({ resource: 'quota:user=eve', details: { request_rate: 100 } });
  });

  it('group joins, leaves and rebalances, once each', () => {
    for (const type of ['group.joined', 'group.left']) {
      const [e, ...more] = ofType(type);
      expect(more).toEqual([]);
      byClient(e!, 'User:admin');
      expect(e!.resource).toBe('group:billing');
    }
    // One rebalance for the join, one for the leave.
    expect(ofType('group.rebalancing').map((e) => e.resource)).toEqual(['group:billing', 'group:billing']);
  });

  it('offset resets, once per commit outside a generation', () => {
    const [e, ...more] = ofType('group.offsets.reset');
    expect(more).toEqual([]);
    byClient(e!, 'User:admin');
    expect(e).toMatchObject({ resource: 'group:billing', details: { topic: 'orders' } });
  });

  it('no secret anywhere: no password, salted password, proof or key', () => {
    const text = raw.join('\n');
    for (const secret of [ADMIN_PASSWORD, EVE_PASSWORD, WRONG_PASSWORD]) expect(text).not.toContain(secret);
    // The failure's reason ("bad-proof") names what was wrong, never the value.
    expect(text).not.toMatch(/storedKey|serverKey|"salt|saltedPassword|clientProof|"password/i);
    expect(
      events.map((e) => e.type).filter((type) => !/^(broker|connection|auth|acl|topic|quota|group)\./.test(type)),
    ).toEqual([]);
  });
});
