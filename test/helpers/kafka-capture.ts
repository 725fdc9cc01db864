// Captures what a real Kafka client sends, and checks it accepts what the codec answers: a loopback listener
// that decodes each request with Sluice's Kafka codec, prints it as hex and decoded, and answers ApiVersions
// (Sluice's served ranges), Metadata (this broker; every topic asked for has one partition), Produce (kept in
// memory), ListOffsets (earliest/latest) and Fetch (every batch from the offset asked for). Anything else
// closes the connection. Not a test and not a broker: run it by hand with a client pointed at it, e.g.
//   node --import tsx test/helpers/kafka-capture.ts &   (prints the port; stops after 60 s)
//   kcat -L -b 127.0.0.1:<port>;  echo a | kcat -P -b 127.0.0.1:<port> -t t;  kcat -C -e -b 127.0.0.1:<port> -t t
// The bytes it printed for librdkafka 2.0.2 (kcat 1.7.1) are the fixtures of test/protocol/kafka/librdkafka.test.ts.
import { createServer } from 'node:net';
import {
  ApiVersions,
  decodeRequestBody,
  encodeResponseFrame,
  hasVersion,
  Fetch,
  KAFKA_APIS,
  kafkaApi,
  ListOffsets,
  kafkaFrameDecoder,
  Metadata,
  parseVersions,
  Produce,
  readRequestHeader,
} from '../../src/protocol/kafka/index.js';

/** Stored batches per topic (partition 0), with their base offsets patched in. */
const logs = new Map<string, Buffer[]>();
const endOffset = (topic: string) => (logs.get(topic) ?? []).reduce((n, batch) => n + batch.readInt32BE(23) + 1, 0); // lastOffsetDelta + 1

const server = createServer((socket) => {
  const frames = kafkaFrameDecoder();
  socket.on('data', (chunk) => {
    for (const payload of frames.push(chunk)) {
      const { header, bodyOffset } = readRequestHeader(payload);
      const api = kafkaApi(header.apiKey);
      console.log(`request ${api?.name ?? header.apiKey} v${header.apiVersion}: ${payload.toString('hex')}`);
      if (!api || !hasVersion(api.request, header.apiVersion)) {
        socket.end();
        return;
      }
      const request = decodeRequestBody(api, header.apiVersion, payload, bodyOffset) as any;
      console.log(JSON.stringify(request, (_k, v) => (v?.type === 'Buffer' ? Buffer.from(v.data).toString('hex') : v)));
      if (api === ApiVersions) {
        const apiKeys = KAFKA_APIS.map((a) => {
          const served = parseVersions(a.served);
          return { apiKey: a.key, minVersion: served.min, maxVersion: served.max };
        });
        socket.write(
          Buffer.concat(
            encodeResponseFrame(ApiVersions, header.apiVersion, header.correlationId, {
              errorCode: 0,
              apiKeys,
              throttleTimeMs: 0,
            }),
          ),
        );
      } else if (api === Metadata) {
        const { port } = server.address() as { port: number };
        socket.write(
          Buffer.concat(
            encodeResponseFrame(Metadata, header.apiVersion, header.correlationId, {
              throttleTimeMs: 0,
              brokers: [{ nodeId: 1, host: '127.0.0.1', port }],
              clusterId: 'capture',
              controllerId: 1,
              topics: (header.apiVersion >= 1 && !request.topics
                ? [...logs.keys()].map((name) => ({ name }))
                : (request.topics ?? [])
              ).map((t: { name: string | null }) => {
                if (!logs.has(t.name!)) logs.set(t.name!, []);
                return {
                  errorCode: 0,
                  name: t.name,
                  partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1] }],
                };
              }),
            }),
          ),
        );
      } else if (api === Produce) {
        const responses = request.topicData.map(
          (t: { name: string; partitionData: Array<{ index: number; records: Buffer }> }) => ({
            name: t.name,
            partitionResponses: t.partitionData.map((p) => {
              const baseOffset = endOffset(t.name);
              const batch = Buffer.from(p.records);
              batch.writeBigInt64BE(BigInt(baseOffset), 0);
              logs.get(t.name)?.push(batch);
              return { index: p.index, errorCode: 0, baseOffset, logAppendTimeMs: -1, logStartOffset: 0 };
            }),
          }),
        );
        if (request.acks !== 0)
          socket.write(
            Buffer.concat(
              encodeResponseFrame(Produce, header.apiVersion, header.correlationId, { responses, throttleTimeMs: 0 }),
            ),
          );
      } else if (api === ListOffsets) {
        const topics = request.topics.map(
          (t: { name: string; partitions: Array<{ partitionIndex: number; timestamp: number }> }) => ({
            name: t.name,
            partitions: t.partitions.map((p) => ({
              partitionIndex: p.partitionIndex,
              errorCode: 0,
              timestamp: -1,
              offset: p.timestamp === -2 ? 0 : endOffset(t.name),
            })),
          }),
        );
        socket.write(
          Buffer.concat(
            encodeResponseFrame(ListOffsets, header.apiVersion, header.correlationId, { throttleTimeMs: 0, topics }),
          ),
        );
      } else if (api === Fetch) {
        const responses = request.topics.map(
          (t: { topic: string; partitions: Array<{ partition: number; fetchOffset: number }> }) => ({
            topic: t.topic,
            partitions: t.partitions.map((p) => ({
              partitionIndex: p.partition,
              errorCode: 0,
              highWatermark: endOffset(t.topic),
              lastStableOffset: endOffset(t.topic),
              logStartOffset: 0,
              abortedTransactions: null,
              // Records passed as the stored buffers themselves: one chunk each in the response.
              records: (logs.get(t.topic) ?? []).filter(
                (b) => Number(b.readBigInt64BE(0)) + b.readInt32BE(23) >= p.fetchOffset,
              ),
            })),
          }),
        );
        const send = () =>
          socket.write(
            Buffer.concat(
              encodeResponseFrame(Fetch, header.apiVersion, header.correlationId, {
                throttleTimeMs: 0,
                errorCode: 0,
                sessionId: 0,
                responses,
              }),
            ),
          );
        setTimeout(
          send,
          responses.some((t: { partitions: Array<{ records: Buffer[] }> }) =>
            t.partitions.some((p) => p.records.length > 0),
          )
            ? 0
            : 100,
        );
      } else socket.end();
    }
  });
});

server.listen(0, '127.0.0.1', () => console.log(`listening on ${(server.address() as { port: number }).port}`));
setTimeout(() => process.exit(0), 60_000).unref();
