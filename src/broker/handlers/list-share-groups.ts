// ListShareGroups: every share group, its state and member count.
import { ListShareGroupsApi } from '../../protocol/index.js';
import { defineHandler } from './types.js';

export const listShareGroupsHandler = defineHandler(ListShareGroupsApi, (_request, broker) => ({
  errorCode: 0,
  errorMessage: null,
  groups: broker.shares.list(),
}));
