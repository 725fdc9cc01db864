// Client quotas as Kafka has them: a quota entity is a user, a client id, or both, each either named or
// the default (`<default>`: every user, or every client id, without a more specific entity), and holds
// rates by key. Sluice enforces Kafka's producer_byte_rate and consumer_byte_rate (bytes per second a client
// produces or is sent by fetches) and request_percentage (the share of one broker thread's time its requests
// may take, in percent: 50 means 500 ms of every second), and its own request_rate (requests per second, of
// any API). Byte and request rates are whole numbers, at least 1; request_percentage is any number above 0
// (above 100 means more than one thread's worth, as in Kafka).
export const QUOTA_KEYS = ['producer_byte_rate', 'consumer_byte_rate', 'request_percentage', 'request_rate'] as const;
export type QuotaKey = (typeof QUOTA_KEYS)[number];

export const ENTITY_TYPES = ['user', 'client-id'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/**
 * An entity: each dimension absent (the entity does not name it), null (the default entity of that
 * dimension), or a name. At least one dimension is present.
 */
export interface QuotaEntity {
  readonly user?: string | null;
  readonly clientId?: string | null;
}

export type QuotaValues = Partial<Record<QuotaKey, number>>;

export interface QuotaEntry {
  readonly entity: QuotaEntity;
  readonly values: QuotaValues;
}

/** One change of AlterClientQuotas: set `key` to `value`, or remove it. */
export type QuotaOp = { key: string; remove: true } | { key: string; remove: false; value: number };

/** How DescribeClientQuotas picks entities: per dimension, a name, the default, or any specified name. */
export interface QuotaFilterComponent {
  readonly entityType: EntityType;
  readonly match: { kind: 'exact'; name: string } | { kind: 'default' } | { kind: 'any' };
}

export class QuotaError extends Error {
  override name = 'QuotaError';
}

/** The stored form of an entity's key: dimensions in a fixed order (0 = absent, null = default). */
export function entityKey(entity: QuotaEntity): string {
  return JSON.stringify([
    entity.user === undefined ? 0 : entity.user,
    entity.clientId === undefined ? 0 : entity.clientId,
  ]);
}

/** "user=alice, client-id=<default>", for messages and the activity log. */
export function describeEntity(entity: QuotaEntity): string {
  const part = (type: string, value: string | null | undefined) =>
    value === undefined ? [] : [`${type}=${value === null ? '<default>' : value}`];
  return [...part('user', entity.user), ...part('client-id', entity.clientId)].join(', ');
}

/** An entity from Kafka's list of (type, name-or-null) pairs; throws QuotaError on duplicates or unknown types. */
export function entityFromParts(parts: ReadonlyArray<{ entityType: string; entityName: string | null }>): QuotaEntity {
  if (parts.length === 0) throw new QuotaError('a quota entity names a user, a client id, or both');
  let user: string | null | undefined;
  let clientId: string | null | undefined;
  for (const { entityType, entityName } of parts) {
    if (entityName !== null && (entityName.length === 0 || entityName.length > 1024))
      throw new QuotaError(`a ${entityType} name must be 1 to 1024 characters`);
    if (entityType === 'user') {
      if (user !== undefined) throw new QuotaError('the entity names the user twice');
      user = entityName;
    } else if (entityType === 'client-id') {
      if (clientId !== undefined) throw new QuotaError('the entity names the client id twice');
      clientId = entityName;
    } else throw new QuotaError(`unknown quota entity type "${entityType}" (known: ${ENTITY_TYPES.join(', ')})`);
  }
  return Object.freeze({ ...(user !== undefined ? { user } : {}), ...(clientId !== undefined ? { clientId } : {}) });
}

/** Kafka's list of (type, name-or-null) pairs of an entity. */
export function entityParts(entity: QuotaEntity): Array<{ entityType: EntityType; entityName: string | null }> {
  return [
    ...(entity.user !== undefined ? [{ entityType: 'user' as const, entityName: entity.user }] : []),
    ...(entity.clientId !== undefined ? [{ entityType: 'client-id' as const, entityName: entity.clientId }] : []),
  ];
}

export function checkQuotaKey(key: string): QuotaKey {
  if (!(QUOTA_KEYS as readonly string[]).includes(key))
    throw new QuotaError(`unknown quota "${key}" (known: ${QUOTA_KEYS.join(', ')})`);
  return key as QuotaKey;
}

export function checkQuotaValue(key: string, value: number): number {
  if (key === 'request_percentage') {
    if (!Number.isFinite(value) || value <= 0)
      throw new QuotaError(`request_percentage must be a number of percent above 0 (got ${value})`);
    return value;
  }
  if (!Number.isSafeInteger(value) || value < 1)
    throw new QuotaError(
      `${key} must be a whole number of ${key === 'request_rate' ? 'requests' : 'bytes'} per second, at least 1 (got ${value})`,
    );
  return value;
}
