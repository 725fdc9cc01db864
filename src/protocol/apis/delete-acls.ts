// DeleteAcls: removes every ACL binding each filter matches; per filter, the bindings it removed.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, message, type MessageValue, struct } from '../schema.js';
import { aclBinding, aclFilter } from './acl-fields.js';
import { errorCode, errorMessage, throttleTimeMs } from './fields.js';

export const DeleteAclsRequestDef = message({
  name: 'DeleteAclsRequest',
  type: 'request',
  apiKey: ApiKey.DeleteAcls,
  validVersions: '0',
  fields: { filters: array(aclFilter(), { maxItems: 10_000 }) },
});

export const DeleteAclsResponseDef = message({
  name: 'DeleteAclsResponse',
  type: 'response',
  apiKey: ApiKey.DeleteAcls,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    results: array(struct({ errorCode: errorCode(), errorMessage: errorMessage(), deleted: array(aclBinding()) })),
  },
});

export type DeleteAclsRequest = MessageValue<typeof DeleteAclsRequestDef>;
export type DeleteAclsResponse = MessageValue<typeof DeleteAclsResponseDef>;

export const DeleteAclsApi = defineApi({
  key: ApiKey.DeleteAcls,
  name: 'DeleteAcls',
  request: DeleteAclsRequestDef,
  response: DeleteAclsResponseDef,
});
