// The share-group handlers, registered as one entry in BROKER_HANDLERS (handlers/index.ts).
import { alterShareGroupOffsetsHandler } from './alter-share-group-offsets.js';
import { deleteShareGroupsHandler } from './delete-share-groups.js';
import { listShareGroupsHandler } from './list-share-groups.js';
import { shareAcknowledgeHandler } from './share-acknowledge.js';
import { shareFetchHandler } from './share-fetch.js';
import { shareGroupDescribeHandler } from './share-group-describe.js';
import { shareGroupHeartbeatHandler } from './share-group-heartbeat.js';
import type { Handler } from './types.js';

export const SHARE_HANDLERS: readonly Handler[] = [
  shareGroupHeartbeatHandler,
  shareGroupDescribeHandler,
  shareFetchHandler,
  shareAcknowledgeHandler,
  alterShareGroupOffsetsHandler,
  listShareGroupsHandler,
  deleteShareGroupsHandler,
];
