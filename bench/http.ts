// The HTTP door's costs (issue 17), each beside a same-run baseline:
//   metrics     SDK produce and replay throughput against a broker with the HTTP door and its metrics
//               subscribed to the diagnostics channels, and against one started with --no-http (no
//               subscriber: the channels cost one property read). Runs alternate on / off.
//   rest        REST produce records/s, batches of 100 records per POST …/records:batch, N requests in flight,
//               beside the SDK producing the same records in sends of 100.
//   node --import tsx bench/http.ts [--only metrics,rest] [--runs 5] [--records N] [--write]
import { Agent, request as httpRequest } from 'node:http';
import { freePort } from './lib/processes.js';
import { cpuSecondsOf } from './lib/proc.js';
import { startBrokerProcess, type BrokerProcess } from './lib/broker-process.js';
import { describeCommit, describeMachine, today } from './lib/machine.js';
import { writeResultsSection, table } from './lib/results.js';
import { median } from './lib/stats.js';
import { createTopic, produce, replay } from './lib/workloads.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const onlyAt = args.indexOf('--only');
const only = new Set(onlyAt >= 0 ? args[onlyAt + 1]!.split(',') : ['metrics', 'rest']);
const runs = opt('runs', 5);
const write = args.includes('--write');
const sections: string[] = [];

async function withBroker<T>(http: boolean, work: (broker: BrokerProcess, httpPort: number) => Promise<T>) {
  const httpPort = await freePort();
  const broker = await startBrokerProcess({
    flush: 'os',
    extraArgs: http ? ['--http-port', String(httpPort)] : ['--no-http'],
  });
  try {
    if (http) await waitForHttp(httpPort);
    return await work(broker, httpPort);
  } finally {
    await broker.stop();
  }
}

async function waitForHttp(port: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`HTTP port ${port} did not answer`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

if (only.has('metrics')) {
  const records = opt('records', 500_000);
  const rates = {
    produce: { on: [] as number[], off: [] as number[] },
    replay: { on: [] as number[], off: [] as number[] },
  };
  for (let run = 0; run < runs; run++) {
    for (const mode of run % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
      await withBroker(mode === 'on', async (broker) => {
        const p = await produce(broker, 't', records, 100);
        const r = await replay(broker, 't', records);
        rates.produce[mode].push(p);
        rates.replay[mode].push(r);
        process.stdout.write(
          `metrics ${mode} run ${run + 1}: produce ${(p / 1e3).toFixed(0)} k rec/s, replay ${(r / 1e3).toFixed(0)} k rec/s\n`,
        );
      });
    }
  }
  const row = (name: 'produce' | 'replay') => {
    const ratios = rates[name].on.map((on, i) => on / rates[name].off[i]!);
    return [
      name,
      (median(rates[name].on) / 1e3).toFixed(0),
      (median(rates[name].off) / 1e3).toFixed(0),
      median(ratios).toFixed(3),
    ];
  };
  sections.push(
    `Metrics on vs off: ${records.toLocaleString('en-US')} records of 100 bytes produced (SDK, acks=1, flush os) then replayed (eachBatch), a fresh broker per run, ${runs} runs each, on/off alternating. "on" = \`sluice serve\` with its HTTP door (prom-client subscribed to every diagnostics channel, no scrape during the run); "off" = \`--no-http\`.\n\n` +
      table(
        ['workload', 'on k rec/s (median)', 'off k rec/s (median)', 'on/off ratio (median of pairs)'],
        [row('produce'), row('replay')],
      ),
  );
}

if (only.has('rest')) {
  const requests = opt('requests', 2000);
  const inFlight = opt('in-flight', 8);
  const batch = 100;
  const rest: Array<{ rate: number; cpu: number; clientCpu: number }> = [];
  const sdk: Array<{ rate: number; cpu: number; clientCpu: number }> = [];
  const measure = async (pid: number, work: () => Promise<void>) => {
    const cpu0 = cpuSecondsOf(pid);
    const client0 = process.cpuUsage();
    const started = performance.now();
    await work();
    const seconds = (performance.now() - started) / 1000;
    const client = process.cpuUsage(client0);
    const records = requests * batch;
    return {
      rate: records / seconds,
      cpu: ((cpuSecondsOf(pid) - cpu0) * 1e6) / records,
      clientCpu: (client.user + client.system) / records,
    };
  };
  for (let run = 0; run < runs; run++) {
    await withBroker(true, async (broker, httpPort) => {
      await createTopic(broker, 'rest', 1);
      await createTopic(broker, 'sdk', 1);
      const info = (await (await fetch(`http://127.0.0.1:${httpPort}/v3/clusters`)).json()) as {
        data: Array<{ cluster_id: string }>;
      };
      const path = `/v3/clusters/${info.data[0]!.cluster_id}/topics/rest/records:batch`;
      const body = Buffer.from(
        JSON.stringify({
          entries: Array.from({ length: batch }, (_, i) => ({
            value: { type: 'STRING', data: 'a'.repeat(100) },
            id: String(i),
          })),
        }),
      );
      // node:http with keep-alive sockets, one per request in flight: a lean client, so the figure is the
      // broker's (Node's fetch costs the client more CPU per request than the broker spends on it).
      const agent = new Agent({ keepAlive: true, maxSockets: inFlight });
      const post = () =>
        new Promise<void>((resolve, reject) => {
          const request = httpRequest(
            {
              agent,
              host: '127.0.0.1',
              port: httpPort,
              path,
              method: 'POST',
              headers: { 'content-type': 'application/json', 'content-length': body.length },
            },
            (response) => {
              const chunks: Buffer[] = [];
              response.on('data', (chunk: Buffer) => chunks.push(chunk));
              response.on('end', () => {
                if (response.statusCode === 200) resolve();
                else reject(new Error(`REST produce answered ${response.statusCode}: ${Buffer.concat(chunks)}`));
              });
            },
          );
          request.on('error', reject);
          request.end(body);
        });
      const pid = broker.child.pid!;
      const r = await measure(pid, async () => {
        let sent = 0;
        const lane = async () => {
          while (sent < requests) {
            sent++;
            await post();
          }
        };
        await Promise.all(Array.from({ length: inFlight }, lane));
      });
      agent.destroy();
      const s = await measure(pid, async () => {
        await produce(broker, 'sdk', requests * batch, 100, { perSend: batch, inFlight, acks: -1 });
      });
      rest.push(r);
      sdk.push(s);
      process.stdout.write(
        `rest run ${run + 1}: REST ${(r.rate / 1e3).toFixed(1)} k rec/s (broker ${r.cpu.toFixed(2)} µs/rec), SDK ${(s.rate / 1e3).toFixed(1)} k rec/s (broker ${s.cpu.toFixed(2)} µs/rec)\n`,
      );
    });
  }
  const row = (name: string, figures: typeof rest) => {
    const rates = figures.map((f) => f.rate);
    return [
      name,
      (median(rates) / 1e3).toFixed(1),
      (Math.min(...rates) / 1e3).toFixed(1),
      (Math.max(...rates) / 1e3).toFixed(1),
      median(figures.map((f) => f.cpu)).toFixed(2),
      median(figures.map((f) => f.clientCpu)).toFixed(2),
    ];
  };
  const ratios = rest.map((r, i) => r.rate / sdk[i]!.rate);
  sections.push(
    `REST produce: ${requests.toLocaleString('en-US')} POST …/records:batch requests of ${batch} STRING records of 100 bytes (acks=all, flush os), ${inFlight} requests in flight (node:http, keep-alive), beside the SDK sending the same records in sends of ${batch} (acks=-1, ${inFlight} sends in flight) to the same broker, one after the other in each run; ${runs} runs.\n\n` +
      table(
        ['path', 'k rec/s (median)', 'min', 'max', 'broker CPU µs/rec', 'client CPU µs/rec'],
        [row('REST (HTTP/1.1 JSON)', rest), row('SDK (native protocol)', sdk)],
      ) +
      `\n\nREST / SDK records/s, median of the runs' ratios: ${median(ratios).toFixed(3)} (per run: ${ratios.map((x) => x.toFixed(2)).join(', ')}).`,
  );
}

const header = `${today()}, ${describeCommit()}, ${describeMachine()}.\nCommand: \`node --import tsx bench/http.ts ${args.join(' ')}\`\n`;
const body = `${header}\n${sections.join('\n\n')}\n`;
process.stdout.write(`\n${body}`);
if (write) writeResultsSection('HTTP door (issue 17)', body);
