// DescribeClientQuotas: the quota entities a filter matches, with their values (Kafka's API 48).
import { ApiKey, defineApi } from '../api-keys.js';
import { array, bool, message, type MessageValue, number, oneOf, string, struct } from '../schema.js';
import { errorCode, errorMessage, throttleTimeMs } from './fields.js';
import { QUOTA_ENTITY_TYPES, quotaEntityPart } from './quota-fields.js';

export const DescribeClientQuotasRequestDef = message({
  name: 'DescribeClientQuotasRequest',
  type: 'request',
  apiKey: ApiKey.DescribeClientQuotas,
  validVersions: '0',
  fields: {
    components: array(
      struct({
        entityType: oneOf(QUOTA_ENTITY_TYPES),
        matchType: oneOf(['exact', 'default', 'any'], { doc: 'any: every named (non-default) entity of the type' }),
        match: string({ maxLength: 1024, nullableVersions: '0+', doc: 'the name, for matchType exact' }),
      }),
      { maxItems: 2 },
    ),
    strict: bool({ default: false, doc: 'true: only entities with no dimension beyond the components' }),
  },
});

export const DescribeClientQuotasResponseDef = message({
  name: 'DescribeClientQuotasResponse',
  type: 'response',
  apiKey: ApiKey.DescribeClientQuotas,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    errorCode: errorCode(),
    errorMessage: errorMessage(),
    entries: array(
      struct({
        entity: array(quotaEntityPart()),
        values: array(struct({ key: string(), value: number() })),
      }),
    ),
  },
});

export type DescribeClientQuotasRequest = MessageValue<typeof DescribeClientQuotasRequestDef>;
export type DescribeClientQuotasResponse = MessageValue<typeof DescribeClientQuotasResponseDef>;

export const DescribeClientQuotasApi = defineApi({
  key: ApiKey.DescribeClientQuotas,
  name: 'DescribeClientQuotas',
  request: DescribeClientQuotasRequestDef,
  response: DescribeClientQuotasResponseDef,
});
