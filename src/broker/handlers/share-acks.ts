// The acknowledgements a ShareAcknowledge or ShareFetch request carries, as the share coordinator takes them.
import type { ShareAcknowledgeRequest } from '../../protocol/index.js';
import type { AckEntry } from '../share/index.js';

/**
 * Field by field, not `{ ...ack, error }`: in Node 20 copies of that shape (a spread with a field added) outlive
 * scavenges, and a request carries one per acknowledged range.
 */
export function ackEntriesOf(acks: ShareAcknowledgeRequest['acks']): AckEntry[] {
  return acks.map((a) => ({
    topic: a.topic,
    partition: a.partition,
    offset: a.offset,
    lastOffset: a.lastOffset,
    type: a.type,
    error: a.errorMessage,
  }));
}
