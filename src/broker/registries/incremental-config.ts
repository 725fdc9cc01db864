// IncrementalAlterConfigs' operations on one topic, turned into AlterConfigs' change map (a value per key
// set, null per key reverted), which the topic registry (or the cluster) then validates and applies like
// any AlterConfigs: SET a value, DELETE the override, APPEND to / SUBTRACT from a list-valued key's
// current value (override or inherited). Kafka's rules: one operation per key, SET/APPEND/SUBTRACT need a
// value, APPEND/SUBTRACT only on list keys.
import { isTopicConfigKey, LIST_CONFIG_KEYS, PARTITIONS_KEY, TopicConfigError } from './topic-config.js';

export type ConfigOperation = 'set' | 'delete' | 'append' | 'subtract';

export interface ConfigOperationEntry {
  name: string;
  operation: ConfigOperation;
  value: string | null;
}

/** The request is malformed (INVALID_REQUEST), not a bad config value. */
export class ConfigOperationError extends Error {
  override name = 'ConfigOperationError';
}

/**
 * The change map for `operations`; `current(name)` is the key's value now (override or inherited). Throws
 * ConfigOperationError (malformed) or TopicConfigError (unknown key, APPEND/SUBTRACT on a non-list key).
 */
export function changesOf(
  operations: readonly ConfigOperationEntry[],
  current: (name: string) => string,
): Record<string, string | null> {
  const changes: Record<string, string | null> = {};
  const seen = new Set<string>();
  for (const { name, operation, value } of operations) {
    if (seen.has(name)) throw new ConfigOperationError(`config key "${name}" is named more than once`);
    seen.add(name);
    if (name === PARTITIONS_KEY)
      throw new TopicConfigError('partitions cannot be changed by IncrementalAlterConfigs; use CreatePartitions');
    if (!isTopicConfigKey(name)) throw new TopicConfigError(`unknown topic config "${name}"`);
    if (operation === 'delete') {
      changes[name] = null;
      continue;
    }
    if (value === null) throw new ConfigOperationError(`${operation.toUpperCase()} of "${name}" needs a value`);
    if (operation === 'set') {
      changes[name] = value;
      continue;
    }
    if (!LIST_CONFIG_KEYS.has(name))
      throw new TopicConfigError(
        `${operation.toUpperCase()} is only for list-valued configs (${[...LIST_CONFIG_KEYS].join(', ')}), not "${name}"`,
      );
    const items = listOf(current(name));
    const given = listOf(value);
    const next =
      operation === 'append'
        ? [...items, ...given.filter((item) => !items.includes(item))]
        : items.filter((item) => !given.includes(item));
    if (next.length === 0) throw new TopicConfigError(`SUBTRACT would leave "${name}" empty`);
    changes[name] = next.join(',');
  }
  return changes;
}

function listOf(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}
