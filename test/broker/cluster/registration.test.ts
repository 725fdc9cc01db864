// The broker lease is renewed three times per lease counted from each renewal's send: an etcd that answers
// slowly does not stretch the gap between renewals by its answer time. With etcd cut off, the lease lapses
// when it ends even if its timer fires early by performance.now() (Node's timers count from the event
// loop's cached clock).
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EtcdClient } from '../../../src/broker/cluster/etcd-client.js';
import { ClusterKeys } from '../../../src/broker/cluster/keys.js';
import { BrokerRegistration } from '../../../src/broker/cluster/registration.js';
import { waitFor } from '../../helpers/wait-for.js';

const SESSION_TIMEOUT_MS = 3000;
/** How long the fake etcd takes to answer a renewal: most of the 1 s between renewals. */
const ANSWER_MS = 800;

let registration: BrokerRegistration | undefined;
afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  await registration?.close();
  registration = undefined;
});

function register(etcd: EtcdClient, onLapsed: () => void): BrokerRegistration {
  return new BrokerRegistration({
    etcd,
    keys: new ClusterKeys('sluice'),
    record: { id: 1, host: '127.0.0.1', port: 9092, kafkaPort: null },
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
    logger: pino({ level: 'silent' }),
    onLost: () => {},
    onLapsed,
    onRegistered: () => {},
  });
}

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
    registration = register(etcd, () => lapsed++);
    await registration.register();
    await waitFor(() => renewalsSentAt.length >= 4, { timeoutMs: 10_000, message: 'four renewals' });

    const gaps = renewalsSentAt.slice(1).map((at, i) => at - renewalsSentAt[i]!);
    // A renewal every ~1,000 ms (sessionTimeoutMs / 3); counted from each answer instead, 1,800 ms.
    for (const gap of gaps) expect(gap).toBeLessThan(1000 + ANSWER_MS / 2);
    expect(registration.valid).toBe(true);
    expect(lapsed).toBe(0);
  });

  it('lapses when the lease ends though its timer fired early by performance.now(), with every renewal hanging', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let now = 10_000;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    let lapsed = 0;
    const etcd = {
      grantLease: async () => '42',
      compareAndSwap: async () => ({ succeeded: true, revision: 1 }),
      revokeLease: async () => {},
      // etcd cut off over an open connection: a renewal neither succeeds nor fails within the lease.
      keepAlive: () => new Promise<number>(() => {}),
    } as unknown as EtcdClient;
    registration = register(etcd, () => lapsed++);
    await registration.register();
    expect(registration.validForMs).toBe(SESSION_TIMEOUT_MS);

    // The event loop's clock lags performance.now(): the lapse timer, due at 3,001 ms, fires when 2,990 ms have passed.
    now += SESSION_TIMEOUT_MS - 10;
    vi.advanceTimersByTime(SESSION_TIMEOUT_MS + 1);
    expect(registration.valid).toBe(true);
    expect(lapsed).toBe(0);

    now += 15;
    vi.advanceTimersByTime(20);
    expect(registration.valid).toBe(false);
    expect(lapsed).toBe(1);
  });
});
