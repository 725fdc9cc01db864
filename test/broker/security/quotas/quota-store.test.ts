// Client quotas behind the wire: which entity's value applies (Kafka's precedence), what is kept across a
// restart, and how the throttler turns a rate into a throttle (a manual clock).
import { afterAll, describe, expect, it } from 'vitest';
import { nodeFs } from '../../../../storage/index.js';
import { QuotaStore } from '../../../../src/broker/security/quotas/quota-store.js';
import { MAX_THROTTLE_MS, Throttler } from '../../../../src/broker/security/quotas/throttler.js';
import { removeTempDirs, tempDir } from '../../../helpers/temp-dir.js';

afterAll(removeTempDirs);

const set = (key: string, value: number) => ({ key, remove: false as const, value });

describe('QuotaStore', () => {
  it('applies the most specific entity, per quota key, in Kafka order', async () => {
    const store = await QuotaStore.open(nodeFs, await tempDir());
    const results = await store.alter(
      [
        { entity: { clientId: null }, ops: [set('producer_byte_rate', 1000)] },
        { entity: { clientId: 'app' }, ops: [set('producer_byte_rate', 2000)] },
        { entity: { user: null }, ops: [set('producer_byte_rate', 3000)] },
        { entity: { user: 'alice' }, ops: [set('producer_byte_rate', 4000), set('request_rate', 10)] },
        { entity: { user: 'alice', clientId: 'app' }, ops: [set('producer_byte_rate', 5000)] },
      ],
      false,
    );
    expect(results).toEqual([null, null, null, null, null]);
    expect(store.resolve('producer_byte_rate', 'alice', 'app')?.rate).toBe(5000);
    expect(store.resolve('producer_byte_rate', 'alice', 'other')?.rate).toBe(4000);
    expect(store.resolve('request_rate', 'alice', 'app')?.rate).toBe(10);
    expect(store.resolve('producer_byte_rate', 'bob', 'app')?.rate).toBe(3000);
    expect(store.resolve('consumer_byte_rate', 'bob', 'app')).toBeNull();
    // Users share nothing under the default user's quota: each has a bucket of its own.
    expect(store.resolve('producer_byte_rate', 'bob', 'x')?.bucket).not.toBe(
      store.resolve('producer_byte_rate', 'carol', 'x')?.bucket,
    );
    // A user's own quota is shared by all its client ids.
    expect(store.resolve('producer_byte_rate', 'alice', 'x')?.bucket).toBe(
      store.resolve('producer_byte_rate', 'alice', 'y')?.bucket,
    );
  });

  it('describes by exact name, default and any name, strictly or not; keeps quotas across a restart', async () => {
    const dir = await tempDir();
    const store = await QuotaStore.open(nodeFs, dir);
    await store.alter(
      [
        { entity: { user: 'alice' }, ops: [set('consumer_byte_rate', 100)] },
        { entity: { user: null }, ops: [set('consumer_byte_rate', 50)] },
        { entity: { user: 'alice', clientId: 'app' }, ops: [set('request_rate', 5)] },
      ],
      false,
    );
    const exact = store.describe([{ entityType: 'user', match: { kind: 'exact', name: 'alice' } }], false);
    expect(exact.map((e) => e.entity)).toEqual([{ user: 'alice' }, { user: 'alice', clientId: 'app' }]);
    expect(store.describe([{ entityType: 'user', match: { kind: 'exact', name: 'alice' } }], true)).toHaveLength(1);
    expect(store.describe([{ entityType: 'user', match: { kind: 'default' } }], false)[0]?.entity).toEqual({
      user: null,
    });
    expect(store.describe([{ entityType: 'user', match: { kind: 'any' } }], false)).toHaveLength(2);
    expect(store.describe([], false)).toHaveLength(3);

    const reopened = await QuotaStore.open(nodeFs, dir);
    expect(reopened.describe([], false)).toEqual(store.describe([], false));
    // Removing an entity's last value removes the entity.
    expect(
      await reopened.alter([{ entity: { user: null }, ops: [{ key: 'consumer_byte_rate', remove: true }] }], false),
    ).toEqual([null]);
    expect((await QuotaStore.open(nodeFs, dir)).describe([], false)).toHaveLength(2);
  });

  it('refuses unknown keys and values that are not whole positive rates, entry by entry', async () => {
    const store = await QuotaStore.open(nodeFs, await tempDir());
    const results = await store.alter(
      [
        { entity: { user: 'a' }, ops: [set('io_thread_rate', 10)] },
        { entity: { user: 'b' }, ops: [set('producer_byte_rate', 0)] },
        { entity: { user: 'c' }, ops: [set('producer_byte_rate', 1.5)] },
        { entity: { user: 'd' }, ops: [set('producer_byte_rate', 1024)] },
        { entity: { user: 'e' }, ops: [set('request_percentage', 0)] },
        { entity: { user: 'f' }, ops: [set('request_percentage', 12.5)] },
      ],
      false,
    );
    expect(results[0]?.message).toMatch(/unknown quota "io_thread_rate"/);
    expect(results[1]?.message).toMatch(/whole number of bytes per second, at least 1/);
    expect(results[2]?.message).toMatch(/whole number/);
    expect(results[3]).toBeNull();
    expect(results[4]?.message).toMatch(/request_percentage must be a number of percent above 0/);
    expect(results[5]).toBeNull();
    expect(store.describe([], false).map((e) => e.entity)).toEqual([{ user: 'd' }, { user: 'f' }]);
    await store.alter([{ entity: { user: 'f' }, ops: [{ key: 'request_percentage', remove: true }] }], false);
    expect(await store.alter([{ entity: { user: 'e' }, ops: [set('request_rate', 3)] }], true)).toEqual([null]);
    expect(store.describe([], false)).toHaveLength(1);
  });
});

describe('Throttler', () => {
  it('lets a second of quota through, then throttles by the debt, capped, and forgives as time passes', async () => {
    let now = 1_000_000;
    const store = await QuotaStore.open(nodeFs, await tempDir());
    const throttler = new Throttler(store, { now: () => now });
    const produce = (bytes: number) =>
      throttler.record({
        user: 'alice',
        clientId: 'app',
        apiKey: 0,
        requestBytes: bytes,
        responseBytes: 10,
        serviceMs: 0,
      });
    expect(throttler.idle).toBe(true);
    expect(produce(1_000_000)).toBe(0);
    await store.alter([{ entity: { user: 'alice' }, ops: [set('producer_byte_rate', 1000)] }], false);
    expect(produce(1000)).toBe(0); // the first second's worth
    expect(produce(500)).toBe(500); // 500 bytes of debt at 1000 B/s
    now += 500;
    expect(produce(500)).toBe(500); // half a second repaid 500, 500 more taken
    expect(produce(1_000_000)).toBe(MAX_THROTTLE_MS);
    // A fetch by the same user is not counted against producer_byte_rate.
    expect(
      throttler.record({
        user: 'alice',
        clientId: 'app',
        apiKey: 1,
        requestBytes: 10,
        responseBytes: 1e6,
        serviceMs: 0,
      }),
    ).toBe(0);
  });

  it('counts requests against request_rate, except ApiVersions and SASL', async () => {
    const now = 5_000;
    const store = await QuotaStore.open(nodeFs, await tempDir());
    const throttler = new Throttler(store, { now: () => now });
    await store.alter([{ entity: { clientId: 'chatty' }, ops: [set('request_rate', 2)] }], false);
    const request = (apiKey: number, clientId = 'chatty') =>
      throttler.record({ user: 'ANONYMOUS', clientId, apiKey, requestBytes: 50, responseBytes: 50, serviceMs: 0 });
    expect(request(3)).toBe(0);
    expect(request(3)).toBe(0);
    expect(request(3)).toBe(500);
    expect(request(18)).toBe(0);
    expect(request(36)).toBe(0);
    expect(request(3, 'quiet')).toBe(0);
  });

  it('counts the thread time of requests against request_percentage (10 % = 100 ms of every second)', async () => {
    let now = 10_000;
    const store = await QuotaStore.open(nodeFs, await tempDir());
    const throttler = new Throttler(store, { now: () => now });
    expect(throttler.timesRequests).toBe(false);
    await store.alter([{ entity: { user: 'busy' }, ops: [set('request_percentage', 10)] }], false);
    expect(throttler.timesRequests).toBe(true);
    const request = (serviceMs: number, user = 'busy') =>
      throttler.record({ user, clientId: 'app', apiKey: 3, requestBytes: 50, responseBytes: 50, serviceMs });
    expect(request(100)).toBe(0); // the first second's worth
    expect(request(50)).toBe(500); // 50 ms of debt at 100 ms per second
    now += 500;
    expect(request(0)).toBe(0);
    expect(request(20)).toBe(200);
    expect(request(1000, 'idle')).toBe(0); // no quota of its own
  });
});
