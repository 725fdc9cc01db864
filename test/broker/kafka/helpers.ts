// Kafka-listener tests: an in-process broker with both listeners on port 0, and the real Kafka tools
// (kcat, confluent-kafka-python) run as child processes. A missing tool fails the test with the command
// that installs it (.ci/run does), never a skip.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrokerOptions } from '../../../src/broker/index.js';
import { startBroker, type TestBroker } from '../../helpers/broker.js';

export interface KafkaTestBroker extends TestBroker {
  kafkaPort: number;
  /** bootstrap.servers for Kafka clients. */
  bootstrap: string;
}

export async function startKafkaBroker(options: Partial<BrokerOptions> = {}): Promise<KafkaTestBroker> {
  const b = await startBroker({ kafkaPort: 0, ...options });
  const kafkaPort = b.broker.kafkaPort!;
  return { ...b, kafkaPort, bootstrap: `127.0.0.1:${kafkaPort}` };
}

function onPath(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** kcat's path; throws (fails the test) when it is not installed. */
export function kcatPath(): string {
  if (!onPath('kcat')) throw new Error('kcat is not installed: run `apt-get install -y kcat` (.ci/run does)');
  return 'kcat';
}

/** A python3 that imports confluent_kafka (Debian's python3-confluent-kafka lives in /usr/bin/python3's path). */
export function pythonWithConfluentKafka(): string {
  for (const python of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(python, ['-c', 'import confluent_kafka'], { stdio: 'ignore' });
      return python;
    } catch {}
  }
  throw new Error(
    'confluent-kafka-python is not installed: run `apt-get install -y python3-confluent-kafka` (.ci/run does)',
  );
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion (stdin from `input`); rejects if it outlives `timeoutMs`. */
export function run(
  command: string,
  args: string[],
  options: { input?: string | Buffer; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${command} ${args.join(' ')} did not exit within ${options.timeoutMs ?? 30_000} ms: ${stderr}`),
      );
    }, options.timeoutMs ?? 30_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A long-running child (a kcat consumer) whose output lines are collected. */
export function spawnLines(
  command: string,
  args: string[],
): { child: ChildProcess; lines: string[]; stderr(): string } {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    partial += d.toString();
    const parts = partial.split('\n');
    partial = parts.pop()!;
    lines.push(...parts.filter((l) => l.length > 0));
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { child, lines, stderr: () => err };
}

/** Resolves once `condition` holds (checked every 20 ms), or rejects after `ms`. */
export async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Compression codec (attributes & 7) of every batch stored in a partition, in log order. */
export async function storedCodecs(dataDir: string, topic: string, partition: number): Promise<number[]> {
  const dir = join(dataDir, `${topic}-${partition}`);
  const codecs: number[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.log')).sort()) {
    const bytes = await readFile(join(dir, file));
    for (let pos = 0; pos + 61 <= bytes.length; ) {
      const batchLength = bytes.readInt32BE(pos + 8);
      if (batchLength <= 0) break;
      codecs.push(bytes.readInt16BE(pos + 21) & 7);
      pos += 12 + batchLength;
    }
  }
  return codecs;
}
