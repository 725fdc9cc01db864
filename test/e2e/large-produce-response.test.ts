// A produce request that spans thousands of partitions gets an acknowledgement of tens of KiB: it must reach
// the producer whole, as must everything answered after it on the same connection (a response writer that
// held such a frame back once left the producer waiting until its request timed out).
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Sluice } from '../../src/client/index.js';
import { startSluice, type SluiceProcess } from '../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';

const PARTITIONS = 5_000;
let broker: SluiceProcess | undefined;

afterEach(async () => {
  if (broker && broker.child.exitCode === null) await broker.kill('SIGTERM');
  broker = undefined;
});
afterAll(removeTempDirs);

describe('produce acknowledgements larger than a socket write buffer', () => {
  it('acknowledges one record to each of 5,000 partitions, three sends in a row, and reads them all back', async () => {
    broker = await startSluice(['--data-dir', await tempDir('sluice-wide-produce-'), '--port', '0', '--no-http']);
    const sluice = new Sluice({
      clientId: 'wide',
      brokers: [`127.0.0.1:${broker.port}`],
      logLevel: 0,
      requestTimeout: 15_000,
    });
    const admin = sluice.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'wide', numPartitions: PARTITIONS }] });
    const producer = sluice.producer();
    await producer.connect();
    for (let round = 0; round < 3; round++) {
      const messages = Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, value: `r${round}` }));
      const acks = await producer.send({ topic: 'wide', messages, acks: 1 });
      expect(acks).toHaveLength(PARTITIONS);
      expect(acks.every((ack) => ack.errorCode === 0)).toBe(true);
    }
    const offsets = await admin.fetchTopicOffsets('wide');
    expect(offsets).toHaveLength(PARTITIONS);
    expect(offsets.every((o) => o.high === '3')).toBe(true);
    await producer.disconnect();
    await admin.disconnect();
  }, 60_000);
});
