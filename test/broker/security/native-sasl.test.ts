// SASL on the native port: SCRAM-SHA-256/512 through the SDK and on the raw wire. With authentication on, a
// connection may send only ApiVersions and the SASL APIs until it has authenticated; a failure is the same
// sentence whatever was wrong, answered, then the connection closes; the SDK gets a non-retriable error.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Sluice } from '../../../src/client/index.js';
import type { SASLOptions } from '../../../src/client/kafkajs-types.js';
import { KafkaJSSASLAuthenticationError } from '../../../src/client/errors.js';
import type { ActivityEvent } from '../../../src/broker/diagnostics.js';
import { UserStore } from '../../../src/broker/security/auth/users.js';
import {
  ApiVersionsApi,
  AuthenticateApi,
  ErrorCode,
  MetadataApi,
  SaslHandshakeApi,
} from '../../../src/protocol/index.js';
import { ScramClientExchange } from '../../../src/protocol/sasl/scram.js';
import { nodeFs } from '../../../storage/index.js';
import { LogCapture, startBroker, type TestBroker } from '../../helpers/broker.js';
import { removeTempDirs, tempDir } from '../../helpers/temp-dir.js';
import { WireError } from '../../helpers/wire-client.js';

const PASSWORD = 'pa55-w0rd-never-logged';
let running: TestBroker | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});
afterAll(removeTempDirs);

async function secureBroker(logs = new LogCapture()): Promise<TestBroker> {
  const dataDir = await tempDir();
  const users = await UserStore.open(nodeFs, dataDir);
  await users.add('alice', PASSWORD);
  running = await startBroker({ dataDir, logger: logs.logger, security: { authentication: true } });
  return running;
}

function sdk(
  port: number,
  sasl?: { mechanism: 'scram-sha-256' | 'scram-sha-512'; username: string; password: string },
) {
  return new Sluice({
    clientId: 'sasl-test',
    brokers: [`127.0.0.1:${port}`],
    sasl: sasl as SASLOptions | undefined,
    retry: { retries: 0 },
  });
}

describe('native SASL', () => {
  for (const mechanism of ['scram-sha-256', 'scram-sha-512'] as const) {
    it(`${mechanism}: an SDK client with the right password creates a topic and lists it`, async () => {
      const b = await secureBroker();
      const admin = sdk(b.port, { mechanism, username: 'alice', password: PASSWORD }).admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'secured', numPartitions: 1 }] });
      expect(await admin.listTopics()).toContain('secured');
      await admin.disconnect();
    });
  }

  it('refuses a wrong password, an unknown user and no credentials, with the same sentence', async () => {
    const logs = new LogCapture();
    const b = await secureBroker(logs);
    const messages: string[] = [];
    for (const sasl of [
      { mechanism: 'scram-sha-256' as const, username: 'alice', password: 'wrong' },
      { mechanism: 'scram-sha-512' as const, username: 'nobody', password: PASSWORD },
    ]) {
      const admin = sdk(b.port, sasl).admin();
      const error = await admin.connect().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(KafkaJSSASLAuthenticationError);
      messages.push((error as Error).message.replace(/SHA-\d+/g, 'SHA'));
    }
    expect(messages[0]).toBe(messages[1]);
    expect(messages[0]).toMatch(/invalid credentials/);
    const anonymous = sdk(b.port).admin();
    await expect(anonymous.connect().then(() => anonymous.listTopics())).rejects.toThrow(/requires authentication/);
    expect(JSON.stringify(logs.lines)).not.toContain(PASSWORD);
    expect(logs.find('authentication failed; closing the connection')).toMatchObject({
      reason: 'bad-proof',
      claimed: 'alice',
    });
  });

  it('answers a request before authentication ILLEGAL_SASL_STATE and closes the connection', async () => {
    const b = await secureBroker();
    const wire = await b.client();
    await wire.request(ApiVersionsApi, {});
    const refused = await wire.request(MetadataApi, { topics: null, allowAutoTopicCreation: false }).catch((e) => e);
    expect(refused).toBeInstanceOf(WireError);
    expect((refused as WireError).code).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    await wire.closed;
    expect(wire.isClosed).toBe(true);
  });

  it('sets the principal, publishes auth events without secrets, and refuses a replayed client-final', async () => {
    const b = await secureBroker();
    const events: ActivityEvent[] = [];
    const listen = (event: unknown) => events.push(event as ActivityEvent);
    subscribe('sluice:activity', listen);
    try {
      const wire = await b.client();
      await wire.request(ApiVersionsApi, {});
      expect((await wire.request(SaslHandshakeApi, { mechanism: 'SCRAM-SHA-256' })).errorCode).toBe(0);
      const scram = new ScramClientExchange('SCRAM-SHA-256', 'alice', PASSWORD);
      const first = await wire.request(AuthenticateApi, { authBytes: Buffer.from(scram.first()) });
      const clientFinal = scram.final(first.authBytes.toString());
      const final = await wire.request(AuthenticateApi, { authBytes: Buffer.from(clientFinal) });
      expect(final.errorCode).toBe(0);
      scram.verify(final.authBytes.toString());
      const metadata = await wire.request(MetadataApi, { topics: null, allowAutoTopicCreation: false });
      expect(metadata.brokers.length).toBe(1);

      // A second connection replays the recorded client-final after its own client-first: new server nonce.
      const replay = await b.client();
      await replay.request(SaslHandshakeApi, { mechanism: 'SCRAM-SHA-256' });
      await replay.request(AuthenticateApi, { authBytes: Buffer.from(scram.first()) });
      const replayed = await replay.request(AuthenticateApi, { authBytes: Buffer.from(clientFinal) });
      expect(replayed.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
      await replay.closed;
    } finally {
      unsubscribe('sluice:activity', listen);
    }
    // Connections opened meanwhile are events too (connection.opened): only the authentications here.
    const auth = events.filter((e) => e.type.startsWith('auth.'));
    expect(auth.map((e) => [e.type, e.outcome, e.principal])).toEqual([
      ['auth.succeeded', 'success', 'User:alice'],
      ['auth.failed', 'failure', 'User:alice'],
    ]);
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
  });

  it('offers only what it serves: an unknown mechanism is UNSUPPORTED_SASL_MECHANISM with the list', async () => {
    const b = await secureBroker();
    const wire = await b.client();
    const answer = await wire.request(SaslHandshakeApi, { mechanism: 'GSSAPI' });
    expect(answer.errorCode).toBe(ErrorCode.UNSUPPORTED_SASL_MECHANISM);
    expect(answer.mechanisms).toEqual(['SCRAM-SHA-256', 'SCRAM-SHA-512']);
  });
});
