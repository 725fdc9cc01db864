// admin.describeClientQuotas / alterClientQuotas: client quotas as Kafka's Admin API has them (kafkajs has
// none), sent as the native DescribeClientQuotas / AlterClientQuotas. An entity is a user, a client id or
// both; null names the default entity of that dimension. A bad argument is refused before anything is sent
// (KafkaJSNonRetriableError); a broker refusal rejects with KafkaJSProtocolError
// (CLUSTER_AUTHORIZATION_FAILED without DescribeConfigs / Alter on the cluster, INVALID_REQUEST).
import { AlterClientQuotasApi } from '../protocol/apis/alter-client-quotas.js';
import { DescribeClientQuotasApi, type DescribeClientQuotasRequest } from '../protocol/apis/describe-client-quotas.js';
import type { Cluster } from './cluster.js';
import { SluiceNonRetriableError, SluiceProtocolError } from './errors.js';

type Run = <T>(fn: () => Promise<T>) => Promise<T>;

/** A quota entity: a user, a client id, or both; `null` is the default user / client id. */
export interface ClientQuotaEntity {
  user?: string | null;
  clientId?: string | null;
}

/** What DescribeClientQuotas matches, per dimension: a name, the default entity, or any named one. */
export interface ClientQuotaFilterComponent {
  entityType: 'user' | 'client-id';
  matchType: 'exact' | 'default' | 'any';
  /** The name, for matchType 'exact'. */
  match?: string;
}

export interface ClientQuotaEntry {
  entity: ClientQuotaEntity;
  /** producer_byte_rate, consumer_byte_rate, request_percentage, request_rate. */
  values: Record<string, number>;
}

export interface ClientQuotaAlteration {
  entity: ClientQuotaEntity;
  /** Set `key` to `value`, or remove it (`remove: true`). */
  ops: Array<{ key: string; value?: number; remove?: boolean }>;
}

type WirePart = { entityType: 'user' | 'client-id'; entityName: string | null };

function partsOf(entity: ClientQuotaEntity): WirePart[] {
  if (typeof entity !== 'object' || entity === null)
    throw new SluiceNonRetriableError('a quota entity is { user?, clientId? } (null: the default)');
  const parts: WirePart[] = [];
  if (entity.user !== undefined) parts.push({ entityType: 'user', entityName: entity.user });
  if (entity.clientId !== undefined) parts.push({ entityType: 'client-id', entityName: entity.clientId });
  if (parts.length === 0) throw new SluiceNonRetriableError('a quota entity names a user, a client id, or both');
  return parts;
}

function entityOf(parts: readonly WirePart[]): ClientQuotaEntity {
  const entity: ClientQuotaEntity = {};
  for (const { entityType, entityName } of parts) {
    if (entityType === 'user') entity.user = entityName;
    else entity.clientId = entityName;
  }
  return entity;
}

export async function describeClientQuotas(
  cluster: Cluster,
  run: Run,
  options: { components?: ClientQuotaFilterComponent[]; strict?: boolean } = {},
): Promise<ClientQuotaEntry[]> {
  const components: DescribeClientQuotasRequest['components'] = (options.components ?? []).map((c) => {
    if (c.matchType === 'exact' && !c.match)
      throw new SluiceNonRetriableError(`an exact ${c.entityType} match needs a name (match)`);
    return { entityType: c.entityType, matchType: c.matchType, match: c.match ?? null };
  });
  const response = await run(async () =>
    (await cluster.anyConnection()).send(DescribeClientQuotasApi, { components, strict: options.strict ?? false }),
  );
  if (response.errorCode !== 0) throw new SluiceProtocolError(response.errorCode, response.errorMessage ?? undefined);
  return response.entries.map((e) => ({
    entity: entityOf(e.entity),
    values: Object.fromEntries(e.values.map((v) => [v.key, v.value])),
  }));
}

export async function alterClientQuotas(
  cluster: Cluster,
  run: Run,
  options: { entries: ClientQuotaAlteration[]; validateOnly?: boolean },
): Promise<void> {
  const given = options?.entries;
  if (!Array.isArray(given) || given.length === 0)
    throw new SluiceNonRetriableError('Invalid entries array: give [{ entity, ops }, …]');
  const entries = given.map((entry) => ({
    entity: partsOf(entry.entity),
    ops: (entry.ops ?? []).map((op) => {
      if (!op.remove && typeof op.value !== 'number')
        throw new SluiceNonRetriableError(`${op.key}: give a value, or remove: true`);
      return { key: op.key, value: op.remove ? null : op.value!, remove: op.remove === true };
    }),
  }));
  const response = await run(async () =>
    (await cluster.anyConnection()).send(AlterClientQuotasApi, {
      entries,
      validateOnly: options.validateOnly ?? false,
    }),
  );
  const failed = response.entries.find((e) => e.errorCode !== 0);
  if (failed) throw new SluiceProtocolError(failed.errorCode, failed.errorMessage ?? undefined);
}
