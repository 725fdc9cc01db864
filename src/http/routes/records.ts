// Produce records (one per request, as REST Proxy v3's /records, or a batch through /records:batch) and read
// them back by partition and offset or timestamp, bounded in count and bytes.
import { requesterOf } from '../auth.js';
import type { ProduceOutcome, RecordToProduce } from '../core.js';
import { errorBody, HttpError, statusOf } from '../errors.js';
import { CLUSTER, offsetSchema, partitionParams, topicParams, type RouteContext } from './context.js';
import {
  decodeHeaders,
  decodeValue,
  encodeHeaders,
  encodeValue,
  headersSchema,
  parseTimestamp,
  typedValueSchema,
  type TypedValue,
  type ValueType,
} from './values.js';

/** A record to produce, as REST Proxy v3 bodies and the WebSocket gateway's produce spell it. */
export interface RecordInput {
  partition_id?: number;
  key?: TypedValue | null;
  value?: TypedValue | null;
  headers?: Array<{ name: string; value?: string | null }>;
  timestamp?: number | string;
}

/** A record to produce: the body of …/records, an entry of records:batch but its id, a record of a WebSocket produce. */
export const recordSchema = {
  type: 'object',
  properties: {
    partition_id: { type: 'integer', minimum: 0 },
    key: typedValueSchema,
    value: typedValueSchema,
    headers: headersSchema,
    timestamp: { type: ['integer', 'string'] },
  },
  additionalProperties: false,
} as const;

/** An entry of records:batch (a record and the id of its answer), also a record of a WebSocket produce. */
export const batchEntrySchema = {
  ...recordSchema,
  properties: { ...recordSchema.properties, id: { type: 'string', minLength: 1, maxLength: 80 } },
} as const;

/** The answer of records:batch, declared so fastify serializes it with a compiled serializer. */
const batchAnswerSchema = {
  type: 'object',
  properties: {
    successes: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          cluster_id: { type: 'string' },
          topic_name: { type: 'string' },
          partition_id: { type: 'integer' },
          offset: { type: 'integer' },
          timestamp: { type: 'string' },
        },
      },
    },
    failures: {
      type: 'array',
      items: {
        type: 'object',
        properties: { id: { type: 'string' }, error_code: { type: 'integer' }, message: { type: 'string' } },
      },
    },
  },
} as const;

/** ISO 8601 of epoch ms, remembering the last one: the records of a request mostly share one timestamp. */
function isoTimestamps(): (ms: number) => string {
  let lastMs = Number.NaN;
  let lastIso = '';
  return (ms) => {
    if (ms !== lastMs) {
      lastMs = ms;
      lastIso = new Date(ms).toISOString();
    }
    return lastIso;
  };
}

/**
 * The id each entry of a batch is answered with: its own, else its index. Each id names one record's answer,
 * so two entries with one id (given, or given and defaulted) are refused (400, naming both) as REST Proxy
 * refuses them.
 */
function batchIds(entries: ReadonlyArray<{ id?: string }>): string[] {
  const ids = entries.map((entry, i) => entry.id ?? String(i));
  const firstWith = new Map<string, number>();
  for (const [i, id] of ids.entries()) {
    const earlier = firstWith.get(id);
    if (earlier !== undefined) {
      const defaulted = (at: number) => (entries[at]!.id === undefined ? ' (its index: it has no id)' : '');
      throw new HttpError(
        400,
        `invalid request: body/entries/${i}/id "${id}"${defaulted(i)} is also the id of body/entries/${earlier}${defaulted(earlier)}: the ids of a batch must be distinct, each names its record's answer`,
      );
    }
    firstWith.set(id, i);
  }
  return ids;
}

/** A record validated by recordSchema, for the core; a value not in its type's shape (bad base64, …) throws 400. */
export function toProduce(input: RecordInput, where: string): RecordToProduce {
  return {
    partition: input.partition_id,
    key: encodeValue(input.key, `${where}.key`),
    value: encodeValue(input.value, `${where}.value`),
    headers: encodeHeaders(input.headers),
    timestamp: parseTimestamp(input.timestamp, `${where}.timestamp`),
  };
}

export function recordRoutes({ app, core, config }: RouteContext): void {
  const produced = (topic: string, input: RecordInput, outcome: ProduceOutcome) => {
    if (!outcome.ok) {
      const status = statusOf(outcome.errorName);
      return errorBody(status, `${outcome.errorName}: ${outcome.message}`);
    }
    const size = (v: TypedValue | null | undefined) =>
      v === null || v === undefined ? null : { type: v.type ?? 'JSON', size: encodeValue(v, 'x')?.length ?? 0 };
    return {
      error_code: 200,
      cluster_id: core.clusterId,
      topic_name: topic,
      partition_id: outcome.partition,
      offset: outcome.offset,
      timestamp: new Date(outcome.timestamp).toISOString(),
      key: size(input.key),
      value: size(input.value),
    };
  };

  app.post<{ Params: { cluster_id: string; topic_name: string }; Body: RecordInput }>(
    `${CLUSTER}/topics/:topic_name/records`,
    {
      schema: {
        tags: ['records'],
        summary: 'Produce one record (partition from partition_id, else the key, else round-robin)',
        params: topicParams,
        body: recordSchema,
      },
    },
    async (request, reply) => {
      const topic = request.params.topic_name;
      const [outcome] = await core.produce(topic, [toProduce(request.body, 'record')], requesterOf(request));
      const body = produced(topic, request.body, outcome!);
      return reply.code(body.error_code).send(body);
    },
  );

  app.post<{
    Params: { cluster_id: string; topic_name: string };
    Body: { entries: Array<RecordInput & { id?: string }> };
  }>(
    `${CLUSTER}/topics/:topic_name/records::batch`,
    {
      schema: {
        tags: ['records'],
        summary: `Produce a batch of records in one request (at most ${config.maxRecordsPerRequest})`,
        params: topicParams,
        response: { 200: batchAnswerSchema, 207: batchAnswerSchema },
        body: {
          type: 'object',
          required: ['entries'],
          properties: {
            entries: { type: 'array', minItems: 1, items: batchEntrySchema },
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const topic = request.params.topic_name;
      const { entries } = request.body;
      if (entries.length > config.maxRecordsPerRequest) {
        throw new HttpError(
          413,
          `${entries.length} records in one request: at most ${config.maxRecordsPerRequest} are accepted`,
        );
      }
      const ids = batchIds(entries);
      const outcomes = await core.produce(
        topic,
        entries.map((e, i) => toProduce(e, `entries[${i}]`)),
        requesterOf(request),
      );
      const successes = [];
      const failures = [];
      const iso = isoTimestamps();
      const clusterId = core.clusterId;
      for (let i = 0; i < entries.length; i++) {
        const id = ids[i]!;
        const outcome = outcomes[i]!;
        if (outcome.ok) {
          successes.push({
            id,
            cluster_id: clusterId,
            topic_name: topic,
            partition_id: outcome.partition,
            offset: outcome.offset,
            timestamp: iso(outcome.timestamp),
          });
        } else {
          failures.push({ id, ...errorBody(statusOf(outcome.errorName), `${outcome.errorName}: ${outcome.message}`) });
        }
      }
      return reply.code(failures.length === 0 ? 200 : 207).send({ successes, failures });
    },
  );

  app.get<{
    Params: { cluster_id: string; topic_name: string; partition_id: number };
    Querystring: {
      offset?: number;
      timestamp?: string;
      max_count?: number;
      max_bytes?: number;
      format?: 'auto' | ValueType;
    };
  }>(
    `${CLUSTER}/topics/:topic_name/partitions/:partition_id/records`,
    {
      schema: {
        tags: ['records'],
        summary:
          'Read records from an offset (default: the log start) or the first at/after a timestamp, bounded in count and bytes',
        params: partitionParams,
        querystring: {
          type: 'object',
          properties: {
            offset: offsetSchema,
            timestamp: { type: 'string', maxLength: 64 },
            max_count: { type: 'integer', minimum: 1, maximum: config.maxReadRecords, default: 100 },
            max_bytes: { type: 'integer', minimum: 1, maximum: config.maxReadBytes, default: 1024 * 1024 },
            format: { type: 'string', enum: ['auto', 'JSON', 'STRING', 'BINARY'], default: 'auto' },
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { topic_name, partition_id } = request.params;
      const q = request.query;
      if (q.offset !== undefined && q.timestamp !== undefined)
        throw new HttpError(400, 'give either offset or timestamp, not both');
      const timestamp = parseTimestamp(
        q.timestamp !== undefined && /^\d+$/.test(q.timestamp) ? Number(q.timestamp) : q.timestamp,
        'timestamp',
      );
      const from =
        timestamp !== undefined
          ? await core.offsetForTimestamp(topic_name, partition_id, timestamp)
          : (q.offset ?? core.partition(topic_name, partition_id).logStartOffset);
      const window = await core.read(topic_name, partition_id, from, {
        maxRecords: q.max_count ?? 100,
        maxBytes: q.max_bytes ?? 1024 * 1024,
      });
      const format = q.format ?? 'auto';
      return {
        kind: 'KafkaRecordList',
        topic_name,
        partition_id,
        from_offset: from,
        next_offset: window.nextOffset,
        log_start_offset: window.logStartOffset,
        high_watermark: window.highWatermark,
        data: window.records.map((r) => ({
          partition_id: r.partition,
          offset: r.offset,
          timestamp: new Date(r.timestamp).toISOString(),
          key: decodeValue(r.key, format),
          value: decodeValue(r.value, format),
          headers: decodeHeaders(r.headers),
        })),
      };
    },
  );
}
