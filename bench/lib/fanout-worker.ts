// One process of fan-out clients for bench/ws-fanout.ts: `count` WebSocket clients of the gateway, or
// `count` SDK consumers on the native port, all reading one topic from its end. Each record's value is
// JSON `{ "t": <monoMs at send>, "step": n, "warm"?: true, "pad": "…" }`; the delivery latency is monoMs at
// arrival − t (CLOCK_MONOTONIC is one clock for every process of the machine).
// IPC: parent → { mode, count, url, address, topic }; child → { type: 'ready' } once every client is
// subscribed; parent → { type: 'step', step } starts a step; child → { type: 'live' } once every client has
// seen a warm-up record of the step (so every client is reading before the measured records are sent);
// parent → { type: 'report' } → child { type: 'report', latencies, received, clientsMissing } for the step;
// parent → { type: 'stop' }: the clients close and the process exits.
import { WebSocket } from 'ws';
import { Sluice } from '../../src/index.js';
import { monoMs } from './latency-trace-hooks.js';

interface Start {
  mode: 'ws' | 'native';
  count: number;
  url: string;
  address: string;
  topic: string;
}

type Command = { type: 'step'; step: number } | { type: 'report' } | { type: 'stop' };

const send = (message: unknown) => new Promise<void>((resolve) => process.send!(message, () => resolve()));

let step = -1;
let latencies: number[] = [];
let received = 0;
/** Per client: the last step it saw a warm-up record of, and its measured records of the current step. */
let seenStep: Int32Array;
let perClient: Int32Array;
let liveSent = false;

function arrived(client: number, value: { t: number; step: number; warm?: boolean }): void {
  if (value.step !== step) return;
  if (value.warm) {
    if (seenStep[client] === step) return;
    seenStep[client] = step;
    if (!liveSent) checkLive();
    return;
  }
  latencies.push(monoMs() - value.t);
  received++;
  perClient[client]!++;
}

function checkLive(): void {
  for (let i = 0; i < seenStep.length; i++) if (seenStep[i]! < step) return;
  liveSent = true;
  void send({ type: 'live', clients: seenStep.length });
}

async function openWs(start: Start, client: number): Promise<() => void> {
  const ws = new WebSocket(`${start.url.replace('http', 'ws')}/ws`);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const subscribed = new Promise<void>((resolve) => {
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString());
      if (message.type === 'record') arrived(client, message.value.data);
      else if (message.type === 'subscribed') resolve();
      else if (message.type === 'error') throw new Error(`gateway: ${message.message}`);
    });
  });
  ws.send(JSON.stringify({ op: 'subscribe', topics: [start.topic], from: 'latest' }));
  await subscribed;
  return () => ws.close();
}

async function openNative(start: Start, client: number): Promise<() => Promise<void>> {
  const consumer = new Sluice({ clientId: `fanout-${client}`, brokers: [start.address], logLevel: 0 }).consumer({
    maxWaitTimeInMs: 5000,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: start.topic, fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ message }) => arrived(client, JSON.parse(message.value!.toString())),
  });
  return () => consumer.disconnect();
}

process.once('message', async (start: Start) => {
  seenStep = new Int32Array(start.count).fill(-1);
  perClient = new Int32Array(start.count);
  const closers: Array<() => unknown> = [];
  // Opened a few at a time, as a crowd of browsers arrives, not all in one tick.
  for (let i = 0; i < start.count; i += 25) {
    const batch = Array.from({ length: Math.min(25, start.count - i) }, (_, j) =>
      start.mode === 'ws' ? openWs(start, i + j) : openNative(start, i + j),
    );
    closers.push(...(await Promise.all(batch)));
  }
  process.on('message', async (command: Command) => {
    if (command.type === 'step') {
      step = command.step;
      latencies = [];
      received = 0;
      perClient.fill(0);
      liveSent = false;
    } else if (command.type === 'report') {
      let clientsMissing = 0;
      for (const n of perClient) if (n === 0) clientsMissing++;
      await send({ type: 'report', latencies, received, clientsMissing });
    } else {
      await Promise.all(closers.map((close) => close()));
      process.disconnect();
    }
  });
  await send({ type: 'ready' });
});
