// Sluice's partitioners against kafkajs 2.2.4's own (the devDependency): the same key must land on the
// same partition for every partition count, or a program switching from kafkajs would reshuffle its keys.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Partitioners } from '../../src/client/index.js';

type KafkaJSPartitioner = (args: {
  topic: string;
  partitionMetadata: Array<{ partitionId: number; leader: number }>;
  message: { key?: Buffer | string | null; partition?: number };
}) => number;
const kafkajs = createRequire(import.meta.url)('kafkajs') as {
  Partitioners: Record<'DefaultPartitioner' | 'LegacyPartitioner', () => KafkaJSPartitioner>;
};

const metadataFor = (count: number) => Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0 }));
const COUNTS = Array.from({ length: 50 }, (_, i) => i + 1);

// Short, long, ASCII, multi-byte UTF-8 and numeric keys, and raw bytes of every tail length.
const stringKeys = fc.sample(fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 })), {
  numRuns: 1500,
  seed: 13,
});
const numericKeys = Array.from({ length: 300 }, (_, i) => String(i * 7919));
const byteKeys = fc
  .sample(fc.uint8Array({ maxLength: 70 }), { numRuns: 1500, seed: 17 })
  .map((bytes) => Buffer.from(bytes));
const keys: Array<string | Buffer> = ['', 'a', 'foobar', 'customer-42', ...numericKeys, ...stringKeys, ...byteKeys];

function placements(create: () => KafkaJSPartitioner): number[] {
  const out: number[] = [];
  for (const count of COUNTS) {
    const partition = create();
    const partitionMetadata = metadataFor(count);
    for (const key of keys) out.push(partition({ topic: 't', partitionMetadata, message: { key } }));
  }
  return out;
}

describe('partitioners place keys exactly as kafkajs 2.2.4 does', () => {
  it(`LegacyPartitioner: ${keys.length} keys × partition counts 1..50`, () => {
    const ours = placements(Partitioners.LegacyPartitioner as () => KafkaJSPartitioner);
    const theirs = placements(kafkajs.Partitioners.LegacyPartitioner);
    const firstDifference = ours.findIndex((p, i) => p !== theirs[i]);
    expect(firstDifference).toBe(-1);
  });

  it(`DefaultPartitioner: ${keys.length} keys × partition counts 1..50`, () => {
    const ours = placements(Partitioners.DefaultPartitioner as () => KafkaJSPartitioner);
    const theirs = placements(kafkajs.Partitioners.DefaultPartitioner);
    expect(ours.findIndex((p, i) => p !== theirs[i])).toBe(-1);
  });

  it('Legacy and Default disagree on many keys (the legacy hash is not Kafka’s)', () => {
    const legacy = Partitioners.LegacyPartitioner();
    const standard = Partitioners.DefaultPartitioner();
    const partitionMetadata = metadataFor(12);
    const moved = keys.filter(
      (key) =>
        legacy({ topic: 't', partitionMetadata, message: { key } }) !==
        standard({ topic: 't', partitionMetadata, message: { key } }),
    );
    expect(moved.length).toBeGreaterThan(keys.length / 2);
  });
});
