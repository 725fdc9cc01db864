// IncrementalAlterConfigs (v0-1): Kafka's operation numbers (0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT) onto the
// native door's handler (handlers/incremental-alter-configs.ts); resource types other than topic (2) and
// broker (4), and unknown operations, are answered per resource.
import { IncrementalAlterConfigs } from '../../../protocol/kafka/index.js';
import { type ConfigOperation, ErrorCode, type IncrementalAlterConfigsResource } from '../../../protocol/index.js';
import { incrementalAlterConfigsHandler } from '../../handlers/incremental-alter-configs.js';
import { kafkaHandler, nativeAnswer } from '../handler.js';
import { resourceType, UNSUPPORTED_RESOURCE } from './config-resources.js';

const OPERATIONS: readonly ConfigOperation[] = ['set', 'delete', 'append', 'subtract'];

export const kafkaIncrementalAlterConfigsHandler = kafkaHandler(
  IncrementalAlterConfigs,
  async (request, broker, ctx) => {
    const known: IncrementalAlterConfigsResource[] = [];
    const refused = new Map<number, { errorCode: number; errorMessage: string }>();
    for (const [i, r] of request.resources.entries()) {
      const type = resourceType(r.resourceType);
      if (!type) {
        refused.set(i, UNSUPPORTED_RESOURCE);
        continue;
      }
      const unknown = r.configs.find((c) => OPERATIONS[c.configOperation] === undefined);
      if (unknown) {
        refused.set(i, {
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: `unknown config operation ${unknown.configOperation} for "${unknown.name}" (0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT)`,
        });
        continue;
      }
      known.push({
        type,
        name: r.resourceName,
        configs: r.configs.map((c) => ({ name: c.name, operation: OPERATIONS[c.configOperation]!, value: c.value })),
      });
    }
    const native = await nativeAnswer(
      incrementalAlterConfigsHandler,
      { resources: known, validateOnly: request.validateOnly },
      broker,
      ctx,
    );
    let next = 0;
    return {
      throttleTimeMs: 0,
      responses: request.resources.map((r, i) => {
        const base = { resourceType: r.resourceType, resourceName: r.resourceName };
        const refusal = refused.get(i);
        if (refusal) return { ...base, ...refusal };
        const altered = native.resources[next++]!;
        return { ...base, errorCode: altered.errorCode, errorMessage: altered.errorMessage };
      }),
    };
  },
);
