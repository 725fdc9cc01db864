// Chained fetches (Fetch v1 `chained`): a consumer keeps a second Fetch waiting behind the one in flight,
// so a fetch is parked at the broker again the moment the previous one is answered, without waiting for
// the consumer to read that answer and ask again. A chained request does not know where the previous
// answer ended, so the broker does: per connection, where its latest answered Fetch left each partition
// it asked for.
//
// Order: every Fetch on a connection takes a turn in dispatch order; a chained one waits for the turn
// before it to end (answered, failed, or its connection closed) and then reads each partition from the
// position the latest answer left it at; a partition that answer did not ask for starts at the chained
// request's own fetchOffset. Unchained fetches never wait: a client that pipelines ordinary fetches keeps
// the behaviour it had.
//
// Positions: a partition answered with records continues after its last batch; one answered empty or with
// an error stays where it was asked. A failed request (the handler threw) records nothing, so the next
// chained fetch continues from the answer before it: the client, which drops the failed one, is there too.
// The latest answer's positions are kept as the array the read made (no per-partition work per answer);
// a chained request asking for the same partitions in the same order, as the SDK does, matches them by index.
import type { FetchRequest } from '../../protocol/index.js';
import { partitionKey } from '../partition-key.js';

/** Where an answer left one partition it asked for. */
export interface FetchPosition {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read. */
  offset: number;
}

/** One Fetch's place in its connection's order. */
export interface FetchTurn {
  /** Resolves when the previous Fetch of the connection has ended. */
  readonly previous: Promise<void>;
  /** Ends this turn (always, answered or not): the next chained fetch may start. */
  end(): void;
}

export class FetchChain {
  #tail: Promise<void> = Promise.resolve();
  #latest: readonly FetchPosition[] = [];

  /** Takes the next turn. */
  enter(): FetchTurn {
    const previous = this.#tail;
    let end!: () => void;
    this.#tail = new Promise<void>((resolve) => {
      end = resolve;
    });
    return { previous, end };
  }

  /** Notes where an answered fetch left the partitions it asked for (in request order). */
  answered(positions: readonly FetchPosition[]): void {
    this.#latest = positions;
  }

  /** Rewrites a chained request's offsets to where the latest answer left them. */
  continueFrom(request: FetchRequest): void {
    const latest = this.#latest;
    let byKey: Map<string, number> | undefined;
    let i = 0;
    for (const t of request.topics) {
      for (const p of t.partitions) {
        const same = latest[i++];
        if (same && same.topic === t.name && same.partition === p.partition) {
          p.fetchOffset = same.offset;
          continue;
        }
        byKey ??= new Map(latest.map((l) => [partitionKey(l.topic, l.partition), l.offset]));
        const offset = byKey.get(partitionKey(t.name, p.partition));
        if (offset !== undefined) p.fetchOffset = offset;
      }
    }
  }
}
