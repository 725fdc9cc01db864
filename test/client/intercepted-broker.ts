// The real broker for SDK unit tests, with Broker.intercept as the test seam: every request is recorded
// (a pass-through interceptor per API, which never intercepts), and a test adds its own interceptors to
// answer errors, hold, drop or replace responses. Topics are real: what a producer stores can be read back.
import { Broker, type InterceptedRequest } from '../../src/broker/index.js';
import { ALL_APIS } from '../../src/protocol/index.js';
import { createTopic, readAll, values } from '../helpers/broker.js';
import { tempDir } from '../helpers/temp-dir.js';
import { WireClient } from '../helpers/wire-client.js';

export interface InterceptedBroker {
  broker: Broker;
  port: number;
  /** Every request the broker received, in arrival order (decoded). */
  requests: InterceptedRequest[];
  /** Requests of one API seen so far. */
  of(apiKey: number): InterceptedRequest[];
  /** The values stored in a partition, read back from the broker. */
  stored(topic: string, partition: number): Promise<Array<string | null>>;
  stop(): Promise<void>;
}

export async function startInterceptedBroker(
  topics: Array<{ name: string; partitions: number }> = [],
): Promise<InterceptedBroker> {
  const broker = new Broker({
    dataDir: await tempDir('sluice-intercept-'),
    port: 0,
    shutdownTimeoutMs: 500,
    autoCreateTopics: false,
  });
  const port = await broker.start();
  const reader = await WireClient.connect(port);
  for (const t of topics) await createTopic(reader, t.name, t.partitions);
  const requests: InterceptedRequest[] = [];
  for (const api of ALL_APIS) broker.intercept(api.key, (r) => void requests.push(r), { keep: true });
  return {
    broker,
    port,
    requests,
    of: (apiKey) => requests.filter((r) => r.apiKey === apiKey),
    stored: async (topic, partition) => values(await readAll(reader, topic, partition)),
    async stop() {
      reader.destroy();
      await broker.stop();
    },
  };
}
