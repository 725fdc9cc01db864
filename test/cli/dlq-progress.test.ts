// What `sluice dlq requeue` remembers per DLQ partition: a committed offset plus the requeued offsets above
// it (left behind by a filter), within Kafka's 4096 bytes of commit metadata.
import { describe, expect, it } from 'vitest';
import { METADATA_BUDGET, RequeueProgress } from '../../cli/commands/dlq-progress.js';

describe('requeue progress', () => {
  it('moves the committed offset over contiguous moves and names the scattered ones', () => {
    const p = RequeueProgress.fromCommit(-1, null, 0);
    for (const offset of [0, 1, 3, 4, 7]) expect(p.add(offset)).toBe(true);
    expect(p.committed).toBe(2);
    expect(p.metadata).toBe('requeued:3-4,7');
    expect([1, 2, 3, 5, 7].map((o) => p.has(o))).toEqual([true, false, true, false, true]);
    expect(p.notRequeuedIn(0, 10)).toBe(5); // 2, 5, 6, 8, 9
    p.add(2);
    expect(p.committed).toBe(5);
    expect(p.metadata).toBe('requeued:7');
  });

  it('reads its own commits back, ignoring what is below the log start or malformed', () => {
    const p = RequeueProgress.fromCommit(10, 'requeued:3-4,12-13,x,20', 11);
    expect(p.committed).toBe(11);
    expect(p.metadata).toBe('requeued:12-13,20');
    expect(RequeueProgress.fromCommit(5, 'requeued:5-8', 0).committed).toBe(9);
    expect(RequeueProgress.fromCommit(-1, 'someone else', 4).metadata).toBe('requeued:');
  });

  it('refuses a move whose record would not fit in the commit metadata', () => {
    const p = RequeueProgress.fromCommit(0, null, 0);
    let offset = 1;
    while (p.add(offset)) offset += 2;
    expect(Buffer.byteLength(p.metadata)).toBeLessThanOrEqual(METADATA_BUDGET);
    expect(p.has(offset)).toBe(false);
    expect(p.add(0)).toBe(true); // filling the first gap moves the committed offset and shrinks the metadata
    expect(p.committed).toBe(2);
  });
});
