// DescribeAcls: the ACL bindings one filter matches.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, message, type MessageValue } from '../schema.js';
import { aclBinding, aclFilter } from './acl-fields.js';
import { errorCode, errorMessage, throttleTimeMs } from './fields.js';

export const DescribeAclsRequestDef = message({
  name: 'DescribeAclsRequest',
  type: 'request',
  apiKey: ApiKey.DescribeAcls,
  validVersions: '0',
  fields: { filter: aclFilter() },
});

export const DescribeAclsResponseDef = message({
  name: 'DescribeAclsResponse',
  type: 'response',
  apiKey: ApiKey.DescribeAcls,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    errorCode: errorCode(),
    errorMessage: errorMessage(),
    acls: array(aclBinding()),
  },
});

export type DescribeAclsRequest = MessageValue<typeof DescribeAclsRequestDef>;
export type DescribeAclsResponse = MessageValue<typeof DescribeAclsResponseDef>;
export type AclBindingValue = DescribeAclsResponse['acls'][number];

export const DescribeAclsApi = defineApi({
  key: ApiKey.DescribeAcls,
  name: 'DescribeAcls',
  request: DescribeAclsRequestDef,
  response: DescribeAclsResponseDef,
});
