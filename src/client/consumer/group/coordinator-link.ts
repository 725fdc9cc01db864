// Connections to a group's coordinator. Two of them, apart from the consumer's fetch connections:
//   blocking  JoinGroup and SyncGroup, which the broker holds until the rebalance completes
//   control   Heartbeat, OffsetCommit, OffsetFetch, LeaveGroup
// Responses on one connection come back in request order, so a JoinGroup parked on the broker would
// otherwise hold every heartbeat and commit behind it (and a long-poll fetch would delay heartbeats).
// The coordinator's address comes from FindCoordinator and is forgotten after a coordinator error or a
// connection failure, so the next request looks it up again.
import { FindCoordinatorApi, type ApiSpec } from '../../../protocol/index.js';
import { ErrorCode } from '../../../protocol/errors.js';
import type { Cluster } from '../../cluster.js';
import type { Connection } from '../../connection.js';
import { SluiceConnectionError, SluiceProtocolError } from '../../errors.js';
import type { Logger } from '../../logger.js';

export interface CoordinatorLinkOptions {
  groupId: string;
  cluster: Cluster;
  clientId: string;
  connectionTimeout: number;
  requestTimeout: number;
  logger: Logger;
}

/** Codes meaning "ask FindCoordinator again". */
export const COORDINATOR_CODES: ReadonlySet<number> = new Set([
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
]);

export class CoordinatorLink {
  private address: { host: string; port: number } | null = null;
  private readonly connections: { blocking: Connection | null; control: Connection | null } = {
    blocking: null,
    control: null,
  };

  constructor(private readonly options: CoordinatorLinkOptions) {}

  /** Sends on the coordinator connection of that kind; a connection error (connecting or sending) forgets the coordinator. */
  async send<Req, Res>(
    kind: 'blocking' | 'control',
    api: ApiSpec<Req, Res>,
    request: Req,
    timeoutMs?: number,
  ): Promise<Res> {
    try {
      // Inside the try: a coordinator that cannot be reached (it died, the group moved) is forgotten too,
      // so the next attempt asks FindCoordinator again instead of dialling the dead address for ever.
      const connection = await this.connection(kind);
      return await connection.send(api, request, timeoutMs === undefined ? undefined : { timeoutMs });
    } catch (err) {
      if (
        err instanceof SluiceConnectionError ||
        (err instanceof SluiceProtocolError && COORDINATOR_CODES.has(err.code))
      )
        this.reset();
      throw err;
    }
  }

  /** Forget the coordinator (after NOT_COORDINATOR & co.); connections are reopened on next use. */
  reset(): void {
    this.address = null;
    for (const kind of ['blocking', 'control'] as const) {
      this.connections[kind]?.close();
      this.connections[kind] = null;
    }
  }

  close(): void {
    this.reset();
  }

  private async connection(kind: 'blocking' | 'control'): Promise<Connection> {
    const existing = this.connections[kind];
    if (existing && !existing.isClosed) return existing;
    const address = this.address ?? (this.address = await this.find());
    const { connectionTimeout, requestTimeout, logger } = this.options;
    // The client's TLS and SASL settings too: a coordinator of a broker requiring authentication refuses
    // an unauthenticated connection.
    const connection = this.options.cluster.dedicatedConnection(address, { connectionTimeout, requestTimeout, logger });
    this.connections[kind] = connection;
    await connection.connect();
    return connection;
  }

  private async find(): Promise<{ host: string; port: number }> {
    const connection = await this.options.cluster.anyConnection();
    const response = await connection.send(FindCoordinatorApi, { key: this.options.groupId, keyType: 0 });
    if (response.errorCode !== 0) throw new SluiceProtocolError(response.errorCode, response.errorMessage ?? undefined);
    // A broker bound to a wildcard address advertises it; reach it through the host we already use.
    const host =
      response.host === '0.0.0.0' || response.host === '::'
        ? connection.broker.slice(0, connection.broker.lastIndexOf(':'))
        : response.host;
    return { host, port: response.port };
  }
}
