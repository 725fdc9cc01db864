// AlterClientQuotas (49): sets or removes quota values per entity, one result per entry. v1 is flexible.
import { api } from '../api.js';
import { array, bool, float64, int16, int32, message, string, struct } from '../schema.js';

const entityPart = () => struct({ entityType: string(), entityName: string({ nullableVersions: '0+' }) });

export const AlterClientQuotasRequest = message({
  name: 'AlterClientQuotasRequest',
  type: 'request',
  apiKey: 49,
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: {
    entries: array(
      struct({
        entity: array(entityPart()),
        ops: array(struct({ key: string(), value: float64(), remove: bool() })),
      }),
    ),
    validateOnly: bool(),
  },
});

export const AlterClientQuotasResponse = message({
  name: 'AlterClientQuotasResponse',
  type: 'response',
  apiKey: 49,
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: {
    throttleTimeMs: int32(),
    entries: array(
      struct({ errorCode: int16(), errorMessage: string({ nullableVersions: '0+' }), entity: array(entityPart()) }),
    ),
  },
});

export const AlterClientQuotas = api({
  key: 49,
  name: 'AlterClientQuotas',
  request: AlterClientQuotasRequest,
  response: AlterClientQuotasResponse,
  served: '0-1',
  why: 'kafka-configs.sh and confluent-kafka-python send v0-1',
});
