// Mutual TLS on the native port with the SDK: the principal is the client certificate's subject (the whole
// DN by default), ACLs and super users apply to it, a client without a certificate cannot finish the
// handshake; PLAIN through the SDK works over TLS only; a certificate reload changes what new connections
// see and leaves open ones up, and a bad new certificate keeps the old one.
import { copyFileSync, writeFileSync } from 'node:fs';
import { connect as connectTls } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserStore } from '../../../../src/broker/security/auth/users.js';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
} from '../../../../src/client/acl.js';
import { Sluice } from '../../../../src/client/index.js';
import { ApiVersionsApi } from '../../../../src/protocol/index.js';
import { nodeFs } from '../../../../storage/index.js';
import { WireClient } from '../../../helpers/wire-client.js';
import { LogCapture, startBroker, type TestBroker } from '../../../helpers/broker.js';
import { removeTempDirs, tempDir } from '../../../helpers/temp-dir.js';
import { type CertificateFiles, makeTestPki, type TestPki } from '../../../helpers/tls-certificates.js';
import { waitFor } from '../../../helpers/wait-for.js';

const ALICE_PASSWORD = 'alice-native-tls-pw';
const logs = new LogCapture();
let pki: TestPki;
let b: TestBroker;
let root: CertificateFiles;
let dave: CertificateFiles;
/** The broker's certificate files, overwritten by the reload tests. */
let serving: CertificateFiles;

beforeAll(async () => {
  pki = await makeTestPki();
  serving = pki.server('serving');
  root = pki.client('/O=Acme/CN=root');
  dave = pki.client('/O=Acme/OU=ops/CN=dave');
  const dataDir = await tempDir();
  await (await UserStore.open(nodeFs, dataDir)).add('alice', ALICE_PASSWORD);
  b = await startBroker({
    dataDir,
    logger: logs.logger,
    security: { authentication: true, authorization: true, superUsers: ['User:CN=root,O=Acme'] },
    tls: { port: 0, cert: serving.cert, key: serving.key, ca: pki.ca },
  });
}, 60_000);
afterAll(async () => {
  await b?.stop();
  await removeTempDirs();
});

function sdk(options: { ssl?: object; sasl?: object; port?: number } = {}) {
  return new Sluice({
    clientId: 'mtls-test',
    brokers: [`127.0.0.1:${options.port ?? b.broker.tlsPort}`],
    ...(options.ssl ? { ssl: options.ssl as never } : {}),
    ...(options.sasl ? { sasl: options.sasl as never } : {}),
    retry: { retries: 0 },
    connectionTimeout: 10_000,
  });
}

const withCert = (files: CertificateFiles) => ({ ca: pki.caPem, ...pki.read(files) });

/** The subject CN of the certificate a new TLS connection to the native TLS port is shown. */
function servedCommonName(): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host: '127.0.0.1', port: b.broker.tlsPort!, ...withCert(root) }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.destroy();
      resolve(/CN=([^\n]+)/.exec(cert?.subject ?? '')?.[1] ?? '');
    });
    socket.once('error', reject);
  });
}

describe('mutual TLS on the native port', () => {
  it('the certificate subject is the principal: a super user by its DN creates topics and grants ACLs', async () => {
    const admin = sdk({ ssl: withCert(root) }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'dave-topic' }, { topic: 'root-only' }] });
    await admin.createAcls({
      acl: [
        {
          resourceType: AclResourceTypes.TOPIC,
          resourceName: 'dave-topic',
          resourcePatternType: ResourcePatternTypes.LITERAL,
          principal: 'User:CN=dave,OU=ops,O=Acme',
          host: '*',
          operation: AclOperationTypes.WRITE,
          permissionType: AclPermissionTypes.ALLOW,
        },
      ],
    });
    await admin.disconnect();
  });

  it("another certificate's principal gets only what its ACLs allow", async () => {
    const producer = sdk({ ssl: withCert(dave) }).producer();
    await producer.connect();
    await producer.send({ topic: 'dave-topic', messages: [{ value: 'mine' }] });
    // A topic asked for by name that its principal may not Describe answers TOPIC_AUTHORIZATION_FAILED.
    const refused = producer.send({ topic: 'root-only', messages: [{ value: 'not mine' }] });
    await expect(refused).rejects.toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
    await expect(refused).rejects.toThrow(/is not allowed to/);
    await producer.disconnect();
  });

  it('a client without a certificate cannot complete the handshake; the broker says a certificate is required', async () => {
    const admin = sdk({ ssl: { ca: pki.caPem } }).admin();
    await expect(admin.connect()).rejects.toThrow();
    await waitFor(() => logs.find(/mutual TLS requires a client certificate/), { timeoutMs: 10_000 });
  });

  it('SDK sasl plain over TLS authenticates (replacing the certificate principal); on the plaintext port it is refused', async () => {
    const alice = { mechanism: 'plain', username: 'alice', password: ALICE_PASSWORD };
    const overTls = sdk({ ssl: withCert(dave), sasl: alice }).admin();
    await overTls.connect();
    // alice has no ACL on dave-topic: the SASL principal replaced the certificate's.
    const producer = sdk({ ssl: withCert(dave), sasl: alice }).producer();
    await producer.connect();
    await expect(producer.send({ topic: 'dave-topic', messages: [{ value: 'x' }] })).rejects.toThrow(
      /User:alice is not allowed/,
    );
    await producer.disconnect();
    await overTls.disconnect();
    const plaintext = sdk({ port: b.port, sasl: alice }).admin();
    await expect(plaintext.connect()).rejects.toThrow(/PLAIN/);
  });
});

describe('certificate reload', () => {
  it('new connections see the new certificate, open ones stay up; a bad certificate keeps the current one', async () => {
    expect(await servedCommonName()).toBe('serving');
    // A raw connection opened before the reloads: it must carry requests after them, never reconnected.
    const open = await WireClient.connectTls(b.broker.tlsPort!, withCert(root));
    expect((await open.request(ApiVersionsApi, {})).errorCode).toBe(0);

    const next = pki.server('renewed');
    copyFileSync(next.cert, serving.cert);
    copyFileSync(next.key, serving.key);
    const reloaded = await b.broker.reloadTls();
    expect(reloaded).toMatchObject({ ok: true, certificate: { subject: expect.stringContaining('CN=renewed') } });
    expect(logs.find('TLS certificate reloaded')).toBeDefined();
    expect(await servedCommonName()).toBe('renewed');
    expect((await open.request(ApiVersionsApi, {})).errorCode).toBe(0);

    writeFileSync(serving.cert, 'not a certificate\n');
    const refused = await b.broker.reloadTls();
    expect(refused.ok).toBe(false);
    expect(logs.find(/TLS certificate not reloaded, keeping the current one/)).toBeDefined();
    expect(await servedCommonName()).toBe('renewed');

    // A key that belongs to another certificate is refused too.
    const other = pki.server('other');
    copyFileSync(next.cert, serving.cert);
    copyFileSync(other.key, serving.key);
    expect(await b.broker.reloadTls()).toMatchObject({ ok: false, reason: expect.stringMatching(/mismatch/i) });
    expect(await servedCommonName()).toBe('renewed');
    expect((await open.request(ApiVersionsApi, {})).errorCode).toBe(0);
    expect(open.isClosed).toBe(false);
    expect(open.peerCertificateSubject).toContain('CN=serving');
    open.destroy();
  });
});
