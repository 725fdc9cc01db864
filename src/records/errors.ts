// Error classes of the record codec. Each carries a stable `code` and `retriable` (DESIGN §7).

/** Bytes that are not a valid record batch / record: truncated, over-long varint, bad lengths. */
export class RecordFormatError extends Error {
  override readonly name = 'RecordFormatError';
  readonly code = 'CORRUPT_RECORD';
  readonly retriable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A codec whose optional npm package is not installed, or an unknown codec id. */
export class CompressionError extends Error {
  override readonly name = 'CompressionError';
  readonly retriable = false;
  constructor(
    message: string,
    readonly code:
      | 'COMPRESSION_UNAVAILABLE'
      | 'UNKNOWN_COMPRESSION'
      | 'CORRUPT_COMPRESSED_DATA'
      | 'DECOMPRESSED_TOO_LARGE',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Why a produced batch was refused (batch-validation.ts); the broker's handlers turn it into a wire code:
 *   corrupt                  the bytes do not match their CRC-32C (may be damage in transit: retriable)
 *   invalid                  bytes that match their CRC but no consumer could read, or that break a rule
 *   unsupported-compression  a Kafka codec whose optional package is not installed on the broker
 *   invalid-timestamp        a timestamp type or value outside the topic's timestamp policy
 */
export type BatchProblem = 'corrupt' | 'invalid' | 'unsupported-compression' | 'invalid-timestamp';

/** A produced record batch refused before anything was stored. The message names the batch and the fault. */
export class InvalidBatchError extends Error {
  override readonly name = 'InvalidBatchError';
  constructor(
    readonly problem: BatchProblem,
    message: string,
    /** Byte position of the batch in the bytes that were checked. */
    readonly position: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
