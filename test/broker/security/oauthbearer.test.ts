// OAUTHBEARER with JWT bearer tokens on both ports: the SDK and the raw native wire, kafkajs and
// confluent-kafka-python (oauth_cb) on the Kafka port. A refused token gets RFC 7628's error JSON, then the
// usual failure sentence; a token's expiry bounds the session (KIP-368): the SDK re-authenticates before it
// runs out and keeps working, a connection that does not is closed by the broker.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityEvent } from '../../../src/broker/diagnostics.js';
import { Sluice } from '../../../src/client/index.js';
import { KafkaJSSASLAuthenticationError } from '../../../src/client/errors.js';
import {
  ApiVersionsApi,
  AuthenticateApi,
  ErrorCode,
  MetadataApi,
  SaslHandshakeApi,
} from '../../../src/protocol/index.js';
import { LogCapture } from '../../helpers/broker.js';
import { makeTestKeys, nowSeconds, signToken, type TestKeys } from '../../helpers/jwt.js';
import { removeTempDirs, tempDir } from '../../helpers/temp-dir.js';
import { WireError } from '../../helpers/wire-client.js';
import { type KafkaTestBroker, pythonWithConfluentKafka, run, startKafkaBroker, until } from '../kafka/helpers.js';

const logs = new LogCapture();
const events: ActivityEvent[] = [];
const listen = (event: unknown) => events.push(event as ActivityEvent);
let keys: TestKeys;
let b: KafkaTestBroker;
const issued: string[] = [];

async function token(sub: string, lifetimeSeconds = 3600, aud = 'sluice'): Promise<string> {
  const t = await signToken(keys, { sub, aud, exp: nowSeconds() + lifetimeSeconds });
  issued.push(t);
  return t;
}

beforeAll(async () => {
  keys = makeTestKeys();
  subscribe('sluice:activity', listen);
  b = await startKafkaBroker({
    dataDir: await tempDir(),
    logger: logs.logger,
    security: { authentication: true, jwt: { key: keys.jwks, audience: 'sluice', clockSkewSeconds: 0 } },
  });
});
afterAll(async () => {
  unsubscribe('sluice:activity', listen);
  await b?.stop();
  await removeTempDirs();
});

function sdk(provider: () => Promise<{ value: string }>, reauthenticationThreshold?: number) {
  return new Sluice({
    clientId: 'oauth-test',
    brokers: [`127.0.0.1:${b.port}`],
    sasl: { mechanism: 'oauthbearer', oauthBearerProvider: provider },
    retry: { retries: 0 },
    ...(reauthenticationThreshold !== undefined ? { reauthenticationThreshold } : {}),
  });
}

describe('OAUTHBEARER on the native port', () => {
  it('an SDK client with a good token creates a topic and lists it', async () => {
    const admin = sdk(async () => ({ value: await token('alice') })).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'jwt-native', numPartitions: 1 }] });
    expect(await admin.listTopics()).toContain('jwt-native');
    await admin.disconnect();
    expect(events.some((e) => e.type === 'auth.succeeded' && e.principal === 'User:alice')).toBe(true);
  });

  it('offers OAUTHBEARER beside SCRAM', async () => {
    const wire = await b.client();
    const answer = await wire.request(SaslHandshakeApi, { mechanism: 'GSSAPI' });
    expect(answer.mechanisms).toEqual(['SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER']);
  });

  it('refuses a token for another audience: error JSON, then the failure sentence; audited without the token', async () => {
    const bad = await token('mallory', 3600, 'another-service');
    const wire = await b.client();
    await wire.request(ApiVersionsApi, {});
    expect((await wire.request(SaslHandshakeApi, { mechanism: 'OAUTHBEARER' })).errorCode).toBe(0);
    const first = await wire.request(AuthenticateApi, { authBytes: Buffer.from(`n,,\x01auth=Bearer ${bad}\x01\x01`) });
    expect(first.errorCode).toBe(0);
    expect(JSON.parse(first.authBytes.toString())).toEqual({ status: 'invalid_token' });
    const second = await wire.request(AuthenticateApi, { authBytes: Buffer.from('\x01') }).catch((e) => e);
    // Answered with the error code (the wire client may hand it back as a response or as a WireError).
    const code = second instanceof WireError ? second.code : (second as { errorCode: number }).errorCode;
    expect(code).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    await wire.closed;
    const failure = events.findLast((e) => e.type === 'auth.failed');
    expect(failure).toMatchObject({
      outcome: 'failure',
      details: { mechanism: 'OAUTHBEARER', reason: 'wrong audience' },
    });
  });

  it('the SDK reports a refused token as a non-retriable authentication error', async () => {
    const admin = sdk(async () => ({ value: await token('alice', -60) })).admin();
    const error = await admin.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KafkaJSSASLAuthenticationError);
    expect((error as Error).message).toMatch(/invalid credentials|refused the token/);
  });

  it('a request after the error JSON instead of the kvsep is refused and the connection closed', async () => {
    const wire = await b.client();
    await wire.request(SaslHandshakeApi, { mechanism: 'OAUTHBEARER' });
    await wire.request(AuthenticateApi, { authBytes: Buffer.from('n,,\x01auth=Bearer x.y.z\x01\x01') });
    const refused = await wire.request(MetadataApi, { topics: null, allowAutoTopicCreation: false }).catch((e) => e);
    expect((refused as WireError).code).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    await wire.closed;
  });

  it('closes a connection whose token expires without re-authentication', async () => {
    const wire = await b.client();
    await wire.request(SaslHandshakeApi, { mechanism: 'OAUTHBEARER' });
    const answer = await wire.request(AuthenticateApi, {
      authBytes: Buffer.from(`n,,\x01auth=Bearer ${await token('short-lived', 3)}\x01\x01`),
    });
    expect(answer.errorCode).toBe(0);
    expect(answer.sessionLifetimeMs).toBeGreaterThan(0);
    expect(answer.sessionLifetimeMs).toBeLessThanOrEqual(3000);
    expect((await wire.request(MetadataApi, { topics: null, allowAutoTopicCreation: false })).brokers).toHaveLength(1);
    await wire.closed;
    expect(wire.isClosed).toBe(true);
    expect(events.some((e) => e.type === 'auth.expired' && e.principal === 'User:short-lived')).toBe(true);
  });

  it('the SDK re-authenticates before its token expires and keeps working', async () => {
    let calls = 0;
    const admin = sdk(async () => {
      calls++;
      return { value: await token('renewer', 5) };
    }, 3000).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'jwt-renewed', numPartitions: 1 }] });
    const reauthenticated = () =>
      events.filter((e) => e.type === 'auth.succeeded' && e.principal === 'User:renewer' && e.details?.reauthentication)
        .length;
    await until(() => reauthenticated() >= 2, 60_000, 'two re-authentications');
    expect(await admin.listTopics()).toContain('jwt-renewed');
    expect(calls).toBeGreaterThanOrEqual(3);
    await admin.disconnect();
    expect(events.some((e) => e.type === 'auth.expired' && e.principal === 'User:renewer')).toBe(false);
  });
});

describe('OAUTHBEARER on the Kafka port', () => {
  function kafkajs(value: () => Promise<string>) {
    return new Kafka({
      clientId: 'kafkajs-oauth',
      brokers: [b.bootstrap],
      sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: await value() }) },
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
  }

  it('kafkajs creates a topic, produces and reads the offsets back', async () => {
    const admin = kafkajs(() => token('kafkajs-user')).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'jwt-kafkajs', numPartitions: 1 }] });
    const producer = kafkajs(() => token('kafkajs-user')).producer();
    await producer.connect();
    await producer.send({ topic: 'jwt-kafkajs', messages: [{ value: 'one' }, { value: 'two' }] });
    await producer.disconnect();
    expect(await admin.fetchTopicOffsets('jwt-kafkajs')).toMatchObject([{ partition: 0, high: '2' }]);
    await admin.disconnect();
  });

  it('kafkajs with an expired token is refused', async () => {
    const admin = kafkajs(() => token('kafkajs-user', -60)).admin();
    await expect(admin.connect().then(() => admin.listTopics())).rejects.toThrow();
    expect(events.findLast((e) => e.type === 'auth.failed')).toMatchObject({ details: { reason: 'expired token' } });
  });

  it('confluent-kafka-python with oauth_cb produces with a delivery report; a bad token fails', async () => {
    const script = `
import sys, json, time
from confluent_kafka import Producer
token = sys.argv[2]
p = Producer({'bootstrap.servers': sys.argv[1], 'security.protocol': 'SASL_PLAINTEXT',
              'sasl.mechanisms': 'OAUTHBEARER', 'oauth_cb': lambda cfg: (token, time.time() + 3600),
              'message.timeout.ms': int(sys.argv[3])})
reports = []
p.produce('py-oauth', b'hello', on_delivery=lambda err, msg: reports.append(None if err is None else err.name()))
p.flush(20)
print(json.dumps(reports))
`;
    const good = await run(pythonWithConfluentKafka(), ['-c', script, b.bootstrap, await token('py-user'), '15000'], {
      timeoutMs: 60_000,
    });
    expect(good.code, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout.trim().split('\n').at(-1)!)).toEqual([null]);
    // Refused, librdkafka keeps the message until its timeout: a short one, so the test does not wait 15 s for it.
    const badToken = await token('py-user', 3600, 'x');
    const bad = await run(pythonWithConfluentKafka(), ['-c', script, b.bootstrap, badToken, '3000'], {
      timeoutMs: 60_000,
    });
    expect(bad.code, bad.stderr).toBe(0);
    expect(JSON.parse(bad.stdout.trim().split('\n').at(-1)!)).toEqual([expect.stringMatching(/^_?[A-Z_]+$/)]);
  });

  it('never writes a token to the log or the activity events', () => {
    const written = JSON.stringify(logs.lines) + JSON.stringify(events);
    for (const t of issued) expect(written).not.toContain(t.split('.')[2]);
  });
});
