// What a handler is and what it may use. A handler decodes nothing itself: the wire (native/wire.ts) has
// already validated the body with the API's decodeRequest; it returns a typed response (or NO_RESPONSE for
// a produce with acks=0), the wire encodes it and the transport keeps responses in request order. Domain
// code (registries/, groups/) raises domain errors; handlers alone turn them into wire codes
// (storage-errors.ts, domain-errors.ts).
import type { ClusterView } from '../cluster/cluster-node.js';
import type { TxnWriteVerifier } from '../cluster/txn-write-verifier.js';
import type { Logger } from 'pino';
import type { Clock, PartitionLog, ReadBufferPool, TailCacheStats } from '../../../storage/index.js';
import type { ApiSpec, ApiVersionRange, RequestHeader, TxnOffsetCommitRequest } from '../../protocol/index.js';
import type { BrokerConfig } from '../config.js';
import type { GroupCoordinator } from '../groups/index.js';
import type { FetchSessions } from '../fetch/sessions.js';
import type { PartitionWaiters } from '../fetch/waiters.js';
import type { Authenticator } from '../security/auth/authenticator.js';
import type { Authorizer } from '../security/acl/authorizer.js';
import type { Principal } from '../security/principal.js';
import type { ClientQuotas } from '../security/quotas/index.js';
import type { ProducerIdAllocator } from '../registries/producer-ids.js';
import type { ShareCoordinator } from '../share/index.js';
import type { TransactionCoordinator } from '../txn/index.js';
import type { TopicRegistry } from '../registries/topics.js';
import type { MemoryShare, ResponseMemory } from '../transport/wire.js';

/** Returned by a handler when the request gets no response frame at all (produce acks=0). */
export const NO_RESPONSE: unique symbol = Symbol('sluice.noResponse');
export type NoResponse = typeof NO_RESPONSE;

/** Broker-wide services, one instance per broker, shared by every handler. */
export interface BrokerContext {
  readonly config: BrokerConfig;
  readonly topics: TopicRegistry;
  readonly waiters: PartitionWaiters;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Sluice's package version, for ApiVersions. */
  readonly brokerVersion: string;
  readonly clusterId: string;
  /** The port actually bound (differs from config.port when that is 0). */
  readonly port: number;
  /** The port clients are told to connect to: config.advertisedPort, else the port bound. */
  readonly advertisedPort: number;
  /** True once stop() began: long polls return at once instead of waiting. */
  readonly stopping: boolean;
  /** The consumer-group coordinator (src/broker/groups/). */
  readonly groups: GroupCoordinator;
  /** The share-group coordinator (src/broker/share/): queues on the log. */
  readonly shares: ShareCoordinator;
  /** The transaction coordinator (src/broker/txn/): transactional ids, their epochs and open transactions. */
  readonly transactions: TransactionCoordinator;
  /** The ACLs and the rule deciding each request (src/broker/security/acl/); handlers call acl/authorize.ts. */
  readonly authorizer: Authorizer;
  /** The broker's internal topics (`__consumer_offsets`): listed on request, readable by offsets lookups only. */
  internalTopics(): ReadonlyArray<{ name: string; partitions: number }>;
  internalLog(topic: string, partition: number): PartitionLog | undefined;
  /** Producer ids for InitProducerId (unique across restarts). */
  readonly producerIds: ProducerIdAllocator;
  /** The API versions this broker serves (from the handler registry). */
  apiVersions(): ApiVersionRange[];
  /** Reused buffers for fetch's file reads (storage/read-buffer-pool.ts). */
  readonly readBuffers: ReadBufferPool;
  /** What the partitions' tail caches count now (Broker.tailCacheStats). */
  readonly tailCacheStats: TailCacheStats;
  /** Fetch's per-connection state (read-ahead), keyed by RequestContext.connectionId. */
  readonly fetchSessions: FetchSessions;
  /** Authentication: the users store, SASL mechanisms and each connection's session (src/broker/security/auth/). */
  readonly authenticator: Authenticator;
  /** Cluster mode's view of brokers, controller and partition leaders (src/broker/cluster/); undefined on a single node. */
  readonly cluster: ClusterView | undefined;
  /** Client quotas: the configured values and the throttling accounting (src/broker/security/quotas/). */
  readonly quotas: ClientQuotas;
  /** Cluster mode: the transactions' requests to other brokers; undefined on a single node. */
  readonly clusterTransactions?: ClusterTransactions;
}

/** Cluster mode: what transactional handlers ask of other brokers (src/broker/cluster/). */
export interface ClusterTransactions {
  /** KIP-890 on this partition leader: the coordinator's word that a transactional write was added. */
  readonly writes: TxnWriteVerifier;
  /** TxnOffsetCommit on a broker that is not the transaction coordinator: sent on to it. */
  forwardOffsetCommit(request: TxnOffsetCommitRequest): Promise<{ errorCode: number; errorMessage: string | null }>;
}

/**
 * Per-request facts, the one context every handler of every wire gets (a wire may extend it with what
 * only its protocol has, such as the request's version).
 */
export interface RequestContext {
  readonly header: RequestHeader;
  /** The connection's id (ConnectionFacts.id): the key of per-connection state such as fetch's. */
  readonly connectionId: number;
  /** "host:port" of the client, for logs. */
  readonly peer: string;
  /** The client's address without the port (ACL hosts, the activity log). */
  readonly clientHost: string;
  /** Who the connection acts as when the request arrived (ANONYMOUS until it authenticates). */
  readonly principal: Principal;
  readonly logger: Logger;
  /** Aborted when the client's connection closes: a long poll stops waiting for nobody. */
  readonly signal: AbortSignal;
  /**
   * Runs `callback` once, when this request's response is done with: `written` true once it has been
   * written to the socket (the kernel has copied its bytes: buffers it referenced may be reused), false
   * when it never will be (no response, an error frame instead, the connection failed or closed first).
   */
  afterResponse(callback: (written: boolean) => void): void;
  /** This request's response bytes in the broker's memory budget (src/broker/transport/memory-budget.ts). */
  readonly responseMemory: ResponseMemory;
  /**
   * Writes a frame of this request's stream now, ahead of its response (FetchPush; Exchange.push). Only
   * the native wire has it. False: the connection has closed, nothing was written.
   */
  readonly push?: (frame: Buffer[], keeps: number, written: (ok: boolean) => void) => boolean;
  /** The connection's share of the memory budget, for optional work that outlives the request (read-ahead). */
  readonly connectionMemory: MemoryShare;
}

export type { ResponseMemory } from '../transport/wire.js';

/**
 * What a handler answers for a response of type `Res`: the response without `throttleTimeMs`. The wire
 * fills that in from the quota decision (security/quotas/enforce.ts; 0, the field's default, when the
 * sender is within its quotas): no handler computes it.
 */
export type Answer<Res> = Omit<Res, 'throttleTimeMs'>;

export type HandlerResult<Res> = Promise<Answer<Res> | NoResponse> | Answer<Res> | NoResponse;

export interface Handler<Req = any, Res = any> {
  readonly api: ApiSpec<Req, Res>;
  handle(request: Req, broker: BrokerContext, ctx: RequestContext): HandlerResult<Res>;
}

export function defineHandler<Req, Res>(
  api: ApiSpec<Req, Res>,
  handle: (request: Req, broker: BrokerContext, ctx: RequestContext) => HandlerResult<Res>,
): Handler<Req, Res> {
  return Object.freeze({ api, handle });
}
