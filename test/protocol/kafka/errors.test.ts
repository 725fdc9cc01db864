// One error table for both protocols: Sluice's codes are Kafka's. Checked against kafkajs 2.2.4's table
// (an independent copy of Kafka's codes): every code kafkajs knows is in Sluice's table under the same
// number, with the same name or the name Kafka itself uses for it.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ErrorCode, errorInfo } from '../../../src/protocol/errors.js';

const require = createRequire(import.meta.url);
const kafkajsCodes: Array<{ type: string; code: number }> = require('kafkajs/src/protocol/error.js').errorCodes;

/** kafkajs's name → Kafka's (Errors.java) name, where they differ. */
const KAFKA_NAMES: Record<string, string> = {
  UNKNOWN: 'UNKNOWN_SERVER_ERROR',
  GROUP_LOAD_IN_PROGRESS: 'COORDINATOR_LOAD_IN_PROGRESS',
  GROUP_COORDINATOR_NOT_AVAILABLE: 'COORDINATOR_NOT_AVAILABLE',
  NOT_COORDINATOR_FOR_GROUP: 'NOT_COORDINATOR',
};

describe('error codes', () => {
  it('has every code kafkajs knows, under the same number and name', () => {
    const mismatches = kafkajsCodes
      .filter(({ type, code }) => errorInfo(code).name !== (KAFKA_NAMES[type] ?? type))
      .map(({ type, code }) => `${code}: kafkajs ${type}, Sluice ${errorInfo(code).name}`);
    expect(mismatches).toEqual([]);
  });

  it('names and codes are unique, and the Kafka numbers the listener needs are right', () => {
    const all = Object.values(ErrorCode).map((code) => errorInfo(code));
    expect(new Set(all.map((e) => e.name)).size).toBe(all.length);
    expect(new Set(all.map((e) => e.code)).size).toBe(all.length);
    expect(ErrorCode.UNSUPPORTED_VERSION).toBe(35);
    expect(ErrorCode.UNSUPPORTED_SASL_MECHANISM).toBe(33);
    expect(ErrorCode.NOT_CONTROLLER).toBe(41);
    expect(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED).toBe(53);
    expect(ErrorCode.INVALID_REQUIRED_ACKS).toBe(21);
    expect(ErrorCode.UNKNOWN_TOPIC_ID).toBe(100);
  });
});
