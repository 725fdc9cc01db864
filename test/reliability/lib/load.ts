// Load for crash rounds: producers on their own connections, each pipelining produce requests to one
// partition, every value unique ("<tag>-<seq>"). What the broker acknowledged is recorded with its offset,
// so after a crash we can ask: is every acknowledged record there, once, at its offset, in send order?
import { ErrorCode, ProduceApi } from '../../../src/protocol/index.js';
import { batchOf } from '../../helpers/broker.js';
import { WireClient } from '../../helpers/wire-client.js';
import type { Rng } from './rng.js';

export interface Acked {
  offset: number;
  value: string;
}

export interface ProducerRun {
  tag: string;
  partition: number;
  /** Records acknowledged (errorCode 0), in acknowledgement order. */
  acked: Acked[];
  /** Records sent, acknowledged or not. */
  sent: number;
  /** Produce responses with an error code (retriable errors count here too). */
  errors: Map<number, number>;
}

export interface LoadOptions {
  port: number;
  topic: string;
  partitions: number;
  producers: number;
  /** Tag prefix, unique per round (values are "<prefix>p<i>-<seq>"). */
  prefix: string;
  acks: -1 | 1 | 0;
  /** Requests each producer keeps in flight on its connection. */
  pipeline: number;
  rng: Rng;
  /** Records per batch: 1..maxBatch. */
  maxBatch?: number;
  /** Bytes of padding per value (exercises segment rolls). */
  padding?: number;
}

export interface Load {
  runs: ProducerRun[];
  /** Ask every producer to stop sending; resolves when all have finished (or lost their connection). */
  stop(): Promise<void>;
  /** Resolves when all producers ended by themselves (their connections died). */
  done: Promise<void>;
}

export function startLoad(options: LoadOptions): Load {
  let stopping = false;
  const runs: ProducerRun[] = [];
  const tasks: Promise<void>[] = [];
  for (let i = 0; i < options.producers; i++) {
    const run: ProducerRun = {
      tag: `${options.prefix}p${i}`,
      partition: i % options.partitions,
      acked: [],
      sent: 0,
      errors: new Map(),
    };
    runs.push(run);
    tasks.push(produceLoop(run, options, () => stopping));
  }
  const done = Promise.all(tasks).then(() => undefined);
  return {
    runs,
    done,
    stop() {
      stopping = true;
      return done;
    },
  };
}

async function produceLoop(run: ProducerRun, o: LoadOptions, stopping: () => boolean): Promise<void> {
  let client: WireClient;
  try {
    client = await WireClient.connect(o.port);
  } catch {
    return;
  }
  const pad = 'x'.repeat(o.padding ?? 0);
  let seq = 0;
  let broken = false;
  const inFlight = new Set<Promise<void>>();
  const sendOne = async () => {
    const count = o.rng.int(1, o.maxBatch ?? 4);
    const vals = Array.from({ length: count }, () => `${run.tag}-${seq++}`);
    run.sent += count;
    const records = batchOf(pad ? vals.map((v) => `${v}|${pad}`) : vals);
    if (o.acks === 0) {
      client.sendOneWay(
        ProduceApi.key,
        ProduceApi.encodeRequest({
          acks: 0,
          timeoutMs: 5000,
          topics: [{ name: o.topic, partitions: [{ partition: run.partition, records }] }],
        }).body,
        [records],
      );
      return;
    }
    try {
      const res = await client.request(ProduceApi, {
        acks: o.acks,
        timeoutMs: 5000,
        topics: [{ name: o.topic, partitions: [{ partition: run.partition, records }] }],
      });
      const p = res.topics[0]!.partitions[0]!;
      if (p.errorCode === ErrorCode.NONE)
        vals.forEach((value, k) => {
          run.acked.push({ offset: p.baseOffset + k, value });
        });
      else run.errors.set(p.errorCode, (run.errors.get(p.errorCode) ?? 0) + 1);
    } catch {
      broken = true; // the connection died with the broker: this request was never acknowledged
    }
  };
  while (!stopping() && !broken && !client.isClosed) {
    const p = sendOne().finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= o.pipeline) await Promise.race(inFlight);
    else if (o.acks === 0) await new Promise((r) => setImmediate(r));
  }
  await Promise.all(inFlight);
  client.destroy();
}

/** "r3p1-17" → { tag: "r3p1", seq: 17 }; padding after "|" is ignored. */
export function parseValue(value: string): { tag: string; seq: number } {
  const bare = value.split('|')[0]!;
  const dash = bare.lastIndexOf('-');
  return { tag: bare.slice(0, dash), seq: Number(bare.slice(dash + 1)) };
}
