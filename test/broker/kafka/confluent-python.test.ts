// confluent-kafka-python 1.7.0 (Debian python3-confluent-kafka, librdkafka 2.0.2), unmodified, against the
// Kafka listener: AdminClient create/describe configs/list groups/delete, an idempotent Producer with
// delivery reports, and a group Consumer with manual commits (python/confluent_client.py does the work).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../../helpers/temp-dir.js';
import { type KafkaTestBroker, pythonWithConfluentKafka, run, startKafkaBroker } from './helpers.js';

let b: KafkaTestBroker;
let python: string;

beforeAll(async () => {
  python = pythonWithConfluentKafka();
  b = await startKafkaBroker();
});
afterAll(async () => {
  await b?.stop();
  await removeTempDirs();
});

interface Outcome {
  created: boolean;
  configs: string[];
  reports: Array<{ error: string | null; partition: number; offset: number }>;
  consumed: Array<{ key: string; value: string; headers: string[][]; partition: number; offset: number }>;
  consumer_errors?: string[];
  committed: Record<string, number>;
  groups: string[];
  deleted: boolean;
}

describe('confluent-kafka-python against the Kafka listener', () => {
  it('creates a topic, produces idempotently with delivery reports, consumes in a group with manual commits', async () => {
    const script = join(import.meta.dirname, 'python', 'confluent_client.py');
    const r = await run(python, [script, b.bootstrap], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Outcome;

    expect(out.created).toBe(true);
    expect(out.configs).toEqual(expect.arrayContaining(['cleanup.policy', 'retention.ms', 'segment.bytes']));

    // Every message got a delivery report without error; offsets are dense per partition.
    expect(out.reports).toHaveLength(20);
    expect(out.reports.every((d) => d.error === null)).toBe(true);
    for (const p of [0, 1]) {
      const offsets = out.reports
        .filter((d) => d.partition === p)
        .map((d) => d.offset)
        .sort((x, y) => x - y);
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }

    expect(out.consumer_errors).toBeUndefined();
    expect(out.consumed.map((m) => m.value).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `value-${i}`).sort());
    for (const m of out.consumed) {
      const i = Number(m.value.slice('value-'.length));
      expect(m.key).toBe(`key-${i % 4}`);
      expect(m.headers).toEqual([['n', String(i)]]);
    }
    // Manual commits: the committed position of each partition is its end (-1001, librdkafka's "no
    // offset", for a partition no key landed on).
    const ends: Record<string, number> = { '0': -1001, '1': -1001 };
    for (const d of out.reports) ends[String(d.partition)] = Math.max(ends[String(d.partition)]!, d.offset + 1);
    expect(out.committed).toEqual(ends);

    expect(out.groups).toContain('py-group');
    expect(out.deleted).toBe(true);
    expect(b.broker.running).toBe(true);
  });
});
