// A native-wire ACL filter (nil = any) as the authorizer's AclFilter (absent = any).
import type { DeleteAclsRequest } from '../../../protocol/index.js';
import type { AclFilter } from './types.js';

type WireFilter = DeleteAclsRequest['filters'][number];

export function aclFilterOf(wire: WireFilter): AclFilter {
  const filter: AclFilter = {};
  if (wire.principal !== null) filter.principal = wire.principal;
  if (wire.host !== null) filter.host = wire.host;
  if (wire.resourceType !== null) filter.resourceType = wire.resourceType;
  if (wire.resourceName !== null) filter.resourceName = wire.resourceName;
  if (wire.patternType !== null) filter.patternType = wire.patternType;
  if (wire.operation !== null) filter.operation = wire.operation;
  if (wire.permission !== null) filter.permission = wire.permission;
  return filter;
}
