// DescribeClientQuotas (48): the quota entities matching a filter, with their values. v1 is flexible.
// Match types: 0 exact name, 1 the default entity, 2 any named entity.
import { api } from '../api.js';
import { array, bool, float64, int8, int16, int32, message, string, struct } from '../schema.js';

const entityPart = () => struct({ entityType: string(), entityName: string({ nullableVersions: '0+' }) });

export const DescribeClientQuotasRequest = message({
  name: 'DescribeClientQuotasRequest',
  type: 'request',
  apiKey: 48,
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: {
    components: array(struct({ entityType: string(), matchType: int8(), match: string({ nullableVersions: '0+' }) })),
    strict: bool(),
  },
});

export const DescribeClientQuotasResponse = message({
  name: 'DescribeClientQuotasResponse',
  type: 'response',
  apiKey: 48,
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: string({ nullableVersions: '0+' }),
    entries: array(
      struct({ entity: array(entityPart()), values: array(struct({ key: string(), value: float64() })) }),
      { nullableVersions: '0+' },
    ),
  },
});

export const DescribeClientQuotas = api({
  key: 48,
  name: 'DescribeClientQuotas',
  request: DescribeClientQuotasRequest,
  response: DescribeClientQuotasResponse,
  served: '0-1',
  why: 'kafka-configs.sh and confluent-kafka-python send v0-1',
});
