// A bind failure of the Kafka listener's port, told apart from the native listener's: `sluice serve`
// starts without the Kafka listener when its default port (9092) is taken (cli/serve-run.ts).

export class KafkaListenError extends Error {
  override name = 'KafkaListenError';
  constructor(
    message: string,
    /** The errno code of the failed bind, e.g. EADDRINUSE. */
    readonly code: string | undefined,
    override readonly cause: unknown,
  ) {
    super(message);
  }
}
