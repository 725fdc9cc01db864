// Domain errors of share groups; handlers alone turn them into wire codes (handlers/share-errors.ts).

export type ShareProblem =
  /** The record is not acquired by this member (never delivered to it, settled, or its lock expired). */
  | 'not-held'
  /** The member id is not (or no longer) a member of the group: it left, or its session expired. */
  | 'unknown-member'
  | 'unknown-group'
  /** The group still has members (delete, reset). */
  | 'group-not-empty'
  | 'unknown-topic'
  /** A value out of its documented range. */
  | 'invalid-value';

export class ShareError extends Error {
  override name = 'ShareError';
  constructor(
    readonly problem: ShareProblem,
    message: string,
  ) {
    super(message);
  }
}
