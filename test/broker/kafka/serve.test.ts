// `sluice serve` and the Kafka listener: the port in the "listening" line, --no-kafka, the config-file key,
// the default port taken by someone else (serve starts without the listener and says so), and settings
// refused in one sentence.
import { createServer, type Server } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Broker, BrokerConfigError } from '../../../src/broker/index.js';
import { Metadata } from '../../../src/protocol/kafka/index.js';
import { runSluice, startSluice } from '../../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../../helpers/temp-dir.js';
import { KafkaWireClient } from './kafka-wire-client.js';

afterAll(removeTempDirs);

describe('sluice serve with the Kafka listener', () => {
  it('--kafka-port 0 picks a free port, logged in the "listening" line; Metadata advertises it', async () => {
    const proc = await startSluice(['--data-dir', await tempDir(), '--port', '0', '--kafka-port', '0']);
    try {
      const listening = proc.lines.find((l) => l.msg === 'listening')!;
      const kafkaPort = listening.kafkaPort as number;
      expect(kafkaPort).toBeGreaterThan(0);
      expect(kafkaPort).not.toBe(proc.port);
      expect(listening.kafkaAddress).toBe(`127.0.0.1:${kafkaPort}`);
      const c = await KafkaWireClient.connect(kafkaPort);
      const meta = await c.request(Metadata, 4, { topics: null, allowAutoTopicCreation: false });
      expect(meta.brokers[0]).toMatchObject({ host: '127.0.0.1', port: kafkaPort });
      c.destroy();
    } finally {
      expect(await proc.kill('SIGTERM')).toBe(0);
    }
  });

  it('--advertised-kafka-port and the config file keys kafkaPort / advertisedKafkaPort', async () => {
    const dir = await tempDir();
    const config = join(dir, 'sluice.json');
    await writeFile(config, JSON.stringify({ kafkaPort: 0, advertisedKafkaPort: 19092 }));
    const proc = await startSluice(['--data-dir', join(dir, 'data'), '--port', '0', '--config', config]);
    try {
      const listening = proc.lines.find((l) => l.msg === 'listening')!;
      expect(listening.kafkaAddress).toBe('127.0.0.1:19092');
      const c = await KafkaWireClient.connect(listening.kafkaPort as number);
      const meta = await c.request(Metadata, 1, { topics: [] });
      expect(meta.brokers[0]).toMatchObject({ port: 19092 });
      c.destroy();
    } finally {
      await proc.kill('SIGTERM');
    }
  });

  it('--no-kafka opens no Kafka listener', async () => {
    const proc = await startSluice(['--data-dir', await tempDir(), '--port', '0', '--no-kafka']);
    try {
      const listening = proc.lines.find((l) => l.msg === 'listening')!;
      expect(listening.kafkaPort).toBeUndefined();
    } finally {
      await proc.kill('SIGTERM');
    }
  });

  it('starts without the Kafka listener, with a warning, when the default port 9092 is taken', async () => {
    // Whoever holds 9092 (this test, a Kafka broker, another Sluice), serve must still start. Held by another
    // process, it may be let go at any moment (a broker of another test stopping): the test takes it itself
    // as soon as it can, and relies on the other holder only if it never can.
    let holder: Server | undefined;
    const deadline = performance.now() + 10_000;
    while (!holder && performance.now() < deadline) {
      const server = createServer();
      const taken = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false));
        server.listen({ host: '127.0.0.1', port: 9092 }, () => resolve(true));
      });
      if (taken) holder = server;
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    try {
      const proc = await startSluice(['--data-dir', await tempDir(), '--port', '0'], undefined, {
        defaultKafkaPort: true,
      });
      const exit = await proc.kill('SIGTERM');
      const warning = proc.lines.find((l) => /starting without the Kafka listener/.test(String(l.msg)));
      expect(warning?.msg).toMatch(/9092.*--kafka-port/);
      expect(proc.lines.find((l) => l.msg === 'listening')!.kafkaPort).toBeUndefined();
      expect(exit).toBe(0);
    } finally {
      await new Promise((resolve) => (holder ? holder.close(resolve) : resolve(null)));
    }
  });

  it('an explicit Kafka port that is taken fails the start with a clear error', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const taken = (holder.address() as { port: number }).port;
    try {
      const r = await runSluice(['serve', '--data-dir', await tempDir(), '--port', '0', '--kafka-port', String(taken)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        `127.0.0.1:${taken} is in use by another process (choose another port with --kafka-port, or 0 for a free one)`,
      );
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('refuses a Kafka port equal to the native port, and bad values, in one sentence', async () => {
    const same = await runSluice(['serve', '--port', '9700', '--kafka-port', '9700']);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/kafkaPort.*must differ from port/);
    const bad = await runSluice(['serve', '--kafka-port', '70000']);
    expect(bad.code).toBe(2);
    expect(() => new Broker({ dataDir: '/tmp/x', kafkaPort: 'nine' as never })).toThrow(BrokerConfigError);
  });
});
