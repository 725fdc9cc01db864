// Where the registries' domain errors (registries/errors.ts) become wire error codes.
import type { ErrorName } from '../../protocol/index.js';
import type { TopicProblem } from '../registries/errors.js';

export const TOPIC_PROBLEM_CODES: Readonly<Record<TopicProblem, ErrorName>> = {
  'unknown-topic': 'UNKNOWN_TOPIC_OR_PARTITION',
  'invalid-name': 'INVALID_TOPIC_EXCEPTION',
  exists: 'TOPIC_ALREADY_EXISTS',
  'invalid-partitions': 'INVALID_PARTITIONS',
  'invalid-config': 'INVALID_CONFIG',
};
