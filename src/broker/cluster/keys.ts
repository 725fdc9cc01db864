// Where a cluster's metadata lives in etcd (Kafka's ZooKeeper paths, under one prefix per cluster):
//   /sluice/<cluster>/brokers/<id>                 a live broker (JSON BrokerRecord), tied to its lease
//   /sluice/<cluster>/controller                   the elected controller (JSON ControllerRecord), tied to its lease
//   /sluice/<cluster>/topics/<topic>               a topic's spec (JSON TopicSpec), written by the broker creating it
//   /sluice/<cluster>/partitions/<topic>/<p>       a partition's state (JSON PartitionState), written by the controller only
//   /sluice/<cluster>/shutting-down/<id>           a broker stopping cleanly (controlled shutdown), tied to its lease
//   /sluice/<cluster>/elect-leaders/<request>      an operator's preferred leader election, removed by the controller once done
//   /sluice/<cluster>/reassignments/<topic>/<p>    an operator's partition reassignment, removed by the controller once done
//   /sluice/<cluster>/producer-id-block            the first producer id no broker has reserved (JSON), moved by CAS
//   /sluice/<cluster>/security/<kind>/<id>         a user's SCRAM keys, an ACL, a client quota (security-state.ts)
//   /sluice/<cluster>/security-seeded              put once, by the first broker that started (its local ones copied in)
// Topic names are [a-zA-Z0-9._-]: they never hold a "/", so the paths parse back unambiguously.

export class ClusterKeys {
  readonly root: string;

  constructor(clusterName: string) {
    this.root = `/sluice/${clusterName}/`;
  }

  get brokers(): string {
    return `${this.root}brokers/`;
  }
  broker(id: number): string {
    return `${this.brokers}${id}`;
  }
  get controller(): string {
    return `${this.root}controller`;
  }
  get topics(): string {
    return `${this.root}topics/`;
  }
  topic(name: string): string {
    return `${this.topics}${name}`;
  }
  get partitions(): string {
    return `${this.root}partitions/`;
  }
  partition(topic: string, partition: number): string {
    return `${this.partitions}${topic}/${partition}`;
  }
  get shuttingDown(): string {
    return `${this.root}shutting-down/`;
  }
  shutdown(id: number): string {
    return `${this.shuttingDown}${id}`;
  }
  get electLeaders(): string {
    return `${this.root}elect-leaders/`;
  }
  electLeadersRequest(name: string): string {
    return `${this.electLeaders}${name}`;
  }
  get reassignments(): string {
    return `${this.root}reassignments/`;
  }
  reassignment(topic: string, partition: number): string {
    return `${this.reassignments}${topic}/${partition}`;
  }
  get producerIdBlock(): string {
    return `${this.root}producer-id-block`;
  }
  /** Every user, ACL and quota: `security/users/`, `security/acls/`, `security/quotas/`. */
  get security(): string {
    return `${this.root}security/`;
  }
  securityKind(kind: string): string {
    return `${this.security}${kind}/`;
  }
  /** One entry; the id is URI-encoded, so a user name holding "/" stays one path segment. */
  securityEntry(kind: string, id: string): string {
    return `${this.securityKind(kind)}${encodeURIComponent(id)}`;
  }
  get securitySeeded(): string {
    return `${this.root}security-seeded`;
  }
  /** The prefix of every partition key of `topic` (names hold no "/", so no other topic's keys share it). */
  topicPartitions(topic: string): string {
    return `${this.partitions}${topic}/`;
  }

  /** What a key under root names, or undefined for a key this version does not know. */
  parse(
    key: string,
  ):
    | { kind: 'broker'; id: number }
    | { kind: 'controller' }
    | { kind: 'topic'; topic: string }
    | { kind: 'partition'; topic: string; partition: number }
    | { kind: 'shutdown'; id: number }
    | { kind: 'elect-leaders'; name: string }
    | { kind: 'reassignment'; topic: string; partition: number }
    | undefined {
    if (!key.startsWith(this.root)) return undefined;
    if (key === this.controller) return { kind: 'controller' };
    if (key.startsWith(this.brokers)) {
      const id = Number(key.slice(this.brokers.length));
      return Number.isInteger(id) && id >= 0 ? { kind: 'broker', id } : undefined;
    }
    if (key.startsWith(this.shuttingDown)) {
      const id = Number(key.slice(this.shuttingDown.length));
      return Number.isInteger(id) && id >= 0 ? { kind: 'shutdown', id } : undefined;
    }
    if (key.startsWith(this.electLeaders)) return { kind: 'elect-leaders', name: key.slice(this.electLeaders.length) };
    if (key.startsWith(this.topics)) return { kind: 'topic', topic: key.slice(this.topics.length) };
    for (const [prefix, kind] of [
      [this.partitions, 'partition'],
      [this.reassignments, 'reassignment'],
    ] as const) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const slash = rest.lastIndexOf('/');
      const partition = Number(rest.slice(slash + 1));
      if (slash <= 0 || !Number.isInteger(partition) || partition < 0) return undefined;
      return { kind, topic: rest.slice(0, slash), partition };
    }
    return undefined;
  }
}
