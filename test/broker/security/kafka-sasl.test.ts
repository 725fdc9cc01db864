// SASL on the Kafka port with real clients, unmodified: kafkajs, kcat (librdkafka) and
// confluent-kafka-python with SCRAM-SHA-256 and SCRAM-SHA-512; a wrong password fails the same way for each.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserStore } from '../../../src/broker/security/auth/users.js';
import { nodeFs } from '../../../storage/index.js';
import { LogCapture } from '../../helpers/broker.js';
import { removeTempDirs, tempDir } from '../../helpers/temp-dir.js';
import { type KafkaTestBroker, kcatPath, pythonWithConfluentKafka, run, startKafkaBroker } from '../kafka/helpers.js';

const PASSWORD = 'kafka-side-s3cret-pw';
const logs = new LogCapture();
let b: KafkaTestBroker;

beforeAll(async () => {
  const dataDir = await tempDir();
  await (await UserStore.open(nodeFs, dataDir)).add('alice', PASSWORD);
  b = await startKafkaBroker({ dataDir, logger: logs.logger, security: { authentication: true } });
});
afterAll(async () => {
  await b?.stop();
  await removeTempDirs();
});

function kafkajs(mechanism: 'scram-sha-256' | 'scram-sha-512', password: string) {
  return new Kafka({
    clientId: 'kafkajs-sasl',
    brokers: [b.bootstrap],
    sasl: { mechanism, username: 'alice', password } as never,
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
}

describe('SASL on the Kafka port', () => {
  for (const mechanism of ['scram-sha-256', 'scram-sha-512'] as const) {
    it(`kafkajs ${mechanism}: creates a topic, produces and reads the offsets back`, async () => {
      const topic = `kjs-${mechanism}`;
      const admin = kafkajs(mechanism, PASSWORD).admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
      const producer = kafkajs(mechanism, PASSWORD).producer();
      await producer.connect();
      await producer.send({ topic, messages: [{ value: 'one' }, { value: 'two' }] });
      await producer.disconnect();
      expect(await admin.fetchTopicOffsets(topic)).toMatchObject([{ partition: 0, high: '2' }]);
      await admin.disconnect();
    });
  }

  it('kafkajs with a wrong password gets an authentication error', async () => {
    const admin = kafkajs('scram-sha-512', 'not-the-password').admin();
    await expect(admin.connect()).rejects.toThrow(/SASL SCRAM SHA512 authentication failed|invalid credentials/);
  });

  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) {
    it(`kcat ${mechanism}: produces and consumes`, async () => {
      const kcat = kcatPath();
      const topic = `kcat-${mechanism.toLowerCase()}`;
      const auth = [
        '-X',
        'security.protocol=SASL_PLAINTEXT',
        '-X',
        `sasl.mechanisms=${mechanism}`,
        '-X',
        'sasl.username=alice',
        '-X',
        `sasl.password=${PASSWORD}`,
      ];
      const produced = await run(kcat, ['-b', b.bootstrap, ...auth, '-P', '-t', topic], { input: 'a\nb\nc\n' });
      expect(produced.code, produced.stderr).toBe(0);
      const consumed = await run(kcat, ['-b', b.bootstrap, ...auth, '-C', '-t', topic, '-e', '-q']);
      expect(consumed.code, consumed.stderr).toBe(0);
      expect(consumed.stdout.trim().split('\n')).toEqual(['a', 'b', 'c']);
    });
  }

  it('kcat with a wrong password fails and says authentication failed', async () => {
    const r = await run(kcat(), [
      '-b',
      b.bootstrap,
      '-X',
      'security.protocol=SASL_PLAINTEXT',
      '-X',
      'sasl.mechanisms=SCRAM-SHA-256',
      '-X',
      'sasl.username=alice',
      '-X',
      'sasl.password=wrong',
      '-L',
      '-m',
      '5',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Authentication failed|invalid credentials/i);
  });

  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) {
    it(`confluent-kafka-python ${mechanism}: produces with a delivery report`, async () => {
      const script = `
import sys, json
from confluent_kafka import Producer
p = Producer({'bootstrap.servers': sys.argv[1], 'security.protocol': 'SASL_PLAINTEXT',
              'sasl.mechanisms': sys.argv[2], 'sasl.username': 'alice', 'sasl.password': sys.argv[3]})
reports = []
p.produce('py-sasl', b'hello', on_delivery=lambda err, msg: reports.append(None if err is None else str(err)))
p.flush(20)
print(json.dumps(reports))
`;
      const r = await run(pythonWithConfluentKafka(), ['-c', script, b.bootstrap, mechanism, PASSWORD], {
        timeoutMs: 60_000,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toEqual([null]);
    });
  }

  it('never writes the password to the log', () => {
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(JSON.stringify(logs.lines)).not.toContain(PASSWORD);
  });
});

function kcat(): string {
  return kcatPath();
}
