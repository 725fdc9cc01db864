// transactional.id.expiration.ms: a transactional id with no open transaction and no request for
// transactions.transactionalIdExpirationMs is forgotten (a tombstone in __transaction_state, kept across a
// restart); one with a transaction open is not. Using the id again starts from a new producer id.
import { afterAll, describe, expect, it } from 'vitest';
import { AddPartitionsToTxnApi, ErrorCode, InitProducerIdApi } from '../../src/protocol/index.js';
import { createTopic, startBroker } from '../helpers/broker.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import type { WireClient } from '../helpers/wire-client.js';

afterAll(removeTempDirs);

const transactions = { transactionalIdExpirationMs: 300, abortCheckIntervalMs: 50 };

async function init(c: WireClient, transactionalId: string) {
  const answer = await c.request(InitProducerIdApi, {
    transactionalId,
    transactionTimeoutMs: 60_000,
    producerId: -1,
    producerEpoch: -1,
  });
  expect(answer.errorCode).toBe(ErrorCode.NONE);
  return answer;
}

describe('transactional id expiration', () => {
  it('forgets an idle transactional id, keeps one with an open transaction, and remembers that across a restart', async () => {
    const tb = await startBroker({ transactions });
    const dataDir = tb.dataDir;
    try {
      const c = await tb.client();
      expect((await createTopic(c, 'ledger', 1)).errorCode).toBe(0);
      const idle = await init(c, 'idle');
      const busy = await init(c, 'busy');
      const added = await c.request(AddPartitionsToTxnApi, {
        transactionalId: 'busy',
        producerId: busy.producerId,
        producerEpoch: busy.producerEpoch,
        topics: [{ name: 'ledger', partitions: [0] }],
      });
      expect(added.results[0]!.partitions[0]!.errorCode).toBe(0);

      const coordinator = tb.broker.core.transactions;
      await waitFor(() => coordinator.describe('idle') === undefined, {
        timeoutMs: 30_000,
        message: 'the idle transactional id to expire',
      });
      expect(coordinator.describe('busy')?.state).toBe('Ongoing');
      const again = await init(c, 'idle');
      expect(again.producerId).not.toBe(idle.producerId);
      expect(again.producerEpoch).toBe(0);
    } finally {
      await tb.stop();
    }

    // The expiry is stored: a restart (with a long expiration) replays the tombstone, then the new state.
    const restarted = await startBroker({ dataDir, transactions: { transactionalIdExpirationMs: 3_600_000 } });
    try {
      expect(restarted.broker.core.transactions.describe('idle')?.producerEpoch).toBe(0);
      expect(restarted.broker.core.transactions.describe('busy')?.state).toBe('Ongoing');
    } finally {
      await restarted.stop();
    }
  });
});
