// The fields of a client-quota entity, shared by DescribeClientQuotas and AlterClientQuotas: Kafka's
// (entity type, name) pairs, a nil name meaning the default entity of that type.
import { oneOf, string, struct } from '../schema.js';

export const QUOTA_ENTITY_TYPES = ['user', 'client-id'] as const;

/** One dimension of an entity: a user or a client id, by name, or nil for the default. */
export const quotaEntityPart = () =>
  struct({
    entityType: oneOf(QUOTA_ENTITY_TYPES),
    entityName: string({ maxLength: 1024, nullableVersions: '0+', doc: 'nil: the default entity of this type' }),
  });
