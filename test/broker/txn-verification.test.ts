// KIP-890 part 1: a transactional batch to a partition its producer did not add to its open transaction
// (AddPartitionsToTxn) is refused with INVALID_TXN_STATE and stores nothing, so no data hangs outside a
// transaction; once the partition is added, the same batch is stored.
import { afterAll, describe, expect, it } from 'vitest';
import { AddPartitionsToTxnApi, ErrorCode, InitProducerIdApi } from '../../src/protocol/index.js';
import { ATTR_TRANSACTIONAL, Offsets, writeBatchCrc, writeInt64 } from '../../storage/index.js';
import { keyedBatch } from '../storage/compaction-helpers.js';
import { createTopic, produce, startBroker } from '../helpers/broker.js';
import { removeTempDirs } from '../helpers/temp-dir.js';

afterAll(removeTempDirs);

async function transactionalBatch(producerId: number, epoch: number): Promise<Buffer> {
  const batch = await keyedBatch([{ key: 'k', value: 'v' }]);
  writeInt64(batch, Offsets.producerId, producerId);
  batch.writeInt16BE(epoch, Offsets.producerEpoch);
  batch.writeInt32BE(0, Offsets.baseSequence);
  batch.writeInt16BE(batch.readInt16BE(Offsets.attributes) | ATTR_TRANSACTIONAL, Offsets.attributes);
  writeBatchCrc(batch);
  return batch;
}

describe('transactional produce verification (KIP-890 part 1)', () => {
  it('refuses a transactional write to a partition not added to the transaction, accepts it once added', async () => {
    const tb = await startBroker();
    try {
      const c = await tb.client();
      expect((await createTopic(c, 'ledger', 2)).errorCode).toBe(0);
      const init = await c.request(InitProducerIdApi, {
        transactionalId: 'verifier',
        transactionTimeoutMs: 60_000,
        producerId: -1,
        producerEpoch: -1,
      });
      expect(init.errorCode).toBe(0);
      const { producerId, producerEpoch } = init;
      const batch = await transactionalBatch(producerId, producerEpoch);

      const refused = await produce(c, 'ledger', 0, batch);
      expect(refused.errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
      expect(refused.errorMessage).toMatch(/did not add this partition to its transaction/);

      const added = await c.request(AddPartitionsToTxnApi, {
        transactionalId: 'verifier',
        producerId,
        producerEpoch,
        topics: [{ name: 'ledger', partitions: [1] }],
      });
      expect(added.results[0]!.partitions[0]!.errorCode).toBe(0);
      // Partition 1 is in the transaction now, partition 0 still is not.
      expect((await produce(c, 'ledger', 0, batch)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
      const stored = await produce(c, 'ledger', 1, batch);
      expect(stored.errorCode).toBe(0);
      expect(stored.baseOffset).toBe(0);

      // A producer id no transaction has is refused the same way.
      const stranger = await produce(c, 'ledger', 1, await transactionalBatch(producerId + 1000, 0));
      expect(stranger.errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
      expect(stranger.errorMessage).toMatch(/has no transaction open/);
    } finally {
      await tb.stop();
    }
  });
});
