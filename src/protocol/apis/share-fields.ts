// Fields the share-group APIs declare alike.
import { int, string } from '../schema.js';

/** The most records one ShareFetch hands out and one ShareAcknowledge settles. */
export const SHARE_MAX_RECORDS = 10_000;
/** A failure message or reject reason is cut to this many characters. */
export const SHARE_ERROR_MESSAGE_MAX = 64 * 1024;

export const shareMemberId = () => string({ maxLength: 64, default: '' });
export const shareOffset = () => int({ min: 0 });
