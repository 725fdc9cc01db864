// The JSON schemas of the WebSocket messages that carry data (session.ts describes the protocol), checked
// with the compiler and options of REST bodies (messageValidator: nothing coerced, the same words). A
// message is refused whole, with 400 and the field named (`invalid request: message/maxInFlight must be
// <= 1000`), before anything joins, reads or stores. Rules across fields (group or shareGroup, not both)
// are the session's, as a route checks its own.
import { messageValidator } from '../lazy-schemas.js';
import { offsetSchema } from '../routes/context.js';
import { recordSchema } from '../routes/records.js';

/** Share-group members in flight at most, per socket. */
export const MAX_SHARE_IN_FLIGHT = 1000;

/** Every message may carry `id`, echoed in its answer when it is a string or a number. */
const envelope = { op: { type: 'string' }, id: {} } as const;

const name = { type: 'string', minLength: 1, maxLength: 249 } as const;

/**
 * subscribe: a plain, group or share-group subscription. The share-group settings are typed here only: their
 * ranges are the share coordinator's, as for the SDK (queues-core.ts).
 */
const subscribeSchema = {
  type: 'object',
  required: ['topics'],
  properties: {
    ...envelope,
    topics: { type: 'array', minItems: 1, items: name },
    group: { type: 'string', minLength: 1 },
    shareGroup: { type: 'string', minLength: 1 },
    // "earliest", "latest" or an offset: `pattern` applies to a string only, the bounds to a number only.
    from: {
      type: ['string', 'integer'],
      pattern: '^(earliest|latest)$',
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      default: 'latest',
    },
    autoCommit: { type: 'boolean' },
    format: { type: 'string', enum: ['json', 'binary'], default: 'json' },
    maxInFlight: { type: 'integer', minimum: 1, maximum: MAX_SHARE_IN_FLIGHT, default: 10 },
    lockTimeoutMs: { type: 'integer' },
    retry: {
      type: 'object',
      properties: {
        maxAttempts: { type: 'integer' },
        backoff: {
          type: 'object',
          properties: {
            type: { type: 'string', enum: ['fixed', 'exponential'] },
            initialMs: { type: 'integer' },
            multiplier: { type: 'number' },
            maxMs: { type: 'integer' },
            jitter: { type: 'number' },
          },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
    deadLetterTopic: name,
  },
  additionalProperties: false,
} as const;

/** The position of one record: settle ops and commit name a record (commit: the next offset to read). */
const recordPosition = {
  topic: name,
  partition: { type: 'integer', minimum: 0 },
  offset: offsetSchema,
} as const;

/** ack, release, reject, fail, renew: a share member settles a record it holds. */
const settleSchema = {
  type: 'object',
  required: ['topic', 'partition', 'offset'],
  properties: { ...envelope, ...recordPosition, error: { type: ['string', 'null'] } },
  additionalProperties: false,
} as const;

const commitSchema = {
  type: 'object',
  required: ['topic', 'partition', 'offset'],
  properties: { ...envelope, ...recordPosition },
  additionalProperties: false,
} as const;

/**
 * produce: records as records:batch entries are, without their `id`: the answer lists each record's result
 * in the order given, so an id would name nothing (and is refused rather than ignored).
 */
const produceSchema = {
  type: 'object',
  required: ['topic', 'records'],
  properties: { ...envelope, topic: name, records: { type: 'array', minItems: 1, items: recordSchema } },
  additionalProperties: false,
} as const;

export interface SubscribeMessage {
  topics: string[];
  group?: string;
  shareGroup?: string;
  /** Defaulted by the schema. */
  from: 'earliest' | 'latest' | number;
  autoCommit?: boolean;
  /** Defaulted by the schema. */
  format: 'json' | 'binary';
  /** Defaulted by the schema. */
  maxInFlight: number;
  lockTimeoutMs?: number;
  retry?: {
    maxAttempts?: number;
    backoff?: {
      type?: 'fixed' | 'exponential';
      initialMs?: number;
      multiplier?: number;
      maxMs?: number;
      jitter?: number;
    };
  };
  deadLetterTopic?: string;
}

export interface RecordPositionMessage {
  topic: string;
  partition: number;
  offset: number;
  error?: string | null;
}

/** Each returns null for a valid message (defaults filled in), else what is wrong with it. */
export const validateSubscribe = messageValidator(subscribeSchema, 'message');
export const validateSettle = messageValidator(settleSchema, 'message');
export const validateCommit = messageValidator(commitSchema, 'message');
export const validateProduce = messageValidator(produceSchema, 'message');
