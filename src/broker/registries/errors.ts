// The registries' domain errors. They say what is wrong in the registries' own terms; handlers alone turn
// them into wire codes (handlers/domain-errors.ts), as they do storage's errors (handlers/storage-errors.ts).

/** What is wrong with a topic operation. */
export type TopicProblem =
  /** The topic does not exist. */
  | 'unknown-topic'
  /** The name is not a valid topic name, or is reserved (an internal topic). */
  | 'invalid-name'
  /** A topic of that name exists (or is still being deleted). */
  | 'exists'
  /** A partition count out of range, or not more than the topic has. */
  | 'invalid-partitions'
  /** A topic config key or value is refused (registries/topic-config.ts). */
  | 'invalid-config';

/** A registry's error: what went wrong (`problem`, one of that registry's problems) and a sentence. */
abstract class RegistryError<Problem extends string> extends Error {
  constructor(
    readonly problem: Problem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class TopicError extends RegistryError<TopicProblem> {
  override name = 'TopicError';
}

/** Why no producer id could be handed out. */
export type ProducerIdProblem =
  /** Cluster mode: the cluster's block source (etcd) could not reserve a block now; asking again may work. */
  | 'blocks-unavailable'
  /** This data directory's producer id mark could not be read or written. */
  | 'storage-failed';

export class ProducerIdError extends RegistryError<ProducerIdProblem> {
  override name = 'ProducerIdError';
}
