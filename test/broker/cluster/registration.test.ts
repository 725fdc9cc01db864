// The broker lease is renewed three times per lease counted from each renewal's send: an etcd that answers
// slowly does not stretch the gap between renewals by its answer time.
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { EtcdClient } from '../../../src/broker/cluster/etcd-client.js';
import { ClusterKeys } from '../../../src/broker/cluster/keys.js';
import { BrokerRegistration } from '../../../src/broker/cluster/registration.js';
import { waitFor } from '../../helpers/wait-for.js';

const SESSION_TIMEOUT_MS = 3000;
/** How long the fake etcd takes to answer a renewal: most of the 1 s between renewals. */
const ANSWER_MS = 800;

let registration: BrokerRegistration | undefined;
afterEach(async () => {
  await registration?.close();
});

describe('BrokerRegistration', () => {
  it('sends the next renewal a third of the lease after the last one was sent, however slowly etcd answered', async () => {
    const renewalsSentAt: number[] = [];
    let lapsed = 0;
    const etcd = {
      grantLease: async () => '42',
      compareAndSwap: async () => ({ succeeded: true, revision: 1 }),
      revokeLease: async () => {},
      keepAlive: async () => {
        renewalsSentAt.push(performance.now());
        await new Promise((resolve) => setTimeout(resolve, ANSWER_MS));
        return SESSION_TIMEOUT_MS / 1000;
      },
    } as unknown as EtcdClient;
    registration = new BrokerRegistration({
      etcd,
      keys: new ClusterKeys('sluice'),
      record: { id: 1, host: '127.0.0.1', port: 9092, kafkaPort: null },
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      logger: pino({ level: 'silent' }),
      onLost: () => {},
      onLapsed: () => lapsed++,
      onRegistered: () => {},
    });
    await registration.register();
    await waitFor(() => renewalsSentAt.length >= 4, { timeoutMs: 10_000, message: 'four renewals' });

    const gaps = renewalsSentAt.slice(1).map((at, i) => at - renewalsSentAt[i]!);
    // A renewal every ~1,000 ms (sessionTimeoutMs / 3); counted from each answer instead, 1,800 ms.
    for (const gap of gaps) expect(gap).toBeLessThan(1000 + ANSWER_MS / 2);
    expect(registration.valid).toBe(true);
    expect(lapsed).toBe(0);
  });
});
