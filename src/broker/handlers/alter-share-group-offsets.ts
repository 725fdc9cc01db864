// AlterShareGroupOffsets: resets an empty share group's start offset on a topic's partitions.
import { AlterShareGroupOffsetsApi } from '../../protocol/index.js';
import { ShareError } from '../share/index.js';
import { shareWireError } from './share-errors.js';
import { defineHandler } from './types.js';

export const alterShareGroupOffsetsHandler = defineHandler(AlterShareGroupOffsetsApi, async (request, broker, ctx) => {
  try {
    if (request.to === 'timestamp' && request.timestamp < 0)
      throw new ShareError('invalid-value', `a reset to a timestamp needs a timestamp ≥ 0, got ${request.timestamp}`);
    const partitions = await broker.shares.resetStartOffset(
      request.groupId,
      request.topic,
      request.partitions,
      request.to === 'timestamp' ? { to: 'timestamp', timestamp: request.timestamp } : { to: request.to },
    );
    return { errorCode: 0, errorMessage: null, partitions };
  } catch (error) {
    return { ...shareWireError(error, `share group "${request.groupId}"`, ctx.logger), partitions: [] };
  }
});
