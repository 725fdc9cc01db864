// Sends records so that every record's outcome is known exactly. Records are grouped per partition into
// sends of at most one record batch (`groupBytes` of encoded records, the producer's batchSize), and each
// partition has at most one send in flight: a send is then exactly one batch in one produce request, stored
// whole or not at all, and a rejected send names exactly the records that were not acknowledged. Several
// partitions send at once (up to `maxInFlight` sends), so throughput still comes from pipelining.
//
// A group that does not fill is sent `lingerMs` after its first record (Kafka's linger.ms): a line read
// from a pipe that stays open is stored soon, not when the next lines fill its group. A group whose
// partition still has a send in flight when its linger ends is due: it goes as soon as that send finishes.
//
// Outcomes: `acked` (stored; with acks=0: written to the socket), `failed` (a send rejected: refused by the
// broker, or retries ran out with the outcome unknown), `unsent` (grouped but never sent, after a failure
// under --on-error stop). `stopped` turns true at the first failure when `stopOnError` is set.
import type { ProducerClient, SendMessage } from './sdk.js';

export interface SenderOptions {
  topic: string;
  acks: number;
  compression: number;
  maxInFlight: number;
  /** Estimated encoded record bytes per send (the producer's batchSize). */
  groupBytes: number;
  groupRecords: number;
  /** How long a group that does not fill waits for more records before it is sent (default 5 ms, as Kafka's console producer). */
  lingerMs?: number;
  stopOnError: boolean;
}

interface Group {
  partition: number;
  messages: SendMessage[];
  /** Estimated encoded bytes (what a batch holds) and key + value bytes (what the user sent). */
  bytes: number;
  payload: number;
  /** Input line numbers of the first and last record. */
  firstLine: number;
  lastLine: number;
  /** Its linger ended while its partition was busy: sent when that partition's send finishes. */
  due?: boolean;
}

export interface SendFailure {
  error: unknown;
  firstLine: number;
  lastLine: number;
  records: number;
}

export class PartitionSender {
  acked = 0;
  failed = 0;
  unsent = 0;
  /** Key and value bytes of the acknowledged records. */
  ackedBytes = 0;
  stopped = false;
  readonly failures: SendFailure[] = [];
  readonly #open = new Map<number, Group>();
  /** Full groups waiting for their partition's send slot, per partition, in order. */
  readonly #ready = new Map<number, Group[]>();
  readonly #busy = new Set<number>();
  /** The open group the previous record went to (a Map lookup per record saved). */
  #last: Group | undefined;
  #inFlight = 0;
  /** Records (and their bytes) added and not yet finished or dropped: what `add` bounds. */
  #queuedBytes = 0;
  #queuedRecords = 0;
  #wakeups: Array<() => void> = [];
  /** Armed by the first record added after the previous linger ended. */
  #linger: NodeJS.Timeout | undefined;

  constructor(
    private readonly producer: ProducerClient,
    private readonly options: SenderOptions,
  ) {}

  /** Adds one record; returns a promise to wait for when too much is queued (bounded memory), else undefined. */
  add(
    partition: number,
    message: SendMessage,
    bytes: number,
    payload: number,
    line: number,
  ): Promise<void> | undefined {
    if (this.stopped) {
      this.unsent++;
      return undefined;
    }
    // Consecutive records usually go to the same partition (one partition, or keys sent in runs).
    let group = this.#last?.partition === partition ? this.#last : this.#open.get(partition);
    if (
      group &&
      (group.bytes + bytes > this.options.groupBytes || group.messages.length >= this.options.groupRecords)
    ) {
      this.#close(group);
      group = undefined;
    }
    if (!group) {
      group = { partition, messages: [], bytes: 0, payload: 0, firstLine: line, lastLine: line };
      this.#open.set(partition, group);
    }
    this.#last = group;
    group.messages.push(message);
    group.bytes += bytes;
    group.payload += payload;
    group.lastLine = line;
    this.#queuedBytes += bytes;
    this.#queuedRecords++;
    this.#linger ??= setTimeout(this.#lingered, this.options.lingerMs ?? 5);
    if (this.#ready.size > 0) this.#pump();
    return this.#full() ? this.#room() : undefined;
  }

  /** One send's worth per slot in flight, in bytes and in records (tiny records are objects too). */
  #full(): boolean {
    const { groupBytes, groupRecords, maxInFlight } = this.options;
    return this.#queuedBytes > groupBytes * maxInFlight || this.#queuedRecords > groupRecords * maxInFlight;
  }

  async #room(): Promise<void> {
    while (!this.stopped && this.#full()) await new Promise<void>((resolve) => this.#wakeups.push(resolve));
  }

  /** Sends the open groups of idle partitions; the others are due once their partition's send finishes. */
  readonly #lingered = (): void => {
    this.#linger = undefined;
    if (this.stopped) return;
    for (const group of [...this.#open.values()]) {
      if (this.#busy.has(group.partition) || this.#ready.has(group.partition)) group.due = true;
      else this.#close(group);
    }
    this.#pump();
  };

  /** Sends every open group and waits for every send to finish. */
  async finish(): Promise<void> {
    clearTimeout(this.#linger);
    this.#linger = undefined;
    for (const group of [...this.#open.values()]) this.#close(group);
    this.#pump();
    while (this.#inFlight > 0 || (!this.stopped && this.#ready.size > 0)) {
      await new Promise<void>((resolve) => this.#wakeups.push(resolve));
    }
  }

  #close(group: Group): void {
    this.#open.delete(group.partition);
    if (this.#last === group) this.#last = undefined;
    const queue = this.#ready.get(group.partition);
    if (queue) queue.push(group);
    else this.#ready.set(group.partition, [group]);
  }

  #pump(): void {
    if (this.stopped) return;
    for (const [partition, queue] of this.#ready) {
      if (this.#inFlight >= this.options.maxInFlight) return;
      if (this.#busy.has(partition)) continue;
      const group = queue.shift()!;
      if (queue.length === 0) this.#ready.delete(partition);
      this.#send(group);
    }
  }

  #send(group: Group): void {
    this.#busy.add(group.partition);
    this.#inFlight++;
    const { topic, acks, compression } = this.options;
    this.producer
      .send({ topic, messages: group.messages, acks, compression })
      .then(
        () => {
          this.acked += group.messages.length;
          this.ackedBytes += group.payload;
        },
        (error: unknown) => {
          this.failed += group.messages.length;
          this.failures.push({
            error,
            firstLine: group.firstLine,
            lastLine: group.lastLine,
            records: group.messages.length,
          });
          if (this.options.stopOnError) this.#stop();
        },
      )
      .finally(() => {
        this.#busy.delete(group.partition);
        this.#inFlight--;
        const open = this.#open.get(group.partition);
        if (open?.due && !this.#ready.has(group.partition)) this.#close(open);
        this.#queuedBytes -= group.bytes;
        this.#queuedRecords -= group.messages.length;
        this.#pump();
        for (const wake of this.#wakeups.splice(0)) wake();
      });
  }

  /** Stops sending: groups not sent yet are counted as unsent. */
  #stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.#linger);
    this.#linger = undefined;
    for (const queue of this.#ready.values()) for (const group of queue) this.#drop(group);
    for (const group of this.#open.values()) this.#drop(group);
    this.#ready.clear();
    this.#open.clear();
    this.#last = undefined;
  }

  #drop(group: Group): void {
    this.unsent += group.messages.length;
    this.#queuedBytes -= group.bytes;
    this.#queuedRecords -= group.messages.length;
  }
}
