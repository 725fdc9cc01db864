// Client quotas (Kafka's model): the configured values (quota-store.ts), the accounting that turns them
// into throttles (throttler.ts), what the wires do with a throttle (enforce.ts), and the management calls
// both doors serve (management.ts).
import type { Clock, StorageFs } from '../../../../storage/index.js';
import { QuotaStore } from './quota-store.js';
import { Throttler } from './throttler.js';

export interface ClientQuotas {
  readonly store: QuotaStore;
  readonly throttler: Throttler;
}

export async function openClientQuotas(fs: StorageFs, dataDir: string, clock: Clock): Promise<ClientQuotas> {
  const store = await QuotaStore.open(fs, dataDir);
  return Object.freeze({ store, throttler: new Throttler(store, clock) });
}

export { QUOTAS_FILE } from './quota-store.js';
export * from './types.js';
