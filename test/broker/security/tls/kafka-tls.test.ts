// TLS on the Kafka port with real clients, unmodified: kcat (librdkafka), confluent-kafka-python and kafkajs
// over SSL (a client certificate: mutual TLS, the principal from its subject) and SASL_SSL (SCRAM and
// PLAIN, which replace the certificate's principal). ACLs apply to either principal. PLAIN is refused on the
// plaintext port, and every PLAIN failure looks the same to the client.
import { createRequire } from 'node:module';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityEvent } from '../../../../src/broker/diagnostics.js';
import { UserStore } from '../../../../src/broker/security/auth/users.js';
import { nodeFs } from '../../../../storage/index.js';
import { LogCapture } from '../../../helpers/broker.js';
import { removeTempDirs, tempDir } from '../../../helpers/temp-dir.js';
import { type CertificateFiles, makeTestPki, type TestPki } from '../../../helpers/tls-certificates.js';
import { waitFor } from '../../../helpers/wait-for.js';
import {
  type KafkaTestBroker,
  kcatPath,
  pythonWithConfluentKafka,
  run,
  startKafkaBroker,
} from '../../kafka/helpers.js';

const kafkajs = createRequire(import.meta.url)('kafkajs') as any;
const { Kafka, logLevel, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs;

const ALICE_PASSWORD = 'alice-tls-s3cret';
const ADMIN_PASSWORD = 'admin-tls-s3cret';
const logs = new LogCapture();
let pki: TestPki;
let carol: CertificateFiles;
let b: KafkaTestBroker;
let tlsBootstrap: string;

function kafka(options: { ssl?: unknown; sasl?: unknown; plaintext?: boolean } = {}) {
  return new Kafka({
    clientId: 'kafkajs-tls',
    brokers: [options.plaintext ? b.bootstrap : tlsBootstrap],
    ...(options.ssl !== undefined ? { ssl: options.ssl } : {}),
    ...(options.sasl !== undefined ? { sasl: options.sasl } : {}),
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
}

const plain = (username: string, password: string) => ({ mechanism: 'plain', username, password });

beforeAll(async () => {
  pki = await makeTestPki();
  const server = pki.server();
  carol = pki.client('/O=Acme/OU=eng/CN=Carol');
  const dataDir = await tempDir();
  const users = await UserStore.open(nodeFs, dataDir);
  await users.add('alice', ALICE_PASSWORD);
  await users.add('admin', ADMIN_PASSWORD);
  b = await startKafkaBroker({
    dataDir,
    logger: logs.logger,
    security: { authentication: true, authorization: true, superUsers: ['admin'] },
    tls: {
      kafkaPort: 0,
      cert: server.cert,
      key: server.key,
      ca: pki.ca,
      clientAuth: 'requested',
      principalMappingRules: ['RULE:^CN=([^,]+),.*$/$1/L', 'DEFAULT'],
    },
  });
  tlsBootstrap = `127.0.0.1:${b.broker.kafkaTlsPort}`;
  const admin = kafka({ ssl: { ca: pki.caPem }, sasl: plain('admin', ADMIN_PASSWORD) }).admin();
  await admin.connect();
  const prefixed = (principal: string, prefix: string) => ({
    resourceType: AclResourceTypes.TOPIC,
    resourceName: prefix,
    resourcePatternType: ResourcePatternTypes.PREFIXED,
    principal,
    host: '*',
    operation: AclOperationTypes.ALL,
    permissionType: AclPermissionTypes.ALLOW,
  });
  await admin.createAcls({ acl: [prefixed('User:carol', 'carol-'), prefixed('User:alice', 'alice-')] });
  await admin.disconnect();
}, 120_000);

afterAll(async () => {
  await b?.stop();
  await removeTempDirs();
});

const sslArgs = () => ['-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${pki.ca}`];
const carolArgs = () => [
  ...sslArgs(),
  '-X',
  `ssl.certificate.location=${carol.cert}`,
  '-X',
  `ssl.key.location=${carol.key}`,
];
const saslSslArgs = (mechanism: string, password = ALICE_PASSWORD) => [
  '-X',
  'security.protocol=SASL_SSL',
  '-X',
  `ssl.ca.location=${pki.ca}`,
  '-X',
  `sasl.mechanisms=${mechanism}`,
  '-X',
  'sasl.username=alice',
  '-X',
  `sasl.password=${password}`,
];

describe('kcat over TLS', () => {
  it('SSL with a client certificate: the principal is the mapped CN, and its ACLs apply', async () => {
    const kcat = kcatPath();
    const produced = await run(kcat, ['-b', tlsBootstrap, ...carolArgs(), '-P', '-t', 'carol-kcat'], {
      input: 'x\ny\n',
    });
    expect(produced.code, produced.stderr).toBe(0);
    const consumed = await run(kcat, ['-b', tlsBootstrap, ...carolArgs(), '-C', '-t', 'carol-kcat', '-e', '-q']);
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout.trim().split('\n')).toEqual(['x', 'y']);
    const denied = await run(kcat, ['-b', tlsBootstrap, ...carolArgs(), '-P', '-t', 'alice-not-carols'], {
      input: 'z\n',
      timeoutMs: 60_000,
    });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/authoriz/i);
  });

  for (const mechanism of ['SCRAM-SHA-256', 'PLAIN']) {
    it(`SASL_SSL ${mechanism}: produces and consumes as alice`, async () => {
      const kcat = kcatPath();
      const topic = `alice-kcat-${mechanism.toLowerCase()}`;
      const produced = await run(kcat, ['-b', tlsBootstrap, ...saslSslArgs(mechanism), '-P', '-t', topic], {
        input: 'a\nb\n',
      });
      expect(produced.code, produced.stderr).toBe(0);
      const consumed = await run(kcat, ['-b', tlsBootstrap, ...saslSslArgs(mechanism), '-C', '-t', topic, '-e', '-q']);
      expect(consumed.code, consumed.stderr).toBe(0);
      expect(consumed.stdout.trim().split('\n')).toEqual(['a', 'b']);
    });
  }

  // The failures below each wait for kcat's 5 s metadata timeout: they run side by side.
  it.concurrent('SASL_SSL PLAIN with a wrong password fails with an authentication error', async () => {
    const r = await run(kcatPath(), ['-b', tlsBootstrap, ...saslSslArgs('PLAIN', 'wrong'), '-L', '-m', '5']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Authentication failed|invalid credentials/i);
  });

  it.concurrent('PLAIN on the plaintext port is refused: the mechanism is not offered there', async () => {
    const r = await run(kcatPath(), [
      '-b',
      b.bootstrap,
      '-X',
      'security.protocol=SASL_PLAINTEXT',
      '-X',
      'sasl.mechanisms=PLAIN',
      '-X',
      'sasl.username=alice',
      '-X',
      `sasl.password=${ALICE_PASSWORD}`,
      '-L',
      '-m',
      '5',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/mechanism|PLAIN/i);
  });

  it.concurrent('a plaintext Kafka client on the TLS port fails, and the broker logs that it spoke plaintext', async () => {
    const r = await run(kcatPath(), ['-b', tlsBootstrap, '-L', '-m', '5']);
    expect(r.code).not.toBe(0);
    await waitFor(() => logs.find(/spoke plaintext to the kafka TLS port/), { timeoutMs: 10_000 });
  });

  it.concurrent('an SSL client on the plaintext Kafka port fails, and the broker names a TLS client', async () => {
    const r = await run(kcatPath(), ['-b', b.bootstrap, ...carolArgs(), '-L', '-m', '5']);
    expect(r.code).not.toBe(0);
    await waitFor(() => logs.find(/a TLS client connected to the Kafka port/), { timeoutMs: 10_000 });
  });
});

describe('confluent-kafka-python over TLS', () => {
  const script = `
import sys, json
from confluent_kafka import Producer
conf = json.loads(sys.argv[1])
p = Producer(conf)
reports = []
p.produce(sys.argv[2], b'hello', on_delivery=lambda err, msg: reports.append(None if err is None else str(err)))
p.flush(20)
print(json.dumps(reports))
`;
  it('SASL_SSL PLAIN and SSL with a client certificate both deliver', async () => {
    const python = pythonWithConfluentKafka();
    const base = { 'bootstrap.servers': tlsBootstrap, 'ssl.ca.location': pki.ca };
    const saslSsl = {
      ...base,
      'security.protocol': 'SASL_SSL',
      'sasl.mechanisms': 'PLAIN',
      'sasl.username': 'alice',
      'sasl.password': ALICE_PASSWORD,
    };
    const mtls = {
      ...base,
      'security.protocol': 'SSL',
      'ssl.certificate.location': carol.cert,
      'ssl.key.location': carol.key,
    };
    for (const [conf, topic] of [
      [saslSsl, 'alice-python'],
      [mtls, 'carol-python'],
    ] as const) {
      const r = await run(python, ['-c', script, JSON.stringify(conf), topic], { timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toEqual([null]);
    }
  });
});

describe('kafkajs over TLS', () => {
  it('ssl { ca } with sasl plain produces as alice', async () => {
    const producer = kafka({ ssl: { ca: pki.caPem }, sasl: plain('alice', ALICE_PASSWORD) }).producer();
    await producer.connect();
    await producer.send({ topic: 'alice-kafkajs', messages: [{ value: 'v' }] });
    await producer.disconnect();
  });

  it('ssl with a client certificate acts as carol; SASL on the same connection replaces the principal', async () => {
    const ssl = { ca: pki.caPem, ...pki.read(carol) };
    const asCarol = kafka({ ssl }).producer();
    await asCarol.connect();
    await asCarol.send({ topic: 'carol-kafkajs', messages: [{ value: 'c' }] });
    await expect(asCarol.send({ topic: 'alice-by-carol', messages: [{ value: 'no' }] })).rejects.toThrow(/authoriz/i);
    await asCarol.disconnect();
    const asAlice = kafka({ ssl, sasl: plain('alice', ALICE_PASSWORD) }).producer();
    await asAlice.connect();
    await asAlice.send({ topic: 'alice-over-carols-cert', messages: [{ value: 'a' }] });
    await asAlice.disconnect();
  });

  it('without a certificate nor SASL, a TLS client is refused before any request', async () => {
    const admin = kafka({ ssl: { ca: pki.caPem } }).admin();
    await expect(admin.connect().then(() => admin.listTopics())).rejects.toThrow();
    await admin.disconnect();
  });

  it('a certificate from another CA is refused, and the broker says why', async () => {
    const stranger = await makeTestPki();
    const mallory = stranger.client('/O=Elsewhere/CN=Mallory');
    const admin = kafka({ ssl: { ca: pki.caPem, ...stranger.read(mallory) } }).admin();
    await expect(admin.connect().then(() => admin.listTopics())).rejects.toThrow();
    await admin.disconnect();
    await waitFor(() => logs.find(/client certificate is not trusted/), { timeoutMs: 10_000 });
  });

  it('PLAIN on the plaintext port: UNSUPPORTED_SASL_MECHANISM', async () => {
    const admin = kafka({ plaintext: true, sasl: plain('alice', ALICE_PASSWORD) }).admin();
    await expect(admin.connect()).rejects.toThrow(/mechanism/i);
  });

  it('every PLAIN failure is the same error for the client, and an auth.failed activity event', async () => {
    const events: ActivityEvent[] = [];
    const listen = (e: unknown) => events.push(e as ActivityEvent);
    subscribe('sluice:activity', listen);
    try {
      const messages: string[] = [];
      for (const [user, password] of [
        ['alice', 'wrong-password'],
        ['nobody', 'whatever-pw'],
      ]) {
        const admin = kafka({ ssl: { ca: pki.caPem }, sasl: plain(user!, password!) }).admin();
        messages.push(
          await admin.connect().then(
            () => 'connected',
            (error: Error) => error.message,
          ),
        );
      }
      expect(messages[0]).not.toBe('connected');
      expect(messages[0]).toBe(messages[1]!.replace('nobody', 'alice'));
      await waitFor(
        () => events.filter((e) => e.type === 'auth.failed' && e.details?.mechanism === 'PLAIN').length >= 2,
        { timeoutMs: 10_000 },
      );
      const reasons = events.filter((e) => e.type === 'auth.failed').map((e) => e.details?.reason);
      expect(reasons).toEqual(expect.arrayContaining(['bad-password', 'unknown-user']));
    } finally {
      unsubscribe('sluice:activity', listen);
    }
  });

  it('never writes a password to the log', () => {
    const text = JSON.stringify(logs.lines);
    expect(text).not.toContain(ALICE_PASSWORD);
    expect(text).not.toContain(ADMIN_PASSWORD);
  });
});
