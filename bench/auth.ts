// Authentications per second on both wires: SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER (an RS256 JWT) on
// the native port (the SDK's connection) and on the Kafka port (raw SaslHandshake v1 + SaslAuthenticate v1
// frames, as kafkajs sends them). Each authentication is a fresh connection: connect, ApiVersions, the SASL
// exchange, close. Baseline in the same run: connect, ApiVersions, close, with no SASL. The broker is
// `sluice serve --auth` in its own process (flush os), so its CPU per authentication (from /proc) is the
// broker's cost alone, and 1000 ÷ that is the handshakes one broker core sustains; CONCURRENCY connections in
// flight; rounds alternate the cases and the medians are reported.
//
//   npm run build && node --import tsx bench/auth.ts [--seconds S (default 5)] [--rounds R (default 3)] [--write]
import { generateKeyPairSync } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { UserStore } from '../src/broker/security/auth/users.js';
import { Connection } from '../src/client/connection.js';
import { resolveSasl } from '../src/client/sasl.js';
import {
  ApiVersions,
  decodeResponsePayload,
  encodeRequestFrame,
  SaslAuthenticate,
  SaslHandshake,
} from '../src/protocol/kafka/index.js';
import { ScramClientExchange, type ScramMechanism } from '../src/protocol/sasl/scram.js';
import { nodeFs } from '../storage/index.js';
import { startBrokerProcess } from './lib/broker-process.js';
import { describeCommit, describeMachine, today } from './lib/machine.js';
import { cpuSecondsOf, load } from './lib/proc.js';
import { freePort } from './lib/processes.js';
import { table, writeResultsSection } from './lib/results.js';
import { median } from './lib/stats.js';
import { numberOptions } from './lib/args.js';

const args = process.argv.slice(2);
const opt = numberOptions(args);
const SECONDS = opt('seconds', 5);
const ROUNDS = opt('rounds', 3);
const CONCURRENCY = 8;
const PASSWORD = 'bench-password-1';

type Mechanism = 'none' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';
const MECHANISMS: Mechanism[] = ['none', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'];

const dataDir = mkdtempSync(join(tmpdir(), 'sluice-auth-bench-'));
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
await (await UserStore.open(nodeFs, dataDir)).add('bench', PASSWORD);
const keyFile = join(dataDir, 'jwt-key.pem');
writeFileSync(keyFile, keys.publicKey.export({ type: 'spki', format: 'pem' }).toString());
const kafkaPort = await freePort();
const broker = await startBrokerProcess({
  flush: 'os',
  dataDir,
  extraArgs: ['--kafka-port', String(kafkaPort), '--no-http', '--auth', '--jwt-key', keyFile],
});
const brokerPid = broker.child.pid!;
const token = await new SignJWT({})
  .setProtectedHeader({ alg: 'RS256' })
  .setSubject('bench')
  .setExpirationTime('2h')
  .sign(keys.privateKey);
const silent = { debug() {}, info() {}, warn() {}, error() {} } as never;

async function native(mechanism: Mechanism): Promise<void> {
  const sasl =
    mechanism === 'none'
      ? undefined
      : mechanism === 'OAUTHBEARER'
        ? resolveSasl({ mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: token }) })
        : resolveSasl({ mechanism: mechanism.toLowerCase() as 'scram-sha-256', username: 'bench', password: PASSWORD });
  const connection = new Connection({
    host: '127.0.0.1',
    port: broker.port,
    clientId: 'auth-bench',
    connectionTimeout: 10_000,
    requestTimeout: 10_000,
    logger: silent,
    ...(sasl ? { sasl } : {}),
  });
  await connection.connect();
  connection.close();
}

/** A minimal Kafka-wire client: one request at a time. */
class KafkaWire {
  #buffer = Buffer.alloc(0);
  #waiting: ((payload: Buffer) => void) | undefined;
  #correlation = 0;
  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      if (this.#buffer.length < 4) return;
      const size = this.#buffer.readInt32BE(0);
      if (this.#buffer.length < 4 + size) return;
      const payload = this.#buffer.subarray(4, 4 + size);
      this.#buffer = this.#buffer.subarray(4 + size);
      this.#waiting?.(payload);
    });
    socket.on('error', () => {});
  }
  static open(port: number): Promise<KafkaWire> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(new KafkaWire(socket)));
      socket.once('error', reject);
    });
  }
  request<A extends Parameters<typeof encodeRequestFrame>[0]>(api: A, version: number, body: never) {
    const answer = new Promise<Buffer>((resolve) => (this.#waiting = resolve));
    this.socket.write(
      Buffer.concat(
        encodeRequestFrame(api, version, { correlationId: this.#correlation++, clientId: 'auth-bench' }, body),
      ),
    );
    return answer.then((payload) => decodeResponsePayload(api, version, payload).body as Record<string, unknown>);
  }
}

async function kafka(mechanism: Mechanism): Promise<void> {
  const wire = await KafkaWire.open(kafkaPort);
  await wire.request(ApiVersions, 0, {} as never);
  if (mechanism !== 'none') {
    await wire.request(SaslHandshake, 1, { mechanism } as never);
    const round = async (bytes: string) => {
      const answer = await wire.request(SaslAuthenticate, 1, { authBytes: Buffer.from(bytes) } as never);
      if (answer.errorCode !== 0) throw new Error(`authentication failed: ${answer.errorMessage}`);
      return (answer.authBytes as Buffer).toString();
    };
    if (mechanism === 'OAUTHBEARER') await round(`n,,\x01auth=Bearer ${token}\x01\x01`);
    else {
      const scram = new ScramClientExchange(mechanism as ScramMechanism, 'bench', PASSWORD);
      const serverFirst = await round(scram.first());
      scram.verify(await round(scram.final(serverFirst)));
    }
  }
  wire.socket.destroy();
}

/** Authentications per second, and the broker's CPU milliseconds per authentication. */
async function rate(run: () => Promise<void>): Promise<{ perSecond: number; brokerCpuMs: number }> {
  let done = 0;
  const cpuBefore = cpuSecondsOf(brokerPid);
  const started = performance.now();
  const deadline = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < deadline) {
        await run();
        done++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: done / seconds, brokerCpuMs: ((cpuSecondsOf(brokerPid) - cpuBefore) * 1000) / done };
}

const results = new Map<string, Array<{ perSecond: number; brokerCpuMs: number }>>();
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? MECHANISMS : [...MECHANISMS].reverse();
  for (const mechanism of order) {
    for (const [wire, run] of [
      ['native', native],
      ['kafka', kafka],
    ] as const) {
      const figure = await rate(() => run(mechanism));
      const key = `${wire} ${mechanism}`;
      results.set(key, [...(results.get(key) ?? []), figure]);
      console.log(
        `round ${round + 1}: ${key}: ${figure.perSecond.toFixed(0)}/s, broker ${figure.brokerCpuMs.toFixed(3)} ms CPU each`,
      );
    }
  }
}
await broker.stop();

const rows = MECHANISMS.flatMap((mechanism) =>
  (['native', 'kafka'] as const).map((wire) => {
    const runs = results.get(`${wire} ${mechanism}`)!;
    const cpuMs = median(runs.map((r) => r.brokerCpuMs));
    const baselineCpuMs = median(results.get(`${wire} none`)!.map((r) => r.brokerCpuMs));
    return [
      wire,
      mechanism === 'none' ? 'none (connect + ApiVersions + close)' : mechanism,
      median(runs.map((r) => r.perSecond)).toFixed(0),
      cpuMs.toFixed(3),
      (1000 / cpuMs).toFixed(0),
      mechanism === 'none' ? '–' : (cpuMs - baselineCpuMs).toFixed(3),
    ];
  }),
);
const body = `${today()}, ${describeMachine()}, commit ${describeCommit()}, load ${load()}.
\`node --import tsx bench/auth.ts --seconds ${SECONDS} --rounds ${ROUNDS}${args.includes('--write') ? ' --write' : ''}\`

Fresh connection per authentication, ${CONCURRENCY} in flight, \`sluice serve --auth\` in its own process;
medians of ${ROUNDS} rounds, cases alternated. Broker CPU is the broker process's user + system time (from
/proc, 10 ms ticks) over the round divided by the authentications: the broker's cost alone, whatever the
client and the machine's load cost. "per broker core" = 1000 ÷ that. "SASL's own" = that minus the same
wire's connect + ApiVersions + close.

${table(['wire', 'mechanism', 'authentications/s', 'broker CPU ms each', 'per broker core /s', 'SASL’s own ms'], rows)}`;
console.log(body);
if (args.includes('--write'))
  writeResultsSection('Authentication rate: SCRAM and JWT (OAUTHBEARER) on both wires (bench/auth.ts)', body);
