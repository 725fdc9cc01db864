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
    readonly code: 'COMPRESSION_UNAVAILABLE' | 'UNKNOWN_COMPRESSION' | 'CORRUPT_COMPRESSED_DATA',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
