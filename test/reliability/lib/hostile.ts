// Hostile clients for a live broker: a mutation fuzzer over valid frames of every API, and probes of a
// child broker's memory and descriptors (/proc/<pid>/status VmRSS, /proc/<pid>/fd).
import { readdir, readFile } from 'node:fs/promises';
import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import {
  ALL_APIS,
  ApiVersionsApi,
  apiByKey,
  decodeRequestPayload,
  encodeRequestFrame,
  FrameDecoder,
} from '../../../src/protocol/index.js';
import { EXAMPLES } from '../../protocol/examples.js';
import { WireClient } from '../../helpers/wire-client.js';
import type { Rng } from './rng.js';

/** Resident set size of a process in bytes. */
export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1]);
  return kb * 1024;
}

export async function fdCount(pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`)).length;
}

/** Polls `check` (an external process's state) until it returns true or the deadline passes. */
export async function until(
  check: () => Promise<boolean> | boolean,
  deadlineMs: number,
  everyMs = 50,
): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const concat = (chunks: Buffer[]) => Buffer.concat(chunks);

/** One valid request frame of every API (the protocol tests' examples), with a record batch for Produce. */
export function validFrames(correlationId: () => number): Buffer[] {
  return ALL_APIS.filter((api) => EXAMPLES[api.key] !== undefined).map((api) => {
    const { body, tail } = api.encodeRequest(EXAMPLES[api.key]!.request as never);
    return concat(
      encodeRequestFrame(
        { apiKey: api.key, apiVersion: api.maxVersion, correlationId: correlationId(), clientId: 'fuzz' },
        body,
        tail,
      ),
    );
  });
}

/** A frame whose msgpack document is well-formed but whose header/body hold whatever `value` is. */
function frameOfDocument(doc: unknown, tail: Buffer = Buffer.alloc(0)): Buffer {
  const bytes = Buffer.from(encode(doc, { ignoreUndefined: true }));
  const head = Buffer.alloc(8);
  head.writeUInt32BE(4 + bytes.length + tail.length, 0);
  head.writeUInt32BE(bytes.length, 4);
  return Buffer.concat([head, bytes, tail]);
}

/** A frame around raw msgpack document bytes (for documents no encoder would write). */
function frameOfBytes(doc: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(4 + doc.length, 0);
  head.writeUInt32BE(doc.length, 4);
  return Buffer.concat([head, doc]);
}

/**
 * A header that is expensive to decode: nested arrays/maps from a few levels to a million deep (below,
 * at and past the broker's limit of 32), a collection of hundreds of thousands of values, or one claiming
 * billions; either as a request's body (the header names its correlationId first) or as the whole header.
 * `framed`: only what the broker answers with an error and survives (a body in a well-formed document).
 */
function costlyHeader(random: Rng, correlationId: number, framed: boolean): Buffer {
  const depth = random.pick([1, random.int(2, 30), random.int(30, 34), 100, random.int(1000, 100_000), 1_000_000]);
  const level = random.pick([[0x91], [0x81, 0xa1, 0x6b]]); // [x] or {k: x}
  let inner: Buffer;
  switch (framed ? random.pick([0, 1, 3]) : random.int(0, 3)) {
    case 0:
      inner = Buffer.concat([Buffer.alloc(depth * level.length).fill(Buffer.from(level)), Buffer.from([0xc0])]);
      break;
    case 1: {
      const count = random.pick([1000, 65_535, 200_000]);
      const one = random.pick([[0x80], [0x90], [0x00], [0xa1, 0x78]]);
      const head = Buffer.from([0xdd, 0, 0, 0, 0]);
      head.writeUInt32BE(count, 1);
      inner = Buffer.concat([head, Buffer.alloc(count * one.length).fill(Buffer.from(one))]);
      break;
    }
    case 2:
      inner = Buffer.from([random.pick([0xdd, 0xdf]), 0xff, 0xff, 0xff, 0xff, 0xc0, 0xc0]); // claims 4 billion
      break;
    default:
      inner = Buffer.from(encode({ topics: [{ name: 'fuzzed', partitions: [{ partition: 0, replicas: [[[0]]] }] }] }));
  }
  if (!framed && random.int(0, 3) === 0) return frameOfBytes(inner);
  const header = Buffer.from(
    encode({ apiKey: random.pick(ALL_APIS).key, apiVersion: 0, correlationId, clientId: 'fuzz' }),
  );
  header[0]! += 1; // one more entry in the header map: body
  return frameOfBytes(Buffer.concat([header, Buffer.from(encode('body')), inner]));
}

export type Mutation = 'flip' | 'truncate' | 'length' | 'body' | 'header' | 'costly' | 'tail' | 'valid';

/**
 * One connection's worth: `framed` mutations that keep frame boundaries, then one of any kind (which
 * may break the framing and get the connection closed).
 */
export function fuzzConnection(
  random: Rng,
  framed: number,
  nextId: () => number,
): { frames: Buffer[]; kinds: Record<Mutation, number> } {
  const a = fuzzFrames(random, framed, nextId, { framed: true });
  const b = fuzzFrames(random, 1, nextId);
  for (const k of Object.keys(a.kinds) as Mutation[]) a.kinds[k] += b.kinds[k];
  return { frames: [...a.frames, ...b.frames], kinds: a.kinds };
}

/**
 * Produces `count` frames: valid ones mutated by one of the Mutations. Random msgpack values come from
 * fast-check's `anything` (nested objects, arrays, strings, numbers, null, __proto__ keys, …).
 */
export function fuzzFrames(
  random: Rng,
  count: number,
  nextId: () => number,
  options: { framed?: boolean } = {},
): { frames: Buffer[]; kinds: Record<Mutation, number> } {
  const values = fc.sample(
    fc.anything({ maxDepth: 3, withBigInt: false, withTypedArray: true, withNullPrototype: true }),
    { seed: random.int(0, 2 ** 31 - 1), numRuns: count },
  );
  const kinds: Record<Mutation, number> = {
    flip: 0,
    truncate: 0,
    length: 0,
    body: 0,
    header: 0,
    costly: 0,
    tail: 0,
    valid: 0,
  };
  const frames: Buffer[] = [];
  const apiKeys = ALL_APIS.map((a) => a.key);
  for (let i = 0; i < count; i++) {
    const base = random.pick(validFrames(nextId));
    // framed: only mutations that keep the frame boundaries (the connection should survive them).
    const kind = options.framed
      ? random.pick<Mutation>(['flip', 'body', 'body', 'header', 'costly', 'tail', 'valid'])
      : random.pick<Mutation>([
          'flip',
          'flip',
          'truncate',
          'length',
          'body',
          'body',
          'header',
          'costly',
          'tail',
          'valid',
        ]);
    kinds[kind]++;
    const value = values[i];
    let frame: Buffer;
    switch (kind) {
      case 'flip': {
        frame = Buffer.from(base);
        // Framed flips spare the two length fields (bytes 0..7) and hit the msgpack document and tail.
        for (let n = random.int(1, 6); n > 0; n--)
          frame[random.int(options.framed ? 8 : 4, frame.length - 1)]! ^= 1 << random.int(0, 7);
        break;
      }
      case 'truncate':
        frame = base.subarray(0, random.int(1, base.length - 1));
        break;
      case 'length': {
        frame = Buffer.from(base);
        frame.writeUInt32BE(
          random.pick([
            0,
            1,
            3,
            4,
            5,
            base.length - 4 - random.int(1, 8),
            base.length + random.int(1, 64),
            0x7fffffff,
            0xffffffff,
          ]) >>> 0,
          0,
        );
        break;
      }
      case 'body':
        frame = frameOfDocument({
          apiKey: random.pick(apiKeys),
          apiVersion: 0,
          correlationId: nextId(),
          clientId: 'fuzz',
          body: value,
        });
        break;
      case 'header':
        frame = frameOfDocument(
          random.int(0, 1)
            ? value
            : {
                apiKey: value,
                apiVersion: random.pick([value, -1, 99, 0]),
                correlationId: random.pick([value, -5, 2 ** 40, nextId()]),
                clientId: value,
                body: {},
              },
        );
        break;
      case 'costly':
        frame = costlyHeader(random, nextId(), options.framed ?? false);
        break;
      case 'tail': {
        // A produce whose stated record bytes disagree with the tail, or whose batch bytes are garbage.
        const garbage = Buffer.from(Array.from({ length: random.int(0, 300) }, () => random.int(0, 255)));
        frame = frameOfDocument(
          {
            apiKey: 0,
            apiVersion: 0,
            correlationId: nextId(),
            clientId: 'fuzz',
            body: {
              acks: random.pick([-1, 0, 1]),
              timeoutMs: 1000,
              topics: [
                {
                  name: 'fuzzed',
                  partitions: [{ partition: random.int(-1, 2), recordsBytes: garbage.length + random.int(-20, 20) }],
                },
              ],
            },
          },
          garbage,
        );
        break;
      }
      default:
        frame = base;
    }
    frames.push(frame);
  }
  return { frames, kinds };
}

export type Outcome = 'answered' | 'closed' | 'parked' | 'hung';

/**
 * The longest the protocol lets the broker hold a request of these frames before answering: a Fetch
 * long poll (maxWaitMs) or a JoinGroup/SyncGroup parked until the rebalance completes (rebalanceTimeoutMs;
 * members of the shared example group left by other fuzz connections must time out first). 0 = none.
 */
export function parkableMs(frames: Buffer[]): number {
  let longest = 0;
  let payloads: Buffer[];
  try {
    payloads = new FrameDecoder(64 * 1024 * 1024).push(Buffer.concat(frames));
  } catch {
    return 0;
  }
  for (const payload of payloads) {
    try {
      const frame = decodeRequestPayload(payload);
      const api = apiByKey(frame.apiKey);
      if (!api) continue;
      const req = api.decodeRequest(frame.body, frame.tail, frame.apiVersion) as {
        maxWaitMs?: number;
        rebalanceTimeoutMs?: number;
        sessionTimeoutMs?: number;
      };
      if (api.name === 'Fetch') longest = Math.max(longest, req.maxWaitMs ?? 0);
      if (api.name === 'JoinGroup' || api.name === 'SyncGroup')
        longest = Math.max(longest, req.rebalanceTimeoutMs ?? 60_000, req.sessionTimeoutMs ?? 0);
    } catch {
      // not a valid request: answered with an error, never parked
    }
  }
  return longest;
}

/**
 * Sends `frames` on a fresh connection, then an ApiVersions sentinel. Outcome: the sentinel answered
 * (the connection survived), the broker closed the connection (bytes that are not frames, or a stall),
 * or neither within `deadlineMs` — which would be a hung or leaked connection.
 */
export async function sendHostile(port: number, frames: Buffer[], deadlineMs: number): Promise<Outcome> {
  const c = await WireClient.connect(port);
  try {
    c.write(frames);
    let outcome = await sentinel(c, deadlineMs);
    // A mutated length prefix can swallow the sentinel's bytes into its own frame: ask once more.
    if (outcome === 'hung' && !c.isClosed) outcome = await sentinel(c, deadlineMs);
    // Not answered in time, but a request of this connection may legitimately be parked that long.
    if (outcome === 'hung' && parkableMs(frames) >= deadlineMs) return 'parked';
    return outcome;
  } finally {
    c.destroy();
  }
}

/** Sends an ApiVersions request and waits for its answer, the connection's close, or the deadline. */
async function sentinel(c: WireClient, deadlineMs: number): Promise<'answered' | 'closed' | 'hung'> {
  const id = c.newCorrelationId() + 1_000_000_000;
  const answered = c.expect(id).then(
    () => 'answered' as const,
    () => 'closed' as const,
  );
  c.write(
    concat(
      encodeRequestFrame(
        { apiKey: ApiVersionsApi.key, apiVersion: ApiVersionsApi.maxVersion, correlationId: id, clientId: 'fuzz' },
        {},
        [],
      ),
    ),
  );
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), deadlineMs)));
  const outcome = await Promise.race([answered, hung]);
  clearTimeout(timer);
  return outcome;
}
