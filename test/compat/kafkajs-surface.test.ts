// The shape kafkajs programs touch first: every name kafkajs 2.2.4's package exports exists in 'sluice' with
// the same enum values, and producers, consumers and admin clients have every method kafkajs's have.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as sluice from '../../src/index.js';

const kafkajs = createRequire(import.meta.url)('kafkajs') as Record<string, any>;

/** A TypeScript numeric enum's names and values, without its reverse (value → name) entries. */
const forward = (e: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(e).filter(([key]) => !/^\d+$/.test(key)));

describe('what kafkajs exports', () => {
  it('every export exists in sluice', () => {
    const ours = sluice as Record<string, unknown>;
    expect(Object.keys(kafkajs).filter((name) => ours[name] === undefined)).toEqual([]);
  });

  it.each([
    'logLevel',
    'CompressionTypes',
    'ConfigResourceTypes',
    'ConfigSource',
    'AclResourceTypes',
    'AclOperationTypes',
    'AclPermissionTypes',
    'ResourcePatternTypes',
  ])('%s has kafkajs’s names and numbers', (name) => {
    expect(forward((sluice as Record<string, any>)[name])).toEqual(kafkajs[name]);
  });

  it('the partitioners and assigners kafkajs names, and the codec table’s types', () => {
    expect(Object.keys(sluice.Partitioners).sort()).toEqual(Object.keys(kafkajs.Partitioners).sort());
    for (const name of Object.keys(kafkajs.PartitionAssigners))
      expect(typeof (sluice.PartitionAssigners as Record<string, unknown>)[name]).toBe('function');
    expect(Object.keys(sluice.CompressionCodecs).sort()).toEqual(Object.keys(kafkajs.CompressionCodecs).sort());
  });
});

describe('what kafkajs clients offer', () => {
  const theirs = new kafkajs.Kafka({ brokers: ['127.0.0.1:1'], logLevel: kafkajs.logLevel.NOTHING });
  const ours = new sluice.Kafka({ brokers: ['127.0.0.1:1'], logLevel: sluice.logLevel.NOTHING });
  const missing = (a: Record<string, unknown>, b: Record<string, unknown>) =>
    Object.keys(a).filter((key) => typeof a[key] === 'function' && typeof b[key] !== 'function');

  it.each([
    ['producer', () => [theirs.producer(), ours.producer()]],
    ['consumer', () => [theirs.consumer({ groupId: 'g' }), ours.consumer({ groupId: 'g' })]],
    ['admin', () => [theirs.admin(), ours.admin()]],
  ])('%s: every method', (_, make) => {
    const [a, b] = make() as [Record<string, unknown>, Record<string, unknown>];
    expect(missing(a, b)).toEqual([]);
    expect(typeof theirs.logger).toBe('function');
    expect(typeof ours.logger).toBe('function');
  });
});
