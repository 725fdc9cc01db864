// The HTTP door's costs (issue 17), each beside a same-run baseline:
//   metrics     SDK produce and replay throughput and broker CPU per record against a broker with the HTTP
//               door and its metrics subscribed to the diagnostics channels, /metrics scraped every
//               --scrape-ms (1000), and against one started with --no-http (no subscriber: the channels
//               cost one property read). Runs alternate on / off; --mode on,door,off adds a broker with the
//               door but metrics off ("http": { "metrics": false }); --mode on (or off) runs one side only
//               (for pairing whole processes from outside). --scrape-ms 0: no scrape (the hot-path cost alone).
//   rest        REST produce records/s, batches of 100 records per POST …/records:batch, N requests in flight,
//               beside the SDK producing the same records in sends of 100.
//   node --import tsx bench/http.ts [--only metrics,rest] [--runs 5] [--records N] [--scrape-ms 1000]
//     [--mode on,door,off] [--requests N] [--in-flight 8] [--write]
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './lib/processes.js';
import { cpuNanosOf, cpuSecondsOf, stealMeter } from './lib/proc.js';
import { startBrokerProcess, type BrokerProcess } from './lib/broker-process.js';
import { describeCommit, describeMachine, today } from './lib/machine.js';
import { writeResultsSection, table } from './lib/results.js';
import { median } from './lib/stats.js';
import { createTopic, produce, replay } from './lib/workloads.js';
import { numberOptions } from './lib/args.js';

const args = process.argv.slice(2);
const opt = numberOptions(args);
const onlyAt = args.indexOf('--only');
const only = new Set(onlyAt >= 0 ? args[onlyAt + 1]!.split(',') : ['metrics', 'rest']);
const runs = opt('runs', 5);
const write = args.includes('--write');
const sections: string[] = [];

const MODES = ['on', 'door', 'off'] as const;
type Mode = (typeof MODES)[number];

/** "on": HTTP door and metrics; "door": the door with metrics off; "off": no HTTP door. */
async function withBroker<T>(mode: Mode | boolean, work: (broker: BrokerProcess, httpPort: number) => Promise<T>) {
  const http = mode !== false && mode !== 'off';
  const httpPort = await freePort();
  let config: string | undefined;
  if (mode === 'door') {
    config = join(mkdtempSync(join(tmpdir(), 'sluice-bench-http-')), 'config.json');
    writeFileSync(config, JSON.stringify({ http: { metrics: false } }));
  }
  const broker = await startBrokerProcess({
    flush: 'os',
    extraArgs: [...(config ? ['--config', config] : []), ...(http ? ['--http-port', String(httpPort)] : ['--no-http'])],
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
  const scrapeMs = opt('scrape-ms', 1000);
  const modeAt = args.indexOf('--mode');
  const modes: Mode[] = modeAt >= 0 ? (args[modeAt + 1]!.split(',') as Mode[]) : ['on', 'off'];
  for (const mode of modes) if (!MODES.includes(mode)) throw new Error(`--mode takes ${MODES.join(', ')}`);
  type Figures = { rate: number; cpu: number; load: number; steal: number };
  const results = {
    produce: new Map<Mode, Figures[]>(modes.map((m) => [m, []])),
    replay: new Map<Mode, Figures[]>(modes.map((m) => [m, []])),
  };
  for (let run = 0; run < runs; run++) {
    for (const mode of run % 2 === 0 ? modes : [...modes].reverse()) {
      await withBroker(mode, async (broker, httpPort) => {
        // "on": Prometheus's part too, a scrape of /metrics every scrapeMs for the whole run.
        let scrapes = 0;
        const scraper =
          mode === 'on' && scrapeMs > 0
            ? setInterval(() => {
                scrapes++;
                void fetch(`http://127.0.0.1:${httpPort}/metrics`).then((r) => r.arrayBuffer());
              }, scrapeMs)
            : undefined;
        const pid = broker.child.pid!;
        const phase = async (work: () => Promise<number>): Promise<Figures> => {
          const meter = stealMeter([]);
          const cpu0 = cpuNanosOf(pid);
          const rate = await work();
          const cpu = (cpuNanosOf(pid) - cpu0) / 1e3 / records;
          const { load, stealPct } = meter.stop();
          return { rate, cpu, load, steal: stealPct };
        };
        try {
          const p = await phase(() => produce(broker, 't', records, 100));
          const r = await phase(() => replay(broker, 't', records));
          results.produce.get(mode)!.push(p);
          results.replay.get(mode)!.push(r);
          process.stdout.write(
            `metrics ${mode} run ${run + 1}: produce ${(p.rate / 1e3).toFixed(0)} k rec/s (broker ${p.cpu.toFixed(3)} µs/rec), replay ${(r.rate / 1e3).toFixed(0)} k rec/s (broker ${r.cpu.toFixed(3)} µs/rec), load ${r.load.toFixed(1)}, steal ${r.steal.toFixed(1)} %${scraper ? `, ${scrapes} scrapes` : ''}\n`,
          );
        } finally {
          clearInterval(scraper);
        }
      });
    }
  }
  if (modes.includes('on') && modes.length > 1) {
    const rows: string[][] = [];
    const ratios: string[] = [];
    for (const workload of ['produce', 'replay'] as const) {
      const on = results[workload].get('on')!;
      for (const base of modes.filter((m) => m !== 'on')) {
        const other = results[workload].get(base)!;
        const pairs = (pick: (f: Figures) => number) => on.map((f, i) => pick(f) / pick(other[i]!));
        const rate = pairs((f) => f.rate);
        const cpu = pairs((f) => f.cpu);
        rows.push([
          workload,
          `on / ${base}`,
          (median(on.map((f) => f.rate)) / 1e3).toFixed(0),
          (median(other.map((f) => f.rate)) / 1e3).toFixed(0),
          median(rate).toFixed(3),
          median(on.map((f) => f.cpu)).toFixed(3),
          median(other.map((f) => f.cpu)).toFixed(3),
          median(cpu).toFixed(3),
        ]);
        ratios.push(
          `${workload} on/${base}: rate ${rate.map((x) => x.toFixed(3)).join(', ')}; broker CPU ${cpu.map((x) => x.toFixed(3)).join(', ')}`,
        );
      }
    }
    const loads = [...results.replay.values()].flat();
    sections.push(
      `Metrics on vs off: ${records.toLocaleString('en-US')} records of 100 bytes produced (SDK, acks=1, flush os) then replayed (eachBatch), a fresh broker per run, ${runs} runs of each of ${modes.join(', ')}, alternating. "on" = \`sluice serve\` with its HTTP door (prom-client subscribed to every diagnostics channel)${scrapeMs > 0 ? ` and /metrics scraped every ${scrapeMs} ms through the run` : ', no scrape'}; "door" = the HTTP door with metrics off (\`"http": { "metrics": false }\`); "off" = \`--no-http\`. Broker CPU: all its threads, from /proc/<pid>/task/*/schedstat (ns). Load average ${Math.min(...loads.map((f) => f.load)).toFixed(1)}–${Math.max(...loads.map((f) => f.load)).toFixed(1)}, steal ${Math.min(...loads.map((f) => f.steal)).toFixed(1)}–${Math.max(...loads.map((f) => f.steal)).toFixed(1)} %.\n\n` +
        table(
          [
            'workload',
            'pair',
            'on k rec/s',
            'other k rec/s',
            'on/other rate (median of pairs)',
            'on broker µs/rec',
            'other broker µs/rec',
            'on/other broker CPU (median of pairs)',
          ],
          rows,
        ) +
        `\n\nPair by pair (run order):\n\n${ratios.map((line) => `- ${line}`).join('\n')}`,
    );
  }
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
