// SyncGroup: followers wait for the leader's assignment; the leader's request delivers it.
import { SyncGroupApi } from '../../protocol/index.js';
import { syncResponse } from './group-answers.js';
import { defineHandler } from './types.js';

export const syncGroupHandler = defineHandler(SyncGroupApi, (request, broker) =>
  broker.groups.sync(request).then(syncResponse),
);
