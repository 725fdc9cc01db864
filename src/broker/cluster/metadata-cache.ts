// Every broker's copy of the cluster metadata in etcd (Kafka's MetadataCache): live brokers, the
// controller, topic specs and partition states, read once under the cluster's prefix and then kept
// current by one watch from the revision after that read (prefix-mirror.ts, which also replaces a watch
// that ends); meanwhile the last known state is served.
//
// Concurrency: events are applied synchronously in revision order, then listeners run.
import type { Logger } from 'pino';
import type { EtcdClient, KeyValue, WatchEvent } from './etcd-client.js';
import type { ClusterKeys } from './keys.js';
import { PrefixMirror } from './prefix-mirror.js';
import {
  type BrokerRecord,
  type ControllerRecord,
  type ElectLeadersRequest,
  type ReassignmentRequest,
  type PartitionState,
  type TopicSpec,
  parseBrokerRecord,
  parseControllerRecord,
  parseElectLeadersRequest,
  parseReassignmentRequest,
  parsePartitionState,
  parseTopicSpec,
} from './records.js';

export interface Versioned<T> {
  value: T;
  /** The etcd key's modRevision: the expected revision of a compare-and-swap replacing it. */
  modRevision: number;
  /** The etcd key's createRevision: which incarnation of the key this is (a deleted and re-created key has a new one). */
  createRevision: number;
}

export type CacheListener = () => void;

const partitionKey = (topic: string, partition: number) => `${topic}\0${partition}`;

export class ClusterMetadataCache {
  readonly #keys: ClusterKeys;
  readonly #logger: Logger;
  readonly #brokers = new Map<number, BrokerRecord>();
  readonly #shuttingDown = new Set<number>();
  readonly #electionRequests = new Map<string, Versioned<ElectLeadersRequest>>();
  readonly #reassignments = new Map<string, Versioned<ReassignmentRequest>>();
  #controller: Versioned<ControllerRecord> | undefined;
  readonly #topics = new Map<string, Versioned<TopicSpec>>();
  readonly #partitions = new Map<string, Versioned<PartitionState>>();
  readonly #listeners = new Set<CacheListener>();
  #revision = 0;
  readonly #mirror: PrefixMirror;

  constructor(options: { etcd: EtcdClient; keys: ClusterKeys; logger: Logger; retryMs?: number }) {
    this.#keys = options.keys;
    this.#logger = options.logger;
    this.#mirror = new PrefixMirror({
      etcd: options.etcd,
      prefix: options.keys.root,
      logger: options.logger,
      what: 'the cluster metadata',
      retryMs: options.retryMs,
      onSnapshot: (kvs, revision) => this.#replaceAll(kvs, revision),
      onEvents: (events, at) => this.#applyEvents(events, at),
    });
  }

  /** Reads everything and starts watching; resolves once the watch is confirmed. */
  start(): Promise<void> {
    return this.#mirror.start();
  }

  close(): void {
    this.#mirror.close();
  }

  /** Called after every change applied (a batch of watch events or a reload). Returns the remover. */
  onChange(listener: CacheListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get revision(): number {
    return this.#revision;
  }
  brokers(): BrokerRecord[] {
    return [...this.#brokers.values()].sort((a, b) => a.id - b.id);
  }
  broker(id: number): BrokerRecord | undefined {
    return this.#brokers.get(id);
  }
  isAlive(id: number): boolean {
    return this.#brokers.has(id);
  }
  /** The broker asked for a controlled shutdown: it may lead nothing and is leaving every ISR. */
  isShuttingDown(id: number): boolean {
    return this.#shuttingDown.has(id);
  }
  /** Operators' preferred leader elections not done yet (the controller removes each once done). */
  electionRequests(): Map<string, Versioned<ElectLeadersRequest>> {
    return this.#electionRequests;
  }
  /** A partition's reassignment under way, or undefined. */
  reassignment(topic: string, partition: number): Versioned<ReassignmentRequest> | undefined {
    return this.#reassignments.get(partitionKey(topic, partition));
  }
  /** Alive and not shutting down: a broker that may lead and stay in ISRs. */
  isEligible(id: number): boolean {
    return this.#brokers.has(id) && !this.#shuttingDown.has(id);
  }
  get controller(): Versioned<ControllerRecord> | undefined {
    return this.#controller;
  }
  topics(): Map<string, Versioned<TopicSpec>> {
    return this.#topics;
  }
  topic(name: string): Versioned<TopicSpec> | undefined {
    return this.#topics.get(name);
  }
  partition(topic: string, partition: number): Versioned<PartitionState> | undefined {
    return this.#partitions.get(partitionKey(topic, partition));
  }

  /** A full read of the cluster's prefix: replaces everything known. */
  #replaceAll(kvs: KeyValue[], revision: number): void {
    this.#brokers.clear();
    this.#shuttingDown.clear();
    this.#electionRequests.clear();
    this.#reassignments.clear();
    this.#controller = undefined;
    this.#topics.clear();
    this.#partitions.clear();
    for (const kv of kvs) this.#apply('put', kv);
    this.#revision = revision;
    this.#notify();
  }

  #applyEvents(events: WatchEvent[], at: number): void {
    for (const event of events) this.#apply(event.type, event.kv);
    this.#revision = Math.max(this.#revision, at);
    this.#notify();
  }

  #apply(type: 'put' | 'delete', kv: KeyValue): void {
    const what = this.#keys.parse(kv.key);
    if (!what) return;
    const put = type === 'put';
    switch (what.kind) {
      case 'broker': {
        const record = put ? this.#parse(kv, parseBrokerRecord) : undefined;
        if (record) this.#brokers.set(what.id, record);
        else this.#brokers.delete(what.id);
        return;
      }
      case 'elect-leaders': {
        const request = put ? this.#parse(kv, parseElectLeadersRequest) : undefined;
        if (request) this.#electionRequests.set(what.name, this.#versioned(request, kv));
        else this.#electionRequests.delete(what.name);
        return;
      }
      case 'reassignment': {
        const key = partitionKey(what.topic, what.partition);
        const request = put ? this.#parse(kv, parseReassignmentRequest) : undefined;
        if (request) this.#reassignments.set(key, this.#versioned(request, kv));
        else this.#reassignments.delete(key);
        return;
      }
      case 'shutdown': {
        if (put) this.#shuttingDown.add(what.id);
        else this.#shuttingDown.delete(what.id);
        return;
      }
      case 'controller': {
        const record = put ? this.#parse(kv, parseControllerRecord) : undefined;
        this.#controller = record ? this.#versioned(record, kv) : undefined;
        return;
      }
      case 'topic': {
        const spec = put ? this.#parse(kv, parseTopicSpec) : undefined;
        if (spec) this.#topics.set(what.topic, this.#versioned(spec, kv));
        else this.#topics.delete(what.topic);
        return;
      }
      case 'partition': {
        const key = partitionKey(what.topic, what.partition);
        const state = put ? this.#parse(kv, parsePartitionState) : undefined;
        if (state) this.#partitions.set(key, this.#versioned(state, kv));
        else this.#partitions.delete(key);
        return;
      }
    }
  }

  #versioned<T>(value: T, kv: KeyValue): Versioned<T> {
    return { value, modRevision: kv.modRevision, createRevision: kv.createRevision };
  }

  #parse<T>(kv: KeyValue, parse: (text: string) => T | undefined): T | undefined {
    const value = parse(kv.value);
    if (value === undefined) this.#logger.warn({ key: kv.key }, 'ignoring an etcd value this broker cannot read');
    return value;
  }

  #notify(): void {
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch (error) {
        this.#logger.error({ err: error }, 'a cluster metadata listener failed');
      }
    }
  }
}
