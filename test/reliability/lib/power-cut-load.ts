// The load of one boot in the power-cut rounds, every part on its own connection, each recording in the
// Expectations what the broker acknowledged: plain and idempotent producers pipelining acks=-1 produce
// requests into `events`; an admin creating, altering, deleting topics, producing into them (and into
// auto-created ones) and asking for producer ids; a committer storing group offsets. At the cut every
// connection is dropped at once (destroy), so no answer arrives from a machine that lost its power.
import {
  AlterConfigsApi,
  CreateTopicsApi,
  DeleteTopicsApi,
  ErrorCode,
  InitProducerIdApi,
  OffsetCommitApi,
  ProduceApi,
} from '../../../src/protocol/index.js';
import { batchOf } from '../../helpers/broker.js';
import { WireClient } from '../../helpers/wire-client.js';
import {
  EVENTS,
  EVENTS_PARTITIONS,
  type Expectations,
  GROUPS,
  type IdempotentProducer,
  idempotentBatch,
} from './power-cut-expect.js';
import type { Rng } from './rng.js';

export interface Workload {
  /** Stop sending; resolves once every part has finished. */
  stop(): Promise<void>;
  /** The power is gone: drop every connection now. */
  destroy(): void;
  /** Error answers from the broker (none is expected before the cut). */
  readonly errors: string[];
}

export interface WorkloadOptions {
  port: number;
  exp: Expectations;
  boot: number;
  rng: Rng;
  plainProducers: number;
  idempotentProducers: number;
  /** Bytes of padding per record value (so segments roll). */
  padding: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function startWorkload(o: WorkloadOptions): Workload {
  const clients: WireClient[] = [];
  const errors: string[] = [];
  let stopping = false;
  let destroyed = false;
  const connect = async () => {
    const c = await WireClient.connect(o.port);
    if (destroyed) c.destroy();
    clients.push(c);
    return c;
  };
  const live = (c: WireClient) => !stopping && !c.isClosed;
  const pad = 'x'.repeat(o.padding);

  const produceLoop = async (tag: string, partition: number, idempotent: boolean) => {
    const c = await connect();
    o.exp.tags.set(tag, `${EVENTS}/${partition}`);
    let producer: IdempotentProducer | undefined;
    if (idempotent) {
      const res = await c.request(InitProducerIdApi, {
        transactionalId: null,
        transactionTimeoutMs: 60_000,
        producerId: -1,
        producerEpoch: -1,
      });
      if (res.errorCode !== ErrorCode.NONE) return void errors.push(`InitProducerId: error ${res.errorCode}`);
      o.exp.maxProducerId = Math.max(o.exp.maxProducerId, res.producerId);
      producer = { tag, producerId: res.producerId, epoch: res.producerEpoch, partition, batches: new Map() };
      o.exp.idempotent.push(producer);
    }
    let seq = 0;
    let broken = false;
    const inFlight = new Set<Promise<void>>();
    const sendOne = async () => {
      const count = o.rng.int(1, 4);
      const first = seq;
      seq += count;
      let values: string[];
      let bytes: Buffer;
      if (producer) ({ bytes, values } = idempotentBatch(producer, first, count, pad));
      else {
        values = Array.from({ length: count }, (_, k) => `${tag}-${first + k}`);
        bytes = batchOf(values.map((v) => (pad ? `${v}|${pad}` : v)));
      }
      try {
        const res = await c.request(ProduceApi, {
          acks: -1,
          timeoutMs: 5000,
          topics: [{ name: EVENTS, partitions: [{ partition, records: bytes }] }],
        });
        const p = res.topics[0]!.partitions[0]!;
        if (p.errorCode !== ErrorCode.NONE) {
          errors.push(`${tag} produce: error ${p.errorCode} ${p.errorMessage ?? ''}`);
          broken = true;
        } else for (const [k, v] of values.entries()) o.exp.recordAck(EVENTS, partition, p.baseOffset + k, v);
      } catch {
        broken = true; // the connection died with the power: never acknowledged
      }
    };
    const pipeline = o.rng.int(1, 4);
    while (live(c) && !broken) {
      const p = sendOne().finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= pipeline) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  };

  const tagSeqs = new Map<string, number>();
  /** One admin step; the topic it touches is uncertain until the answer arrives. */
  const adminStep = async (c: WireClient, step: number) => {
    const exp = o.exp;
    const mine = [...exp.topics.keys()].filter((n) => n !== EVENTS && !exp.uncertain.has(n));
    // Deletions keep up with creations once a few topics exist (each one costs every later start).
    const kinds = ['create', 'alter', 'delete', 'produce', 'produce', 'auto', 'ids'] as const;
    const kind = mine.length > 4 ? o.rng.pick([...kinds, 'delete', 'delete', 'delete'] as const) : o.rng.pick(kinds);
    const fail = (what: string, code: number) => errors.push(`${what}: error ${code}`);
    if (kind === 'create' || (mine.length === 0 && kind !== 'auto' && kind !== 'ids')) {
      const name = `t${o.boot}x${step}`;
      const partitions = o.rng.int(1, 2);
      const configs = { 'retention.ms': String(86_400_000 + o.rng.int(0, 1_000_000)) };
      exp.uncertain.add(name);
      const r = await c.request(CreateTopicsApi, {
        topics: [{ name, numPartitions: partitions, replicationFactor: 1, configs }],
        timeoutMs: 5000,
        validateOnly: false,
      });
      if (r.topics[0]!.errorCode !== ErrorCode.NONE) return fail(`create ${name}`, r.topics[0]!.errorCode);
      exp.topics.set(name, { partitions, configs });
      exp.uncertain.delete(name);
    } else if (kind === 'alter') {
      const name = o.rng.pick(mine);
      const value = String(86_400_000 + o.rng.int(0, 1_000_000));
      exp.uncertain.add(name);
      const r = await c.request(AlterConfigsApi, {
        resources: [{ type: 'topic', name, configs: { 'retention.ms': value } }],
        validateOnly: false,
      });
      if (r.resources[0]!.errorCode !== ErrorCode.NONE) return fail(`alter ${name}`, r.resources[0]!.errorCode);
      exp.topics.get(name)!.configs['retention.ms'] = value;
      exp.uncertain.delete(name);
    } else if (kind === 'delete') {
      const name = o.rng.pick(mine);
      exp.uncertain.add(name);
      const r = await c.request(DeleteTopicsApi, { topics: [name], timeoutMs: 5000 });
      if (r.topics[0]!.errorCode !== ErrorCode.NONE) return fail(`delete ${name}`, r.topics[0]!.errorCode);
      exp.topics.delete(name);
      exp.gone.add(name);
      exp.uncertain.delete(name);
    } else if (kind === 'produce' || kind === 'auto') {
      const name = kind === 'auto' ? `a${o.boot}x${step}` : o.rng.pick(mine);
      const partition = kind === 'auto' ? 0 : o.rng.int(0, exp.topics.get(name)!.partitions - 1);
      const tag = `b${o.boot}_${name}_${partition}`;
      exp.tags.set(tag, `${name}/${partition}`);
      const seq = tagSeqs.get(tag) ?? 0;
      tagSeqs.set(tag, seq + 1);
      const values = [`${tag}-${seq}`];
      if (kind === 'auto') exp.uncertain.add(name);
      const r = await c.request(ProduceApi, {
        acks: -1,
        timeoutMs: 5000,
        topics: [{ name, partitions: [{ partition, records: batchOf(values) }] }],
      });
      const p = r.topics[0]!.partitions[0]!;
      if (p.errorCode !== ErrorCode.NONE) return fail(`produce to ${name}`, p.errorCode);
      if (kind === 'auto') {
        exp.topics.set(name, { partitions: 1, configs: {} });
        exp.uncertain.delete(name);
      }
      exp.recordAck(name, partition, p.baseOffset, values[0]!);
    } else {
      const r = await c.request(InitProducerIdApi, {
        transactionalId: null,
        transactionTimeoutMs: 60_000,
        producerId: -1,
        producerEpoch: -1,
      });
      if (r.errorCode !== ErrorCode.NONE) return fail('InitProducerId', r.errorCode);
      exp.maxProducerId = Math.max(exp.maxProducerId, r.producerId);
    }
  };

  const adminLoop = async (c: WireClient) => {
    let step = 0;
    while (live(c)) {
      await adminStep(c, step++);
      await sleep(o.rng.int(5, 30));
    }
  };

  const commitLoop = async () => {
    const c = await connect();
    while (live(c)) {
      const group = o.rng.pick(GROUPS);
      const offset = ++o.exp.lastCommitSent;
      for (let p = 0; p < EVENTS_PARTITIONS; p++) o.exp.commitSent(group, p, offset);
      const r = await c.request(OffsetCommitApi, {
        groupId: group,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [
          {
            name: EVENTS,
            partitions: Array.from({ length: EVENTS_PARTITIONS }, (_, partition) => ({
              partition,
              offset,
              leaderEpoch: -1,
              metadata: null,
            })),
          },
        ],
      });
      const failed = r.topics[0]!.partitions.find((p) => p.errorCode !== ErrorCode.NONE);
      if (failed) return void errors.push(`commit ${group}: error ${failed.errorCode}`);
      for (let p = 0; p < EVENTS_PARTITIONS; p++) o.exp.commitAcked(group, p, offset);
      await sleep(o.rng.int(2, 15));
    }
  };

  const run = async () => {
    const admin = await connect();
    o.exp.uncertain.add(EVENTS);
    const r = await admin.request(CreateTopicsApi, {
      topics: [{ name: EVENTS, numPartitions: EVENTS_PARTITIONS, replicationFactor: 1, configs: {} }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    const code = r.topics[0]!.errorCode;
    if (code !== ErrorCode.NONE && code !== ErrorCode.TOPIC_ALREADY_EXISTS)
      errors.push(`create ${EVENTS}: error ${code}`);
    o.exp.topics.set(EVENTS, { partitions: EVENTS_PARTITIONS, configs: {} });
    o.exp.uncertain.delete(EVENTS);
    const parts: Promise<void>[] = [adminLoop(admin), commitLoop()];
    for (let i = 0; i < o.plainProducers; i++) parts.push(produceLoop(`b${o.boot}p${i}`, i % EVENTS_PARTITIONS, false));
    for (let i = 0; i < o.idempotentProducers; i++)
      parts.push(produceLoop(`b${o.boot}i${i}`, (i + 1) % EVENTS_PARTITIONS, true));
    await Promise.all(parts.map((p) => p.catch(() => undefined)));
  };
  const done = run().catch(() => undefined);

  return {
    errors,
    stop() {
      stopping = true;
      return done;
    },
    destroy() {
      destroyed = true;
      stopping = true;
      for (const c of clients) c.destroy();
    },
  };
}
