// The composition root: config → registries (topics, producer ids) → logs → groups → handlers → the wires
// (native, and Kafka's when kafkaPort is set) → the transport's listeners. Also the embedded API users put in their own tests:
//
//   const broker = new Broker({ dataDir: tmp, port: 0 });
//   await broker.start();            // resolves with the bound port
//   … connect to broker.address …
//   broker.intercept('Produce', () => ({ error: 'NOT_LEADER_FOR_PARTITION' }));   // a test seam
//   await broker.stop();             // graceful: in-flight requests answered, logs flushed and closed
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  type DataDirLock,
  LogManager,
  lockDataDir,
  mkdirDurable,
  ReadBufferPool,
  type TailCacheStats,
  writeFileAtomic,
} from '../../storage/index.js';
import { ApiKey, type ApiKeyName, type ApiSpec } from '../protocol/index.js';
import { SLUICE_VERSION } from '../version.js';
import { isWildcard, resolveBrokerConfig, type BrokerConfig, type BrokerOptions } from './config.js';
import { FetchSessions } from './fetch/sessions.js';
import { PartitionWaiters } from './fetch/waiters.js';
import { OFFSETS_TOPIC, startGroupService, type GroupService, type GroupServiceOptions } from './groups/index.js';
import { HandlerRegistry } from './handlers/index.js';
import type { Answer, BrokerContext, ClusterTransactions } from './handlers/types.js';
import { Interceptors, type InterceptHandle, type Interceptor, type InterceptOptions } from './interceptors.js';
import {
  KAFKA_HANDLERS,
  KafkaHandlerRegistry,
  KafkaListenError,
  type KafkaListenerInfo,
  KafkaWire,
} from './kafka/index.js';
import { NativeWire } from './native/wire.js';
import { Authenticator } from './security/auth/authenticator.js';
import { UserStore } from './security/auth/users.js';
import { PRODUCER_ID_BLOCK, ProducerIdAllocator } from './registries/producer-ids.js';
import { clusterProducerIdBlocks } from './cluster/producer-id-blocks.js';
import { startShareService, type ShareService } from './share/index.js';
import { readMetadataFile, TopicRegistry } from './registries/topics.js';
import { Authorizer } from './security/acl/authorizer.js';
import { type ClientQuotas, openClientQuotas } from './security/quotas/index.js';
import { ActivityLog, ACTIVITY_TOPIC } from './activity/activity-log.js';
import { isLoopbackHost } from './security/config.js';
import { publishActivity } from './diagnostics.js';
import { Transport } from './transport/transport.js';
import { type ReloadOutcome, TlsCertificates } from './security/tls/certificates.js';
import { logCleanerSettings, recordCodecs } from './log-cleaner-settings.js';
import { ClusterNode } from './cluster/cluster-node.js';
import { EtcdClient } from './cluster/etcd-client.js';
import { ClusterKeys } from './cluster/keys.js';
import { ClusterSecurityState } from './cluster/security-state.js';
import type { ClusterConfig } from './cluster/config.js';
import { ReplicatedOffsetsLog } from './cluster/replicated-offsets-log.js';
import { startTxnService, TRANSACTION_STATE_TOPIC, type TxnService, type TxnServiceOptions } from './txn/index.js';
import { PeerPool, TXN_PEER_CLIENT_PREFIX } from './cluster/peer-pool.js';
import { TxnWriteVerifier } from './cluster/txn-write-verifier.js';
import { forwardTxnOffsetCommit } from './cluster/txn-offset-forwarding.js';
import { TxnDelivery } from './cluster/txn-delivery.js';
import { writeMarkerAsLeader } from './cluster/replicated-marker.js';

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

const META_FILE = 'meta.json';

export class Broker {
  readonly config: BrokerConfig;
  private readonly logger: Logger;
  private readonly waiters = new PartitionWaiters();
  /**
   * Fetch read buffers, reused once the response carrying them is written. Free ones: at most half of
   * maxInFlightBytes, so that a broker whose budget is full of responses finds the buffers of the ones just
   * written instead of allocating (what it drops stays allocated until V8's next full collection).
   */
  private readonly readBuffers: ReadBufferPool;
  private readonly fetchSessions: FetchSessions;
  private readonly registry = new HandlerRegistry();
  private readonly interceptors = new Interceptors();
  private readonly topicRegistry: TopicRegistry;
  private readonly producerIds: ProducerIdAllocator;
  private logs: LogManager | undefined;
  private lock: DataDirLock | undefined;
  private groups: GroupService | undefined;
  private shares: ShareService | undefined;
  private txns: TxnService | undefined;
  private authorizer: Authorizer | undefined;
  private quotas: ClientQuotas | undefined;
  private activity: ActivityLog | undefined;
  private transport: Transport | undefined;
  private authenticator: Authenticator | undefined;
  private state: State = 'new';
  private boundPort = -1;
  private kafkaBoundPort = -1;
  private tlsBoundPort = -1;
  private kafkaTlsBoundPort = -1;
  private certificates: TlsCertificates | undefined;
  private clusterId = '';
  private stopping: Promise<void> | undefined;
  private coreContext: BrokerContext | undefined;
  /** Cluster mode only (config.cluster): membership, metadata and the controller through etcd. */
  private clusterNode: ClusterNode | undefined;
  private clusterSecurity: ClusterSecurityState | undefined;
  /** Cluster mode: connections to the other brokers for the transaction coordinator's markers and offsets. */
  private peers: PeerPool | undefined;
  private clusterTransactions: ClusterTransactions | undefined;

  /** Validates the options (throws BrokerConfigError with a clear sentence); does no I/O. */
  constructor(options: BrokerOptions) {
    this.config = resolveBrokerConfig(options);
    this.logger = this.config.logger;
    this.readBuffers = new ReadBufferPool(Math.floor(this.config.maxInFlightBytes / 2));
    this.producerIds = new ProducerIdAllocator(
      this.config.dataDir,
      this.config.fs,
      PRODUCER_ID_BLOCK,
      this.config.cluster ? clusterProducerIdBlocks(this.config.cluster) : undefined,
    );
    this.fetchSessions = new FetchSessions(this.readBuffers, this.config.maxFetchBytes);
    this.topicRegistry = new TopicRegistry(this.config, {
      onDeleted: (topic, partitions) => {
        for (let p = 0; p < partitions; p++) this.waiters.notify(topic, p);
        this.groups?.coordinator
          .topicDeleted(topic)
          .catch((err) => this.logger.warn({ err, topic }, 'could not drop committed offsets of a deleted topic'));
        this.shares?.coordinator
          .topicDeleted(topic)
          .catch((err) => this.logger.warn({ err, topic }, 'could not drop share-group state of a deleted topic'));
      },
    });
  }

  /** The bound port (valid after start()). */
  get port(): number {
    if (this.boundPort < 0) throw new Error('broker is not started');
    return this.boundPort;
  }

  /** The port clients are told to connect to: advertisedPort, else the bound port (valid after start()). */
  get advertisedPort(): number {
    return this.config.advertisedPort ?? this.port;
  }

  /** "host:port" to give clients, e.g. "127.0.0.1:40123": the advertised address (valid after start()). */
  get address(): string {
    return `${this.config.advertisedHost}:${this.advertisedPort}`;
  }

  /** The Kafka listener's bound port (valid after start() with the kafkaPort option), else undefined. */
  get kafkaPort(): number | undefined {
    return this.kafkaBoundPort < 0 ? undefined : this.kafkaBoundPort;
  }

  /** "host:port" to give Kafka clients (bootstrap servers), or undefined without a Kafka listener. */
  get kafkaAddress(): string | undefined {
    if (this.kafkaBoundPort < 0) return undefined;
    return `${this.config.advertisedHost}:${this.config.advertisedKafkaPort ?? this.kafkaBoundPort}`;
  }

  /** The native TLS listener's bound port (valid after start() with tls.port), else undefined. */
  get tlsPort(): number | undefined {
    return this.tlsBoundPort < 0 ? undefined : this.tlsBoundPort;
  }

  /** The Kafka TLS listener's bound port (valid after start() with tls.kafkaPort), else undefined. */
  get kafkaTlsPort(): number | undefined {
    return this.kafkaTlsBoundPort < 0 ? undefined : this.kafkaTlsBoundPort;
  }

  /**
   * The certificate material of the TLS listeners (valid after start() with the tls option), for another
   * door served over TLS with the same certificate (the HTTP door), which follows its reloads.
   */
  get tlsCertificates(): TlsCertificates | undefined {
    return this.certificates;
  }

  /**
   * Reads the TLS certificate, key and CA files again (`sluice serve` does on SIGHUP). On success new
   * handshakes present the new certificate and open connections stay as they are; on failure (a file
   * unreadable, a key that does not match, an expired certificate) the old one stays. Logged either way.
   */
  async reloadTls(): Promise<ReloadOutcome> {
    if (!this.certificates) return { ok: false, reason: 'this broker has no TLS listener' };
    const outcome = await this.certificates.reload();
    if (outcome.ok) this.logger.info({ certificate: outcome.certificate }, 'TLS certificate reloaded');
    else
      this.logger.error(
        { reason: outcome.reason },
        `TLS certificate not reloaded, keeping the current one: ${outcome.reason}`,
      );
    return outcome;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /**
   * What the partitions' tail caches count now (storage/tail-cache-budget.ts): `bytes` within `maxBytes`
   * (tailCacheTotalBytes), of which `pinnedBytes` are slabs dropped from the caches that responses not yet
   * written still view. Zeros before start().
   */
  get tailCacheStats(): TailCacheStats {
    return this.logs?.tailCacheStats ?? { bytes: 0, pinnedBytes: 0, maxBytes: this.config.tailCacheTotalBytes };
  }

  /**
   * The services every front door calls (valid after start()): the HTTP door (src/http/core.ts) reaches
   * topics, logs and groups through this, never a copy of them.
   */
  get core(): BrokerContext {
    if (this.state !== 'running' && this.state !== 'stopping') throw new Error('broker is not started');
    return (this.coreContext ??= this.context());
  }

  /** Opens the data directory (recovering logs if needed), then listens. Resolves with the bound port. */
  async start(): Promise<number> {
    if (this.state !== 'new') throw new Error(`broker cannot start: it is ${this.state}`);
    this.state = 'starting';
    const { dataDir } = this.config;
    try {
      await mkdirDurable(this.config.fs, dataDir);
      // Before anything is read: a second broker on the same directory would corrupt it (storage/data-dir-lock.ts).
      this.lock = await lockDataDir(dataDir, this.logger);
      this.clusterId = await this.loadClusterId();
      // Before anything is opened: a certificate that cannot be used stops the start with its reason.
      if (this.config.tls)
        this.certificates = await TlsCertificates.load(this.config.tls, () => this.config.clock.now());
      this.authenticator = new Authenticator({
        config: this.config.security,
        users: await UserStore.open(this.config.fs, dataDir),
        clock: this.config.clock,
        logger: this.logger.child({ component: 'auth' }),
      });
      await this.topicRegistry.load();
      this.logs = await LogManager.open({
        dataDir,
        configFor: (topic) => this.topicRegistry.partitionConfig(topic),
        clock: this.config.clock,
        logger: this.logger.child({ component: 'storage' }),
        maintenanceIntervalMs: this.config.maintenanceIntervalMs,
        producerIdExpirationMs: this.config.producerIdExpirationMs,
        tailCacheTotalBytes: this.config.tailCacheTotalBytes,
        fs: this.config.fs,
        repair: this.config.repair,
        cleaner: logCleanerSettings(this.config),
        codecs: recordCodecs,
      });
      await this.topicRegistry.attach(this.logs);
      this.authorizer = await Authorizer.open({
        dataDir,
        fs: this.config.fs,
        enabled: this.config.security.authorization,
        superUsers: this.config.security.superUsers,
      });
      this.quotas = await openClientQuotas(this.config.fs, dataDir, this.config.clock);
      // Cluster mode: users, ACLs and quotas are the cluster's, loaded before any listener opens.
      if (this.config.cluster) await this.shareSecurityState(this.config.cluster);
      this.groups = await startGroupService({
        dataDir,
        fs: this.config.fs,
        flush: this.config.topicDefaults.flush,
        clock: this.config.clock,
        logger: this.logger.child({ component: 'groups' }),
        topics: this.topicRegistry,
        config: this.config.groups,
        // The internal topics' own cleaner: a quarter of the offset-map memory (their keys are few).
        cleaner: logCleanerSettings(this.config, 0.25),
        offsetsSegmentBytes: this.config.offsetsTopicSegmentBytes,
        ...(this.config.cluster ? { replicated: this.replicatedOffsets(this.config.cluster) } : {}),
      });
      this.shares = await startShareService({
        dataDir,
        fs: this.config.fs,
        flush: this.config.topicDefaults.flush,
        clock: this.config.clock,
        logger: this.logger.child({ component: 'share-groups' }),
        topics: this.topicRegistry,
        waiters: this.waiters,
        config: this.config.shareGroups,
      });
      this.txns = await startTxnService({
        dataDir,
        fs: this.config.fs,
        flush: this.config.topicDefaults.flush,
        cleaner: logCleanerSettings(this.config, 0.25),
        clock: this.config.clock,
        logger: this.logger.child({ component: 'transactions' }),
        producerIds: this.producerIds,
        log: (topic, partition) => this.topicRegistry.log(topic, partition),
        appended: (topic, partition) => this.waiters.notify(topic, partition),
        commitOffsets: (groupId, offsets) => this.groups!.coordinator.commitTransactionOffsets(groupId, offsets),
        config: this.config.transactions,
        ...(this.config.cluster ? { replicated: this.replicatedTransactions(this.config.cluster) } : {}),
      });
      this.activity = await ActivityLog.open({
        dataDir,
        fs: this.config.fs,
        flush: this.config.topicDefaults.flush,
        clock: this.config.clock,
        logger: this.logger.child({ component: 'activity' }),
        retentionMs: this.config.activityRetentionMs,
        onAppended: (partition) => this.waiters.notify(ACTIVITY_TOPIC, partition),
      });
      const context = this.context();
      this.transport = new Transport(this.config);
      const native = new NativeWire({
        registry: this.registry,
        broker: context,
        headerLimits: this.config.headerLimits,
        interceptors: this.interceptors,
        kafkaPort: () =>
          this.kafkaBoundPort < 0 ? undefined : (this.config.advertisedKafkaPort ?? this.kafkaBoundPort),
        tlsPort: () => this.tlsPort,
      });
      this.boundPort = await this.transport.listen(native, this.config.host, this.config.port);
      if (this.config.kafkaPort !== null) this.kafkaBoundPort = await this.listenKafka(context, this.config.kafkaPort);
      if (this.certificates) await this.listenTls(native, context, this.certificates);
      await this.joinCluster();
    } catch (error) {
      this.state = 'stopped';
      this.clusterSecurity?.close();
      await this.clusterNode
        ?.stop()
        .catch((closeError) => this.logger.error({ err: closeError }, 'leaving the cluster after a failed start'));
      this.peers?.close();
      await this.transport?.close(0).catch(() => {});
      await this.txns
        ?.close()
        .catch((closeError) => this.logger.error({ err: closeError }, 'closing transactions after a failed start'));
      await this.shares
        ?.close()
        .catch((closeError) => this.logger.error({ err: closeError }, 'closing share groups after a failed start'));
      await this.groups
        ?.close()
        .catch((closeError) => this.logger.error({ err: closeError }, 'closing groups after a failed start'));
      await this.activity
        ?.close()
        .catch((closeError) => this.logger.error({ err: closeError }, 'closing __activity after a failed start'));
      await this.logs
        ?.close()
        .catch((closeError) => this.logger.error({ err: closeError }, 'closing logs after a failed start'));
      await this.lock?.release();
      throw error;
    }
    this.state = 'running';
    publishActivity(() => ({ type: 'broker.started', outcome: 'success', details: { nodeId: this.config.nodeId } }));
    this.warnIfUnreachable();
    this.logger.info(
      {
        host: this.config.host,
        port: this.boundPort,
        address: this.address,
        ...(this.kafkaBoundPort >= 0 ? { kafkaPort: this.kafkaBoundPort, kafkaAddress: this.kafkaAddress } : {}),
        ...(this.tlsBoundPort >= 0 ? { tlsPort: this.tlsBoundPort } : {}),
        ...(this.kafkaTlsBoundPort >= 0 ? { kafkaTlsPort: this.kafkaTlsBoundPort } : {}),
        ...(this.certificates ? { certificate: this.certificates.certificate } : {}),
        dataDir,
        topics: this.topicRegistry.list().length,
      },
      'listening',
    );
    return this.boundPort;
  }

  /**
   * Graceful stop: stop accepting, let in-flight requests finish (long polls return at once) for up
   * to shutdownTimeoutMs, close connections, then close every log (flush + clean-shutdown marker).
   * Safe to call more than once and before start().
   */
  stop(): Promise<void> {
    this.stopping ??= this.stopNow();
    return this.stopping;
  }

  private async stopNow(): Promise<void> {
    if (this.state === 'new' || this.state === 'stopped') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    this.logger.info('stopping');
    // Leaving first (the lease revoked) lets the controller move this broker's leaderships at once.
    await this.clusterNode?.stop().catch((err) => this.logger.error({ err }, 'leaving the cluster'));
    this.peers?.close();
    this.topicRegistry.close();
    this.waiters.notifyAll();
    // Parked JoinGroup/SyncGroup requests are answered (COORDINATOR_NOT_AVAILABLE) before the server drains.
    await this.groups?.coordinator.close().catch((err) => this.logger.error({ err }, 'closing the group coordinator'));
    this.shares?.coordinator.close();
    try {
      await this.transport?.close(this.config.shutdownTimeoutMs);
    } finally {
      this.clusterSecurity?.close();
      await this.txns?.close().catch((err) => this.logger.error({ err }, 'closing the transaction coordinator'));
      await this.shares?.close().catch((err) => this.logger.error({ err }, 'closing share groups'));
      await this.groups?.close().catch((err) => this.logger.error({ err }, 'closing the group coordinator'));
      publishActivity(() => ({ type: 'broker.stopped', outcome: 'success', details: { nodeId: this.config.nodeId } }));
      await this.activity?.close().catch((err) => this.logger.error({ err }, 'closing __activity'));
      try {
        await this.logs?.close();
      } finally {
        await this.lock?.release();
      }
      this.state = 'stopped';
      this.logger.info('stopped');
    }
  }

  /**
   * A test seam (franz-go kfake's ControlKey): `interceptor` sees every request of `api` (a name such as
   * 'Produce', an API key, or an ApiSpec) before its handler and may return an action: an error, a
   * delay, a response of its own, a dropped request or response, a closed connection (InterceptAction).
   * Returning nothing lets the request through. An interceptor is removed after it intercepts once,
   * unless `{ keep: true }` or `{ times: n }`; the handle's remove() takes it away. Works before start().
   */
  intercept<Req = any, Res = any>(
    api: ApiSpec<Req, Res> | ApiKeyName | number,
    interceptor: Interceptor<Req, Answer<Res> & { throttleTimeMs?: number }>,
    options?: InterceptOptions,
  ): InterceptHandle {
    const apiKey = typeof api === 'number' ? api : typeof api === 'string' ? ApiKey[api] : api.key;
    if (apiKey === undefined) throw new TypeError(`intercept: unknown API ${String(api)}`);
    return this.interceptors.add(apiKey, interceptor as Interceptor, options);
  }

  /** Removes every interceptor (Broker.intercept). */
  clearInterceptors(): void {
    this.interceptors.clear();
  }

  /**
   * The second door: Kafka's wire protocol on its own port, a wire of the same transport (connection
   * limits, memory budget, stall watchdog, graceful close) over the same core. A bind failure is a
   * KafkaListenError, so `sluice serve` can tell a taken default Kafka port from a taken native one.
   */
  private async listenKafka(
    context: BrokerContext,
    port: number,
    certificates: TlsCertificates | null = null,
  ): Promise<number> {
    const registry = new KafkaHandlerRegistry(KAFKA_HANDLERS);
    const self = this;
    const listener: KafkaListenerInfo = {
      get port() {
        return certificates ? self.kafkaTlsBoundPort : self.kafkaBoundPort;
      },
      advertisedHost: this.config.advertisedHost,
      // A TLS listener's clients are sent back to the TLS port, a plaintext one's to the plaintext port.
      get advertisedPort() {
        return certificates ? self.kafkaTlsBoundPort : (self.config.advertisedKafkaPort ?? self.kafkaBoundPort);
      },
      apiVersions: () => registry.versions(),
    };
    const wire = new KafkaWire({ registry, broker: context, listener, tlsPort: () => this.kafkaTlsPort });
    const { host } = this.config;
    try {
      return await this.transport!.listen(wire, host, port, certificates);
    } catch (error) {
      const { code, message } = error as NodeJS.ErrnoException;
      const which = certificates ? 'Kafka TLS' : 'Kafka';
      throw new KafkaListenError(`the ${which} listener cannot bind ${host}:${port}: ${message}`, code, error);
    }
  }

  /** Cluster mode: the users, ACLs and quotas kept in etcd, followed by a watch (cluster/security-state.ts). */
  private async shareSecurityState(cluster: ClusterConfig): Promise<void> {
    this.clusterSecurity = await ClusterSecurityState.start({
      etcd: new EtcdClient({ endpoints: cluster.endpoints, requestTimeoutMs: cluster.etcdRequestTimeoutMs }),
      keys: new ClusterKeys(cluster.name),
      logger: this.logger.child({ component: 'cluster-security' }),
      brokerId: this.config.nodeId,
      stores: { users: this.authenticator!.users, acls: this.authorizer!, quotas: this.quotas!.store },
      seenTimeoutMs: cluster.etcdRequestTimeoutMs,
    });
  }

  /** Cluster mode: registers with the addresses just bound, follows the cluster's metadata, campaigns for controller. */
  private async joinCluster(): Promise<void> {
    const cluster = this.config.cluster;
    if (!cluster) return;
    this.clusterNode = new ClusterNode({
      config: cluster,
      brokerId: this.config.nodeId,
      topics: this.topicRegistry,
      logger: this.logger.child({ component: 'cluster' }),
      dataDir: this.config.dataDir,
      fs: this.config.fs,
      notify: (topic, partition) => this.waiters.notify(topic, partition),
      internalLog: (topic, partition) =>
        this.groups?.internalLog(topic, partition) ?? this.txns?.internalLog(topic, partition),
      groupCoordinator: {
        load: () => this.groups!.coordinator.start(),
        resign: () => this.groups!.coordinator.resign(),
      },
      transactionCoordinator: {
        load: () => this.txns!.coordinator.start(),
        resign: () => this.txns!.coordinator.resign(),
      },
    });
    await this.clusterNode.start({
      host: this.config.advertisedHost,
      port: this.advertisedPort,
      kafkaPort: this.kafkaBoundPort < 0 ? null : (this.config.advertisedKafkaPort ?? this.kafkaBoundPort),
    });
  }

  /** Cluster mode: `__consumer_offsets` written with acks=-1, its coordinator serving on its leader only. */
  private replicatedOffsets(cluster: ClusterConfig): NonNullable<GroupServiceOptions['replicated']> {
    return {
      wrap: (log) =>
        new ReplicatedOffsetsLog({
          log,
          cluster: () => this.clusterNode,
          notify: (topic, partition) => this.waiters.notify(topic, partition),
          timeoutMs: cluster.offsetsCommitTimeoutMs,
        }),
      isCoordinator: () => this.clusterNode?.isLeader(OFFSETS_TOPIC, 0) === true,
      leads: (topic, partition) => this.clusterNode?.isLeader(topic, partition) === true,
    };
  }

  /**
   * Cluster mode: `__transaction_state` written with acks=-1, its coordinator serving on its leader only, the
   * markers and committed offsets delivered to the partitions' leaders (cluster/txn-delivery.ts).
   */
  private replicatedTransactions(cluster: ClusterConfig): NonNullable<TxnServiceOptions['replicated']> {
    const isCoordinator = () => this.clusterNode?.isLeader(TRANSACTION_STATE_TOPIC, 0) === true;
    const peers = new PeerPool(`${TXN_PEER_CLIENT_PREFIX}${this.config.nodeId}`, cluster.interBroker ?? undefined);
    this.peers = peers;
    this.clusterTransactions = {
      writes: new TxnWriteVerifier({
        cluster: () => this.clusterNode,
        peers,
        verifyLocally: (producerId, producerEpoch, topic, partition) =>
          this.txns!.coordinator.verifyTransactionalWrite(producerId, producerEpoch, topic, partition),
        coordinatorReady: () => this.txns?.coordinator.ready === true,
      }),
      forwardOffsetCommit: (request) => forwardTxnOffsetCommit(this.clusterNode!, peers, request),
    };
    const delivery = new TxnDelivery({
      cluster: () => this.clusterNode,
      peers,
      isCoordinator,
      writeLocalMarker: (topic, partition, marker) =>
        writeMarkerAsLeader(
          (this.coreContext ??= this.context()),
          topic,
          partition,
          marker,
          cluster.offsetsCommitTimeoutMs,
        ),
      commitLocalOffsets: (groupId, offsets) => this.groups!.coordinator.commitTransactionOffsets(groupId, offsets),
      logger: this.logger.child({ component: 'transactions' }),
    });
    return {
      wrap: (log) =>
        new ReplicatedOffsetsLog({
          log,
          cluster: () => this.clusterNode,
          notify: (topic, partition) => this.waiters.notify(topic, partition),
          timeoutMs: cluster.offsetsCommitTimeoutMs,
        }),
      isCoordinator,
      coordinatorEpoch: () => this.clusterNode?.partition(TRANSACTION_STATE_TOPIC, 0)?.leaderEpoch ?? 0,
      markers: delivery,
      commitOffsets: (groupId, offsets) => delivery.commitOffsets(groupId, offsets),
    };
  }

  /**
   * The TLS listeners (tls.port, tls.kafkaPort): the same wires over TLS. The native one gets a view of the
   * broker context that advertises the TLS port (Metadata, FindCoordinator), so its clients stay on TLS.
   */
  private async listenTls(native: NativeWire, context: BrokerContext, certificates: TlsCertificates): Promise<void> {
    const tls = certificates.config;
    const { host } = this.config;
    if (tls.port !== null) {
      const tlsContext: BrokerContext = Object.create(context, {
        port: { get: () => this.tlsBoundPort },
        advertisedPort: { get: () => this.tlsBoundPort },
      });
      const wire = native.withBroker(tlsContext);
      this.tlsBoundPort = await this.transport!.listen(wire, host, tls.port, certificates);
    }
    if (tls.kafkaPort !== null) this.kafkaTlsBoundPort = await this.listenKafka(context, tls.kafkaPort, certificates);
  }

  /** Bound to every interface but advertising loopback: clients on other machines are sent to themselves. */
  private warnIfUnreachable(): void {
    const { host, advertisedHost } = this.config;
    if (!isWildcard(host) || !isLoopbackHost(advertisedHost)) return;
    this.logger.warn(
      { host, advertisedHost, port: this.advertisedPort },
      `bound to every interface (${host}) but advertising ${advertisedHost}: clients on other machines will be told to connect to their own loopback; set advertisedHost (sluice serve --advertised-host) to an address they can reach`,
    );
  }

  private context(): BrokerContext {
    const self = this;
    return {
      config: this.config,
      topics: this.topicRegistry,
      waiters: this.waiters,
      logger: this.logger,
      clock: this.config.clock,
      brokerVersion: SLUICE_VERSION,
      clusterId: this.clusterId,
      producerIds: this.producerIds,
      readBuffers: this.readBuffers,
      fetchSessions: this.fetchSessions,
      get tailCacheStats() {
        return self.tailCacheStats;
      },
      get port() {
        return self.boundPort;
      },
      get advertisedPort() {
        return self.advertisedPort;
      },
      get stopping() {
        return self.state === 'stopping' || self.state === 'stopped';
      },
      get groups() {
        return self.groups!.coordinator;
      },
      get shares() {
        return self.shares!.coordinator;
      },
      get transactions() {
        return self.txns!.coordinator;
      },
      get authenticator() {
        return self.authenticator!;
      },
      get authorizer() {
        return self.authorizer!;
      },
      get cluster() {
        return self.clusterNode;
      },
      get quotas() {
        return self.quotas!;
      },
      get clusterTransactions() {
        return self.clusterTransactions;
      },
      internalTopics: () => [
        ...(self.groups?.internalTopics ?? []),
        ...(self.shares?.internalTopics ?? []),
        ...(self.txns?.internalTopics ?? []),
        ...(self.activity ? [{ name: ACTIVITY_TOPIC, partitions: 1 }] : []),
      ],
      internalLog: (topic, partition) =>
        self.groups?.internalLog(topic, partition) ??
        self.shares?.internalLog(topic, partition) ??
        self.txns?.internalLog(topic, partition) ??
        (topic === ACTIVITY_TOPIC && partition === 0 ? self.activity?.log : undefined),
      apiVersions: () => this.registry.versions(),
    };
  }

  /** The configured cluster id, else the one kept in <dataDir>/meta.json, else a new one saved there. */
  private async loadClusterId(): Promise<string> {
    const path = join(this.config.dataDir, META_FILE);
    const meta = await readMetadataFile<{ clusterId?: unknown }>(path, this.config, 'a new cluster id is generated');
    const stored = typeof meta?.clusterId === 'string' ? meta.clusterId : undefined;
    const clusterId = this.config.clusterId ?? stored ?? randomUUID();
    if (clusterId !== stored)
      await writeFileAtomic(this.config.fs, path, `${JSON.stringify({ clusterId }, null, 2)}\n`);
    return clusterId;
  }
}

/** Creates and starts a broker: `const broker = await createBroker({ dataDir, port: 0 })`. */
export async function createBroker(options: BrokerOptions): Promise<Broker> {
  const broker = new Broker(options);
  await broker.start();
  return broker;
}
