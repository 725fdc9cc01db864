// Hostile input on the Kafka port of a live `sluice serve` child process, as test/reliability/hostile.test.ts
// does for the native port: random valid requests of every served API and version (generated from the
// definitions), mutated (bytes flipped, cut short, sizes rewritten, garbage appended), from hundreds of
// connections, while a well-behaved client keeps producing and fetching. The broker must not crash, the good
// client must keep getting answers, and every record it was told is stored must read back.
import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateTopics,
  encodeRequestFrame,
  Fetch,
  KAFKA_APIS,
  parseVersions,
  Produce,
} from '../../../src/protocol/kafka/index.js';
import { buildRecordBatchSync, decodeRecordBatches } from '../../../src/records/index.js';
import { startSluice, type SluiceProcess } from '../../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../../helpers/temp-dir.js';
import { messageArb } from '../../protocol/kafka/arbitrary.js';
import { rng, type Rng } from '../../reliability/lib/rng.js';
import { KafkaWireClient } from './kafka-wire-client.js';

let proc: SluiceProcess;
let kafkaPort: number;

beforeAll(async () => {
  const dir = await tempDir('sluice-kafka-fuzz-');
  const config = join(dir, 'sluice.json');
  // Generated requests may name any topic and partition count: keep what they can create small.
  await writeFile(
    config,
    JSON.stringify({
      kafkaPort: 0,
      autoCreateTopics: false,
      maxPartitionsPerTopic: 4,
      stallTimeoutMs: 400,
      maxFrameBytes: 4 * 1024 * 1024,
    }),
  );
  proc = await startSluice(['--data-dir', join(dir, 'data'), '--port', '0', '--config', config]);
  kafkaPort = proc.lines.find((l) => l.msg === 'listening')!.kafkaPort as number;
});
afterAll(async () => {
  if (proc?.child.exitCode === null) await proc.kill('SIGKILL');
  await removeTempDirs();
});

/** A few valid request frames of every served API at every served version. */
function validFrames(seed: number): Buffer[] {
  const frames: Buffer[] = [];
  let correlationId = 1;
  for (const api of KAFKA_APIS) {
    if (api.key === 17 || api.key === 36 || api.key === 44) continue; // not served
    const { min, max } = parseVersions(api.served);
    for (let version = min; version <= max; version++) {
      for (const body of fc.sample(messageArb(api.request, version), {
        numRuns: 3,
        seed: seed + api.key * 100 + version,
      })) {
        frames.push(
          Buffer.concat(
            encodeRequestFrame(api, version, { correlationId: correlationId++, clientId: 'fuzz' }, body as never),
          ),
        );
      }
    }
  }
  return frames;
}

function mutate(frame: Buffer, random: Rng): Buffer {
  const copy = Buffer.from(frame);
  switch (random.int(0, 4)) {
    case 0: // flip bytes after the size
      for (let i = random.int(1, 8); i > 0; i--) copy[random.int(4, copy.length - 1)] = random.int(0, 255);
      return copy;
    case 1: {
      // cut short, size rewritten to match
      const cut = copy.subarray(0, random.int(5, copy.length));
      cut.writeInt32BE(cut.length - 4, 0);
      return cut;
    }
    case 2: // a size that lies (bigger: the rest never comes; smaller: the next frame starts mid-message)
      copy.writeInt32BE(copy.length - 4 + random.int(-copy.length + 4, 64), 0);
      return copy;
    case 3: {
      // garbage appended inside the frame
      const tail = Buffer.from(Array.from({ length: random.int(1, 32) }, () => random.int(0, 255)));
      const grown = Buffer.concat([copy, tail]);
      grown.writeInt32BE(grown.length - 4, 0);
      return grown;
    }
    default:
      return copy; // valid
  }
}

/** One hostile connection: writes a few (mostly mutated) frames, waits briefly for answers or a close. */
function hostileConnection(frames: Buffer[], random: Rng): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: kafkaPort });
    socket.on('error', () => {});
    socket.on('data', () => {});
    const done = () => {
      socket.destroy();
      resolve();
    };
    socket.on('close', done);
    socket.on('connect', () => {
      for (let i = random.int(1, 6); i > 0; i--) socket.write(mutate(random.pick(frames), random));
      setTimeout(done, random.int(5, 100));
    });
  });
}

const batch = (value: string) =>
  buildRecordBatchSync([{ key: null, value: Buffer.from(value), timestamp: Date.now() }]);

describe('hostile input on the Kafka port', () => {
  it('survives mutated frames of every served API and version while a good client keeps working', async () => {
    const random = rng();
    console.log(`kafka fuzz seed ${random.seed} (SLUICE_SEED=${random.seed} replays it)`);
    const frames = validFrames(random.seed);
    expect(frames.length).toBeGreaterThan(100);

    const good = await KafkaWireClient.connect(kafkaPort);
    const created = await good.request(CreateTopics, 4, {
      topics: [{ name: 'good', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(created.topics[0]!.errorCode).toBe(0);
    const stored: string[] = [];
    const failures: string[] = [];
    let stop = false;
    const goodLoop = (async () => {
      for (let n = 0; !stop; n++) {
        try {
          const res = await good.request(Produce, 7, {
            transactionalId: null,
            acks: -1,
            timeoutMs: 5000,
            topicData: [{ name: 'good', partitionData: [{ index: 0, records: batch(`g${n}`) }] }],
          });
          const { errorCode } = res.responses[0]!.partitionResponses[0]!;
          if (errorCode === 0) stored.push(`g${n}`);
          else failures.push(`produce error ${errorCode}`);
        } catch (error) {
          failures.push((error as Error).message);
          return;
        }
      }
    })();

    for (let round = 0; round < 15; round++) {
      await Promise.all(Array.from({ length: 20 }, () => hostileConnection(frames, random)));
    }
    stop = true;
    await goodLoop;
    const problems = proc.lines.filter((l) => (l.level as number) >= 40).map((l) => String(l.msg));
    expect(proc.child.exitCode, proc.stderr()).toBeNull();
    expect(failures, problems.join('\n')).toEqual([]);
    expect(stored.length).toBeGreaterThan(0);
    // Bad input is the client's problem, answered or refused: no handler failed on it (no error-level line).
    expect(
      proc.lines
        .filter((l) => (l.level as number) >= 50)
        .map((l) => `${l.msg}: ${(l.err as { message?: string })?.message} (api ${l.apiKey} v${l.apiVersion})`),
    ).toEqual([]);

    // Everything the good client was told is stored reads back, in order.
    const fetched = await good.request(Fetch, 11, {
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 4 * 1024 * 1024,
      isolationLevel: 0,
      topics: [{ topic: 'good', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 4 * 1024 * 1024 }] }],
    });
    const records = fetched.responses[0]!.partitions[0]!.records as Buffer;
    const values = (await decodeRecordBatches(records)).flatMap((b) => b.records.map((r) => r.value!.toString()));
    expect(values.slice(0, stored.length)).toEqual(stored);
    good.destroy();
  }, 120_000);
});
