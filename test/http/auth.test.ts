// The HTTP door with authentication on: every route but the probes and static files needs a Bearer token
// (or Basic over TLS); each REST route checks the same ACLs as the binary protocols (401 vs 403, both
// `{ error_code, message }`), listings are filtered; the WebSocket gateway authenticates with its first
// message and checks subscribe and produce.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ActivityEvent } from '../../src/broker/diagnostics.js';
import type { AclBinding } from '../../src/broker/security/acl/types.js';
import { UserStore } from '../../src/broker/security/auth/users.js';
import { parseAuthorization } from '../../src/http/auth.js';
import { nodeFs } from '../../storage/index.js';
import { LogCapture } from '../helpers/broker.js';
import { makeTestKeys, nowSeconds, signToken, type TestKeys } from '../helpers/jwt.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { type HttpBroker, startHttpBroker } from './helpers.js';

const PASSWORD = 'http-basic-pw-never-logged';
const logs = new LogCapture();
const events: ActivityEvent[] = [];
const listen = (event: unknown) => events.push(event as ActivityEvent);
let keys: TestKeys;
let b: HttpBroker;
const tokens: Record<string, string> = {};

const allow = (
  principal: string,
  resourceType: AclBinding['resourceType'],
  resourceName: string,
  operation: AclBinding['operation'],
  patternType: AclBinding['patternType'] = 'literal',
): AclBinding => ({
  principal,
  host: '*',
  resourceType,
  resourceName,
  patternType,
  operation,
  permission: 'allow',
});

beforeAll(async () => {
  keys = makeTestKeys();
  subscribe('sluice:activity', listen);
  const dataDir = await tempDir();
  await (await UserStore.open(nodeFs, dataDir)).add('alice', PASSWORD);
  b = await startHttpBroker({
    dataDir,
    logger: logs.logger,
    security: {
      authentication: true,
      authorization: true,
      superUsers: ['admin'],
      jwt: { key: keys.rsa.publicPem, audience: 'sluice' },
    },
  });
  await b.broker.core.authorizer.create([
    allow('User:reader', 'topic', 'pub-', 'Describe', 'prefixed'),
    allow('User:reader', 'topic', 'pub-', 'Read', 'prefixed'),
    allow('User:reader', 'group', 'web', 'Read'),
    allow('User:writer', 'topic', 'pub-orders', 'Write'),
  ]);
  for (const who of ['admin', 'reader', 'writer', 'nobody'])
    tokens[who] = await signToken(keys, { sub: who, aud: 'sluice' });
});
afterAll(async () => {
  unsubscribe('sluice:activity', listen);
  await b?.stop();
  await removeTempDirs();
});

async function call(method: string, path: string, auth?: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (auth !== undefined) headers.authorization = auth;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${b.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: any = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {}
  return { status: response.status, body: parsed, headers: response.headers };
}
const bearer = (who: string) => `Bearer ${tokens[who]}`;

describe('HTTP authentication', () => {
  it('leaves the probes and the console page open', async () => {
    expect((await call('GET', '/healthz')).status).toBe(200);
    expect((await call('GET', '/readyz')).status).toBe(200);
    expect((await call('GET', '/')).status).toBe(200);
    expect((await call('GET', '/ws/client.js')).status).toBe(200);
  });

  it('answers 401 with WWW-Authenticate without credentials, with a bad or expired token, or a malformed header', async () => {
    const expired = await signToken(keys, { sub: 'reader', aud: 'sluice', exp: nowSeconds() - 3600 });
    const wrongAudience = await signToken(keys, { sub: 'reader', aud: 'elsewhere' });
    for (const auth of [undefined, `Bearer ${expired}`, `Bearer ${wrongAudience}`, 'Bearer not-a-jwt', 'Digest x']) {
      const r = await call('GET', `${b.cluster}/topics`, auth);
      expect(r.status, auth).toBe(401);
      expect(r.body).toMatchObject({ error_code: 401 });
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer realm="sluice"/);
    }
    expect((await call('GET', '/metrics')).status).toBe(401);
  });

  it('refuses HTTP Basic over plain HTTP with a clear 400', async () => {
    const basic = `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`;
    const r = await call('GET', `${b.cluster}/topics`, basic);
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/only over TLS \(https\)/);
  });

  it('checks a Basic password against the stored SCRAM credential (right, wrong, unknown user)', async () => {
    const auth = b.broker.core.authenticator;
    expect(await auth.authenticateHttp({ kind: 'basic', user: 'alice', password: PASSWORD }, '10.0.0.1')).toMatchObject(
      {
        principal: { type: 'User', name: 'alice' },
        expiresAtMs: null,
      },
    );
    expect(await auth.authenticateHttp({ kind: 'basic', user: 'alice', password: 'wrong' }, '10.0.0.1')).toBeNull();
    expect(await auth.authenticateHttp({ kind: 'basic', user: 'nobody', password: PASSWORD }, '10.0.0.1')).toBeNull();
    // Remembered after a success, but never once the password changes.
    expect(
      await auth.authenticateHttp({ kind: 'basic', user: 'alice', password: PASSWORD }, '10.0.0.1'),
    ).not.toBeNull();
    await auth.users.setPassword('alice', 'a-new-password-1');
    expect(await auth.authenticateHttp({ kind: 'basic', user: 'alice', password: PASSWORD }, '10.0.0.1')).toBeNull();
    await auth.users.setPassword('alice', PASSWORD);
  });

  it('parses Authorization headers', () => {
    expect(parseAuthorization('Bearer a.b.c')).toEqual({ kind: 'bearer', token: 'a.b.c' });
    expect(parseAuthorization(`basic ${Buffer.from('u:p:q').toString('base64')}`)).toEqual({
      kind: 'basic',
      user: 'u',
      password: 'p:q',
    });
    expect(parseAuthorization(undefined)).toBeNull();
    expect(parseAuthorization('Bearer')).toBe('malformed');
    expect(parseAuthorization(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBe('malformed');
  });
});

describe('HTTP authorization', () => {
  beforeAll(async () => {
    for (const topic_name of ['pub-orders', 'secret']) {
      const created = await call('POST', `${b.cluster}/topics`, bearer('admin'), { topic_name, partitions_count: 1 });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }
  });

  it('a super user does everything; others get 403 { error_code, message } for what they may not', async () => {
    const r = await call('POST', `${b.cluster}/topics`, bearer('reader'), {
      topic_name: 'pub-new',
      partitions_count: 1,
    });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ error_code: 403, message: 'User:reader is not allowed to Create topic "pub-new"' });
    expect((await call('GET', `${b.cluster}/topics/secret`, bearer('reader'))).status).toBe(403);
    expect((await call('DELETE', `${b.cluster}/topics/pub-orders`, bearer('reader'))).status).toBe(403);
    expect((await call('GET', `${b.cluster}/topics/pub-orders/configs`, bearer('reader'))).status).toBe(403);
    expect((await call('GET', '/metrics', bearer('reader'))).status).toBe(403);
    expect((await call('GET', '/metrics', bearer('admin'))).status).toBe(200);
    expect(
      events.some((e) => e.type === 'acl.denied' && e.principal === 'User:reader' && e.resource === 'topic:secret'),
    ).toBe(true);
  });

  it('lists only the topics the principal may Describe', async () => {
    const names = (r: { body: { data: Array<{ topic_name: string }> } }) => r.body.data.map((t) => t.topic_name).sort();
    expect(names(await call('GET', `${b.cluster}/topics`, bearer('reader')))).toEqual(['pub-orders']);
    // Write implies Describe (Kafka).
    expect(names(await call('GET', `${b.cluster}/topics`, bearer('writer')))).toEqual(['pub-orders']);
    expect(names(await call('GET', `${b.cluster}/topics`, bearer('nobody')))).toEqual([]);
    expect(names(await call('GET', `${b.cluster}/topics`, bearer('admin')))).toEqual(
      expect.arrayContaining(['pub-orders', 'secret']),
    );
  });

  it('produce needs Write, reading records needs Read', async () => {
    const record = { value: { type: 'JSON', data: { n: 1 } } };
    expect((await call('POST', `${b.cluster}/topics/pub-orders/records`, bearer('reader'), record)).status).toBe(403);
    const produced = await call('POST', `${b.cluster}/topics/pub-orders/records`, bearer('writer'), record);
    expect(produced.status, JSON.stringify(produced.body)).toBe(200);
    const batch = await call('POST', `${b.cluster}/topics/pub-orders/records:batch`, bearer('writer'), {
      entries: [record],
    });
    expect(batch.status).toBe(200);
    const read = await call('GET', `${b.cluster}/topics/pub-orders/partitions/0/records?offset=0`, bearer('reader'));
    expect(read.status).toBe(200);
    expect(read.body.data).toHaveLength(2);
    expect((await call('GET', `${b.cluster}/topics/pub-orders/partitions/0/records`, bearer('writer'))).status).toBe(
      403,
    );
  });
});

describe('HTTP changes in the activity log', () => {
  it('names the requester of a topic created, altered and deleted and of an offsets reset', async () => {
    const mark = events.length;
    const created = await call('POST', `${b.cluster}/topics`, bearer('admin'), { topic_name: 'audited' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const altered = await call('POST', `${b.cluster}/topics/audited/configs:alter`, bearer('admin'), {
      data: [{ name: 'retention.ms', value: '60000' }],
    });
    expect(altered.status, JSON.stringify(altered.body)).toBe(204);
    const reset = await call('POST', `${b.cluster}/consumer-groups/audit-group/offsets:reset`, bearer('admin'), {
      topic_name: 'audited',
      to: 'earliest',
    });
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);
    expect((await call('DELETE', `${b.cluster}/topics/audited`, bearer('admin'))).status).toBe(204);
    const seen = events
      .slice(mark)
      .filter((e) => e.resource === 'topic:audited' || e.resource === 'group:audit-group')
      .map((e) => ({ type: e.type, principal: e.principal, details: e.details }));
    expect(seen).toEqual([
      { type: 'topic.created', principal: 'User:admin', details: { partitions: 1 } },
      { type: 'topic.altered', principal: 'User:admin', details: { configs: 'retention.ms:SET' } },
      {
        type: 'group.offsets.reset',
        principal: 'User:admin',
        details: { topic: 'audited', offsets: '0:0' },
      },
      { type: 'topic.deleted', principal: 'User:admin', details: undefined },
    ]);
  });
});

describe('HTTP dead-letter requeue with authentication', () => {
  const deadLetter = (n: number) => ({
    value: { type: 'JSON', data: { n } },
    headers: [{ name: 'sluice-dlq-source-topic', value: Buffer.from('jobs').toString('base64') }],
  });
  beforeAll(async () => {
    for (const topic_name of ['jobs', 'jobs.dlq']) {
      const created = await call('POST', `${b.cluster}/topics`, bearer('admin'), { topic_name, partitions_count: 1 });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }
    const stored = await call('POST', `${b.cluster}/topics/jobs.dlq/records`, bearer('admin'), deadLetter(1));
    expect(stored.status, JSON.stringify(stored.body)).toBe(200);
    // Allowed the route (read the DLQ, its progress group, Alter on the cluster), not to write to jobs.
    await b.broker.core.authorizer.create([
      allow('User:operator', 'topic', 'jobs.dlq', 'Read'),
      allow('User:operator', 'group', 'sluice-dlq-requeue', 'Read'),
      allow('User:operator', 'cluster', 'kafka-cluster', 'Alter'),
    ]);
    tokens.operator = await signToken(keys, { sub: 'operator', aud: 'sluice' });
  });

  it('writes the copies as the requester: 403 without Write on the source topic, moved for a super user', async () => {
    const refused = await call('POST', `${b.cluster}/dlqs/jobs.dlq/records:requeue`, bearer('operator'), {});
    expect(refused.status, JSON.stringify(refused.body)).toBe(403);
    expect(refused.body.message).toContain('User:operator is not allowed to Write topic "jobs"');
    const moved = await call('POST', `${b.cluster}/dlqs/jobs.dlq/records:requeue`, bearer('admin'), {});
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body).toMatchObject({ requeued: 1, problems: [] });
    const back = await call('GET', `${b.cluster}/topics/jobs/partitions/0/records?offset=0`, bearer('admin'));
    expect(back.body.data.map((r: { value: { data: unknown } }) => r.value.data)).toEqual([{ n: 1 }]);
  });
});

describe('WebSocket authentication', () => {
  function open(headers: Record<string, string> = {}) {
    const ws = new WebSocket(`${b.url.replace('http', 'ws')}/ws`, { headers });
    const messages: any[] = [];
    let closeCode = 0;
    ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
    const closed = new Promise<void>((resolve) =>
      ws.on('close', (code) => {
        closeCode = code;
        resolve();
      }),
    );
    const opened = new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const answer = async (id: string) => {
      const deadline = Date.now() + 20_000;
      while (!messages.some((m) => m.id === id)) {
        if (Date.now() > deadline) throw new Error(`no answer to ${id}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return messages.find((m) => m.id === id);
    };
    return { ws, messages, opened, answer, closed, closeCode: () => closeCode };
  }

  it('refuses any op before authentication and closes with 4401', async () => {
    const c = open();
    await c.opened;
    c.ws.send(JSON.stringify({ op: 'subscribe', id: 's', topics: ['pub-orders'] }));
    expect(await c.answer('s')).toMatchObject({ type: 'error', error_code: 401 });
    await c.closed;
    expect(c.closeCode()).toBe(4401);
  });

  it('a bad token closes with 4401', async () => {
    const c = open();
    await c.opened;
    c.ws.send(JSON.stringify({ op: 'auth', id: 'a', token: 'x.y.z' }));
    expect(await c.answer('a')).toMatchObject({ type: 'error', error_code: 401 });
    await c.closed;
    expect(c.closeCode()).toBe(4401);
  });

  it('authenticates with its first message; subscribe and produce are checked against the ACLs', async () => {
    const c = open();
    await c.opened;
    c.ws.send(JSON.stringify({ op: 'auth', id: 'a', token: tokens.reader }));
    expect(await c.answer('a')).toEqual({ type: 'authenticated', id: 'a', principal: 'User:reader' });
    c.ws.send(JSON.stringify({ op: 'subscribe', id: 'denied', topics: ['secret'] }));
    expect(await c.answer('denied')).toMatchObject({ type: 'error', error_code: 403 });
    c.ws.send(
      JSON.stringify({
        op: 'produce',
        id: 'p',
        topic: 'pub-orders',
        records: [{ value: { type: 'STRING', data: 'x' } }],
      }),
    );
    expect(await c.answer('p')).toMatchObject({ type: 'error', error_code: 403 });
    c.ws.send(JSON.stringify({ op: 'subscribe', id: 's', topics: ['pub-orders'], from: 'earliest' }));
    expect(await c.answer('s')).toEqual({ type: 'subscribed', id: 's' });
    const deadline = Date.now() + 20_000;
    while (c.messages.filter((m) => m.type === 'record').length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(c.messages.filter((m) => m.type === 'record').map((m) => m.offset)).toEqual([0, 1]);
    c.ws.close();
  });

  it('a non-browser client may authenticate the upgrade with an Authorization header', async () => {
    const c = open({ authorization: bearer('writer') });
    await c.opened;
    c.ws.send(
      JSON.stringify({
        op: 'produce',
        id: 'p',
        topic: 'pub-orders',
        records: [{ value: { type: 'STRING', data: 'ws' } }],
      }),
    );
    expect(await c.answer('p')).toMatchObject({ type: 'produced', results: [{ partition: 0, offset: 2 }] });
    c.ws.close();
  });

  it('never logs a token or a password', () => {
    const written = JSON.stringify(logs.lines) + JSON.stringify(events);
    expect(written).not.toContain(PASSWORD);
    for (const token of Object.values(tokens)) expect(written).not.toContain(token.split('.')[2]);
  });
});
