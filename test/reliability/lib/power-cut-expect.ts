// What the broker owes after a power cut, and the checks of a restarted broker against it.
//
// Obligations accumulate across boots:
//  - records: every record acknowledged under flush=always (or before a graceful stop), every record
//    durable on the disk at the cut (whatever the policy: flush=os/interval may lose only what was not yet
//    synced), and everything the previous restarted broker served (recovery fsyncs what it keeps, so it is
//    durable from then on). After a process crash (a cut that keeps the page cache) everything
//    acknowledged is owed too, by the next start — unless a power cut comes first;
//  - topics: acknowledged creations, config changes and deletions, and the durable topics.json;
//  - committed group offsets: the last acknowledged commit (flush=always) or the last durable one;
//  - producer ids: an id once handed out is never handed out again;
//  - the cluster id never changes.
// The topic operation in flight at the cut may have happened or not: that topic is left uncertain
// until the next check reads what became of it.
import {
  DescribeConfigsApi,
  ErrorCode,
  InitProducerIdApi,
  MetadataApi,
  OffsetFetchApi,
} from '../../../src/protocol/index.js';
import { buildRecordBatchSync } from '../../../src/records/index.js';
import { readAll, produce } from '../../helpers/broker.js';
import type { WireClient } from '../../helpers/wire-client.js';
import { bareValue, commitKey, type DurableState, tpKey } from './power-cut-durable.js';
import { parseValue } from './load.js';

export const EVENTS = 'events';
export const EVENTS_PARTITIONS = 2;
export const GROUPS = ['g0', 'g1'];

export interface TopicState {
  partitions: number;
  /** Overrides. */
  configs: Record<string, string>;
}

/** An idempotent producer: its batches by base sequence, kept to resend them after a restart. */
export interface IdempotentProducer {
  tag: string;
  producerId: number;
  epoch: number;
  partition: number;
  /** base sequence → the batch bytes and its record count. */
  batches: Map<number, { bytes: Buffer; count: number }>;
}

export class Expectations {
  clusterId: string | undefined;
  /** `<topic>/<p>` → offset → value that must be stored there. */
  readonly mustHave = new Map<string, Map<number, string>>();
  /** Acknowledged since the last cut. */
  acked = new Map<string, Map<number, string>>();
  /** Acknowledged before a process crash: owed by the next start, unless a power cut comes first. */
  crashOwed = new Map<string, Map<number, string>>();
  /** Records acknowledged in all, for reports. */
  ackedTotal = 0;
  /** Producer tag → the partition its records go to. */
  readonly tags = new Map<string, string>();
  readonly topics = new Map<string, TopicState>();
  readonly gone = new Set<string>();
  /** Topics with an operation in flight (sent, not answered): either outcome is fine. */
  readonly uncertain = new Set<string>();
  /** `<group>/<topic>/<p>` → the lowest committed offset allowed, and every value ever sent. */
  readonly commits = new Map<string, { floor: number; sent: Set<number>; acked: number; crashOwed: number }>();
  maxProducerId = -1;
  /** Idempotent producers probed after each restart: the newest few. */
  static readonly PROBED_PRODUCERS = 6;
  /** The last offset value a commit sent (values only grow, so a later commit never looks older). */
  lastCommitSent = 0;
  readonly idempotent: IdempotentProducer[] = [];

  recordAck(topic: string, partition: number, offset: number, value: string): void {
    const key = tpKey(topic, partition);
    if (!this.acked.has(key)) this.acked.set(key, new Map());
    this.acked.get(key)!.set(offset, value);
    this.ackedTotal++;
  }

  commitSent(group: string, partition: number, offset: number): void {
    const key = commitKey(group, EVENTS, partition);
    if (!this.commits.has(key)) this.commits.set(key, { floor: -1, sent: new Set(), acked: -1, crashOwed: -1 });
    this.commits.get(key)!.sent.add(offset);
  }

  commitAcked(group: string, partition: number, offset: number): void {
    const c = this.commits.get(commitKey(group, EVENTS, partition))!;
    c.acked = Math.max(c.acked, offset);
  }

  /**
   * The cut came: whatever was durable becomes an obligation; what was acknowledged too when it had all
   * been synced (`synced`: flush=always, or a graceful stop), or until the next power cut when only the
   * process died (`powerLost` false). Returns problems visible in the durable files themselves.
   */
  afterCut(cut: { synced: boolean; powerLost: boolean }, durable: DurableState): string[] {
    const problems = [...durable.problems];
    const must = (key: string, offset: number, value: string, why: string) => {
      if (!this.mustHave.has(key)) this.mustHave.set(key, new Map());
      const have = this.mustHave.get(key)!;
      const before = have.get(offset);
      if (before !== undefined && before !== value)
        problems.push(`${key} offset ${offset}: ${why} ${value}, but ${before} was stored there before`);
      have.set(offset, value);
    };
    if (cut.powerLost) {
      this.crashOwed = new Map();
      for (const c of this.commits.values()) c.crashOwed = -1;
    }
    if (cut.synced) {
      for (const [key, records] of this.acked)
        for (const [offset, value] of records) must(key, offset, value, 'acknowledged');
      for (const c of this.commits.values()) c.floor = Math.max(c.floor, c.acked);
    } else if (!cut.powerLost) {
      for (const [key, records] of this.acked) {
        if (!this.crashOwed.has(key)) this.crashOwed.set(key, new Map());
        for (const [offset, value] of records) this.crashOwed.get(key)!.set(offset, value);
      }
      for (const c of this.commits.values()) c.crashOwed = Math.max(c.crashOwed, c.acked);
    }
    for (const [key, records] of durable.records) {
      const topic = key.slice(0, key.lastIndexOf('/'));
      if (this.gone.has(topic)) continue;
      for (const r of records) must(key, r.offset, r.value, 'durable');
    }
    for (const [key, offset] of durable.commits) {
      const c = this.commits.get(key);
      if (c) c.floor = Math.max(c.floor, offset);
    }
    if (this.maxProducerId >= durable.producerIdMark)
      problems.push(
        `producer id ${this.maxProducerId} was handed out, but the durable reservation (producer-ids.json) ends below ${durable.producerIdMark}`,
      );
    this.acked = new Map();
    for (const c of this.commits.values()) c.acked = -1;
    return problems;
  }
}

async function describeOverrides(c: WireClient, topics: string[]): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  if (topics.length === 0) return out;
  const res = await c.request(DescribeConfigsApi, {
    resources: topics.map((name) => ({ type: 'topic' as const, name, configNames: null })),
  });
  for (const r of res.resources) {
    const overrides: Record<string, string> = {};
    for (const e of r.configs) if (e.source === 'topic' && e.value !== null) overrides[e.name] = e.value;
    out.set(r.name, overrides);
  }
  return out;
}

/** Topics: acknowledged and durable state kept; then the baseline becomes what the broker has. */
async function checkTopics(c: WireClient, exp: Expectations, durable: DurableState | undefined): Promise<string[]> {
  const problems: string[] = [];
  const meta = await c.request(MetadataApi, { topics: null, allowAutoTopicCreation: false });
  if (exp.clusterId !== undefined && meta.clusterId !== exp.clusterId)
    problems.push(`cluster id changed from ${exp.clusterId} to ${meta.clusterId}`);
  exp.clusterId = meta.clusterId;
  const observed = new Map(meta.topics.filter((t) => t.errorCode === 0).map((t) => [t.name, t.partitions.length]));
  const configs = await describeOverrides(c, [...observed.keys()]);
  for (const [name, t] of exp.topics) {
    if (exp.uncertain.has(name)) continue;
    const partitions = observed.get(name);
    if (partitions === undefined) {
      problems.push(`topic ${name} (acknowledged) is missing`);
      continue;
    }
    if (partitions !== t.partitions)
      problems.push(`topic ${name} has ${partitions} partitions, acknowledged ${t.partitions}`);
    for (const [key, value] of Object.entries(t.configs)) {
      const actual = configs.get(name)?.[key];
      if (actual !== value) problems.push(`topic ${name} config ${key} is ${actual}, acknowledged ${value}`);
    }
  }
  for (const name of exp.gone)
    if (!exp.uncertain.has(name) && observed.has(name)) problems.push(`deleted topic ${name} is back`);
  if (durable?.topicsFile) {
    // A newer topics.json may have survived too (a process crash keeps it; a torn cut may keep its rename):
    // only a deletion, acknowledged or in flight, may take a durably recorded topic away.
    const deleting = new Set(durable.topicsFile.deleting ?? []);
    for (const [name, t] of Object.entries(durable.topicsFile.topics)) {
      if (exp.gone.has(name) || exp.uncertain.has(name)) continue;
      if (!observed.has(name)) problems.push(`topic ${name} was in the durable topics.json but is missing`);
      else if (observed.get(name)! < t.partitions)
        problems.push(`topic ${name} has ${observed.get(name)} partitions, the durable topics.json ${t.partitions}`);
    }
    for (const name of deleting) if (observed.has(name)) problems.push(`topic ${name} was being deleted but is back`);
  }
  for (const name of exp.topics.keys()) if (!observed.has(name)) exp.gone.add(name);
  exp.topics.clear();
  for (const [name, partitions] of observed) exp.topics.set(name, { partitions, configs: configs.get(name) ?? {} });
  exp.uncertain.clear();
  return problems;
}

/** Records of every partition: obligations kept, dense, each producer a gap-free prefix, nothing unknown. */
async function checkRecords(
  c: WireClient,
  exp: Expectations,
): Promise<{ problems: string[]; stored: Map<string, Array<{ offset: number; value: string }>> }> {
  const problems: string[] = [];
  const stored = new Map<string, Array<{ offset: number; value: string }>>();
  for (const [topic, t] of exp.topics) {
    for (let p = 0; p < t.partitions; p++) {
      const key = tpKey(topic, p);
      const records = (await readAll(c, topic, p)).map((r) => ({ offset: r.offset, value: bareValue(r.value) }));
      stored.set(key, records);
      const say = (s: string) => problems.length < 20 && problems.push(`${key}: ${s}`);
      const gap = records.findIndex((r, i) => r.offset !== i);
      if (gap >= 0) say(`offsets not dense: position ${gap} holds offset ${records[gap]!.offset}`);
      const byOffset = new Map(records.map((r) => [r.offset, r.value]));
      const seqs = new Map<string, number[]>();
      const seen = new Set<string>();
      for (const r of records) {
        if (seen.has(r.value)) say(`${r.value} stored twice`);
        seen.add(r.value);
        const { tag, seq } = parseValue(r.value);
        if (exp.tags.get(tag) !== key)
          say(`offset ${r.offset} holds ${JSON.stringify(r.value.slice(0, 40))}, which no producer sent here`);
        seqs.set(tag, [...(seqs.get(tag) ?? []), seq]);
      }
      for (const [tag, s] of seqs)
        if (s.some((v, i) => v !== i))
          say(`${tag}: stored sequence is not 0..${s.length - 1} in order: ${s.slice(0, 12).join(',')}`);
      for (const [offset, value] of exp.mustHave.get(key) ?? [])
        if (byOffset.get(offset) !== value)
          say(`lost ${value} at offset ${offset} (found ${byOffset.get(offset) ?? 'nothing'})`);
      for (const [offset, value] of exp.crashOwed.get(key) ?? [])
        if (byOffset.get(offset) !== value)
          say(`lost ${value} at offset ${offset} across a process crash (found ${byOffset.get(offset) ?? 'nothing'})`);
    }
  }
  for (const key of exp.mustHave.keys()) if (!stored.has(key)) exp.mustHave.delete(key); // its topic is gone
  for (const [key, records] of stored) exp.mustHave.set(key, new Map(records.map((r) => [r.offset, r.value])));
  exp.crashOwed = new Map();
  return { problems, stored };
}

/** Committed offsets: never below what was acknowledged (always) or durable, never a value nobody sent. */
async function checkCommits(c: WireClient, exp: Expectations): Promise<string[]> {
  const problems: string[] = [];
  for (const group of GROUPS) {
    const res = await c.request(OffsetFetchApi, {
      groupId: group,
      topics: [{ name: EVENTS, partitions: [0, 1] }],
      requireStable: false,
    });
    for (const t of res.topics)
      for (const p of t.partitions) {
        const c = exp.commits.get(commitKey(group, t.name, p.partition));
        if (!c) continue;
        const floor = Math.max(c.floor, c.crashOwed);
        if (p.offset < floor)
          problems.push(`group ${group} ${t.name}/${p.partition}: committed ${p.offset}, must be ≥ ${floor}`);
        if (p.offset !== -1 && !c.sent.has(p.offset))
          problems.push(`group ${group} ${t.name}/${p.partition}: committed ${p.offset}, which was never sent`);
        c.floor = p.offset;
        c.crashOwed = -1;
        c.sent = new Set([p.offset]);
      }
  }
  return problems;
}

/**
 * Idempotent producers from earlier boots: resending the last batch the broker kept must be answered
 * with its original offset (the producer state survived), and the next sequence must be appended.
 */
async function probeProducers(
  c: WireClient,
  exp: Expectations,
  stored: Map<string, Array<{ offset: number; value: string }>>,
): Promise<string[]> {
  const problems: string[] = [];
  const ends = new Map([...stored].map(([key, records]) => [key, records.length]));
  exp.idempotent.splice(0, Math.max(0, exp.idempotent.length - Expectations.PROBED_PRODUCERS));
  for (const producer of exp.idempotent) {
    const key = tpKey(EVENTS, producer.partition);
    const mine = (stored.get(key) ?? []).filter((r) => parseValue(r.value).tag === producer.tag);
    const end = ends.get(key) ?? 0;
    const next = mine.length;
    let lastBase = -1;
    for (const [base, b] of producer.batches) if (base + b.count === next) lastBase = base;
    if (next > 0 && lastBase < 0) {
      problems.push(`${producer.tag}: ${next} records stored, which is not a batch boundary`);
      continue;
    }
    if (lastBase >= 0) {
      const again = await produce(c, EVENTS, producer.partition, producer.batches.get(lastBase)!.bytes);
      const expected = mine[lastBase]!.offset;
      if (again.errorCode !== ErrorCode.NONE || again.baseOffset !== expected)
        problems.push(
          `${producer.tag}: resending its last stored batch (seq ${lastBase}) got error ${again.errorCode} offset ${again.baseOffset}, expected the original offset ${expected}`,
        );
    }
    const batch = idempotentBatch(producer, next, 1);
    const res = await produce(c, EVENTS, producer.partition, batch.bytes);
    if (res.errorCode !== ErrorCode.NONE || res.baseOffset !== end) {
      problems.push(
        `${producer.tag}: its next batch (seq ${next}) got error ${res.errorCode} offset ${res.baseOffset}, expected to be appended at ${end}`,
      );
      continue;
    }
    exp.recordAck(EVENTS, producer.partition, end, batch.values[0]!);
    ends.set(key, end + 1);
  }
  return problems;
}

/** Builds (and remembers) the producer's batch of `count` records from sequence `seq`. */
export function idempotentBatch(producer: IdempotentProducer, seq: number, count: number, pad = '') {
  const values = Array.from({ length: count }, (_, k) => `${producer.tag}-${seq + k}`);
  const bytes = buildIdempotent(
    values.map((v) => (pad ? `${v}|${pad}` : v)),
    producer,
    seq,
  );
  producer.batches.set(seq, { bytes, count });
  return { bytes, values };
}

function buildIdempotent(values: string[], producer: IdempotentProducer, seq: number): Buffer {
  return buildRecordBatchSync(
    values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: Date.now() })),
    { producerId: producer.producerId, producerEpoch: producer.epoch, baseSequence: seq },
  );
}

/** A new producer id must be above every id handed out before (none is ever reissued). */
async function probeProducerIds(c: WireClient, exp: Expectations): Promise<string[]> {
  const res = await c.request(InitProducerIdApi, {
    transactionalId: null,
    transactionTimeoutMs: 60_000,
    producerId: -1,
    producerEpoch: -1,
  });
  if (res.errorCode !== ErrorCode.NONE) return [`InitProducerId failed with error ${res.errorCode}`];
  const problems =
    res.producerId <= exp.maxProducerId
      ? [
          `producer id ${res.producerId} handed out again (ids up to ${exp.maxProducerId} were handed out before the cut)`,
        ]
      : [];
  exp.maxProducerId = Math.max(exp.maxProducerId, res.producerId);
  return problems;
}

/** Everything a restarted broker owes; updates the baseline to what it has. */
export async function checkRestarted(
  c: WireClient,
  exp: Expectations,
  durable: DurableState | undefined,
): Promise<string[]> {
  const problems = await checkTopics(c, exp, durable);
  const records = await checkRecords(c, exp);
  problems.push(...records.problems);
  problems.push(...(await checkCommits(c, exp)));
  problems.push(...(await probeProducers(c, exp, records.stored)));
  problems.push(...(await probeProducerIds(c, exp)));
  return problems;
}
