// AlterClientQuotas: sets or removes quota values per entity; one result per entry, in request order (a bad
// entry fails alone). Kafka's API 49.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, bool, message, type MessageValue, number, string, struct } from '../schema.js';
import { errorCode, errorMessage, throttleTimeMs } from './fields.js';
import { quotaEntityPart } from './quota-fields.js';

export const AlterClientQuotasRequestDef = message({
  name: 'AlterClientQuotasRequest',
  type: 'request',
  apiKey: ApiKey.AlterClientQuotas,
  validVersions: '0',
  fields: {
    entries: array(
      struct({
        entity: array(quotaEntityPart(), { maxItems: 2 }),
        ops: array(
          struct({
            key: string({
              maxLength: 255,
              doc: 'producer_byte_rate, consumer_byte_rate, request_percentage or request_rate',
            }),
            value: number({ nullableVersions: '0+', doc: 'the new value; nil when removing' }),
            remove: bool({ default: false }),
          }),
          { maxItems: 16 },
        ),
      }),
      { maxItems: 10_000 },
    ),
    validateOnly: bool({ default: false }),
  },
});

export const AlterClientQuotasResponseDef = message({
  name: 'AlterClientQuotasResponse',
  type: 'response',
  apiKey: ApiKey.AlterClientQuotas,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    entries: array(struct({ errorCode: errorCode(), errorMessage: errorMessage(), entity: array(quotaEntityPart()) })),
  },
});

export type AlterClientQuotasRequest = MessageValue<typeof AlterClientQuotasRequestDef>;
export type AlterClientQuotasResponse = MessageValue<typeof AlterClientQuotasResponseDef>;

export const AlterClientQuotasApi = defineApi({
  key: ApiKey.AlterClientQuotas,
  name: 'AlterClientQuotas',
  request: AlterClientQuotasRequestDef,
  response: AlterClientQuotasResponseDef,
});
