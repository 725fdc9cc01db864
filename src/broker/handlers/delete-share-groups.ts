// DeleteShareGroups: share groups without members, with their state.
import { DeleteShareGroupsApi } from '../../protocol/index.js';
import { shareWireError } from './share-errors.js';
import { defineHandler } from './types.js';

export const deleteShareGroupsHandler = defineHandler(DeleteShareGroupsApi, async (request, broker, ctx) => {
  const results = [];
  for (const groupId of request.groupIds) {
    try {
      await broker.shares.delete(groupId);
      results.push({ groupId, errorCode: 0, errorMessage: null });
    } catch (error) {
      results.push({ groupId, ...shareWireError(error, `share group "${groupId}"`, ctx.logger) });
    }
  }
  return { results };
});
