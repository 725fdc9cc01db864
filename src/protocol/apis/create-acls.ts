// CreateAcls: adds ACL bindings; one result per binding, in request order (a bad one fails alone).
import { ApiKey, defineApi } from '../api-keys.js';
import { array, message, type MessageValue, struct } from '../schema.js';
import { aclBinding } from './acl-fields.js';
import { errorCode, errorMessage, throttleTimeMs } from './fields.js';

export const CreateAclsRequestDef = message({
  name: 'CreateAclsRequest',
  type: 'request',
  apiKey: ApiKey.CreateAcls,
  validVersions: '0',
  fields: { acls: array(aclBinding(), { maxItems: 10_000 }) },
});

export const CreateAclsResponseDef = message({
  name: 'CreateAclsResponse',
  type: 'response',
  apiKey: ApiKey.CreateAcls,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    results: array(struct({ errorCode: errorCode(), errorMessage: errorMessage() })),
  },
});

export type CreateAclsRequest = MessageValue<typeof CreateAclsRequestDef>;
export type CreateAclsResponse = MessageValue<typeof CreateAclsResponseDef>;

export const CreateAclsApi = defineApi({
  key: ApiKey.CreateAcls,
  name: 'CreateAcls',
  request: CreateAclsRequestDef,
  response: CreateAclsResponseDef,
});
