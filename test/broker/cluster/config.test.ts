// The cluster settings as a broker's config resolves them: defaults, and a clear error naming the setting
// for a bad value (checked once, when the broker starts).
import { describe, expect, it } from 'vitest';
import { type ClusterOptions, resolveClusterConfig } from '../../../src/broker/cluster/config.js';

const fail = (field: string, message: string): never => {
  throw new Error(`${field} ${message}`);
};
const resolve = (options: Omit<ClusterOptions, 'etcd'>) =>
  resolveClusterConfig({ etcd: 'etcd://127.0.0.1:2379', ...options }, fail);

describe('cluster settings', () => {
  it('defaults the replica fetch timeouts below the lag that takes a follower out of the ISR', () => {
    const config = resolve({});
    expect(config.replicaSocketTimeoutMs).toBe(5000);
    expect(config.replicaFetchWaitMaxMs).toBe(500);
    expect(config.replicaFetchWaitMaxMs + config.replicaSocketTimeoutMs).toBeLessThan(config.replicaLagTimeMaxMs);
    expect(resolve({ replicaSocketTimeoutMs: 1500 }).replicaSocketTimeoutMs).toBe(1500);
  });

  it('refuses a replica socket timeout that is not an integer from 100 to 600000, naming the setting', () => {
    for (const bad of [0, 99, 600_001, 1.5, Number.NaN, '5000' as unknown as number])
      expect(() => resolve({ replicaSocketTimeoutMs: bad })).toThrow(
        'cluster.replicaSocketTimeoutMs must be an integer from 100 to 600000',
      );
  });
});
