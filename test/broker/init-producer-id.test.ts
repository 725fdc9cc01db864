// InitProducerId on a real broker: fresh ids are unique (also across restarts, SIGKILL-safe by block
// reservation), an issued id can bump its epoch, and malformed or unsupported requests get clear errors
// without hurting the connection.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, InitProducerIdApi } from '../../src/protocol/index.js';
import { PRODUCER_ID_BLOCK, PRODUCER_IDS_FILE } from '../../src/broker/registries/producer-ids.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';

const fresh = { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 };

describe('InitProducerId', () => {
  let broker: TestBroker | undefined;
  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
  });

  it('hands out unique ids, epoch 0, and never reuses them after a restart', async () => {
    broker = await startBroker();
    const client = await broker.client();
    const first = await Promise.all(Array.from({ length: 20 }, () => client.request(InitProducerIdApi, fresh)));
    const ids = first.map((r) => r.producerId);
    expect(new Set(ids).size).toBe(20);
    expect(first.every((r) => r.errorCode === 0 && r.producerEpoch === 0 && r.producerId >= 0)).toBe(true);
    // One block reserved on disk, not one write per id.
    const mark = JSON.parse(await readFile(join(broker.dataDir, PRODUCER_IDS_FILE), 'utf8'));
    expect(mark.nextBlockStart).toBe(PRODUCER_ID_BLOCK);
    const { dataDir } = broker;
    await broker.stop();
    broker = await startBroker({ dataDir });
    const again = await (await broker.client()).request(InitProducerIdApi, fresh);
    expect(again.producerId).toBeGreaterThan(Math.max(...ids));
  });

  it('bumps the epoch of an issued id and refuses ids it never issued, epochs without an id and transactions', async () => {
    broker = await startBroker();
    const client = await broker.client();
    const { producerId } = await client.request(InitProducerIdApi, fresh);
    expect(await client.request(InitProducerIdApi, { ...fresh, producerId, producerEpoch: 0 })).toMatchObject({
      producerId,
      producerEpoch: 1,
      errorCode: 0,
    });
    expect(
      (await client.request(InitProducerIdApi, { ...fresh, producerId: 10_000_000, producerEpoch: 0 })).errorCode,
    ).toBe(ErrorCode.UNKNOWN_PRODUCER_ID);
    expect((await client.request(InitProducerIdApi, { ...fresh, producerEpoch: 3 })).errorCode).toBe(
      ErrorCode.INVALID_REQUEST,
    );
    // A transactional id: the transaction coordinator's producer, the next epoch on every call (fencing).
    const tx = await client.request(InitProducerIdApi, { ...fresh, transactionalId: 'tx-1' });
    expect(tx).toMatchObject({ errorCode: 0, producerEpoch: 0 });
    const again = await client.request(InitProducerIdApi, { ...fresh, transactionalId: 'tx-1' });
    expect(again).toMatchObject({ errorCode: 0, producerId: tx.producerId, producerEpoch: 1 });
  });

  it('answers a malformed body with INVALID_REQUEST naming the field and keeps serving the connection', async () => {
    broker = await startBroker();
    const client = await broker.client();
    const bad = await client.send(InitProducerIdApi.key, 0, { producerId: 'x' });
    expect(bad.error?.code).toBe(ErrorCode.INVALID_REQUEST);
    expect(bad.error?.message).toMatch(/producerId/);
    const negative = await client.send(InitProducerIdApi.key, 0, { producerId: -5, producerEpoch: -1 });
    expect(negative.error?.code).toBe(ErrorCode.INVALID_REQUEST);
    const huge = await client.send(InitProducerIdApi.key, 0, { producerId: -1, producerEpoch: 40_000 });
    expect(huge.error?.code).toBe(ErrorCode.INVALID_REQUEST);
    expect((await client.request(InitProducerIdApi, fresh)).errorCode).toBe(0);
  });
});
