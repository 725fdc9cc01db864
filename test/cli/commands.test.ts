// The `sluice` binary as a person uses it: every command a real child process against a live
// in-process broker, checking output (text and JSON), exit codes and error sentences.
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { ApiVersionsApi } from '../../src/protocol/index.js';
import { startBroker } from '../helpers/broker.js';
import { jsonLines, root, sluice, sluiceOnTty, useLiveBroker } from './helpers.js';

// Each test runs several child processes; a loaded 2-core machine can slow each one several-fold.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const server = useLiveBroker();

describe('program', () => {
  it('prints its version and per-command help', async () => {
    const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { version: string };
    const version = await sluice(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(pkg.version);
    const help = await sluice(['help', 'topics']);
    expect(help.code).toBe(0);
    for (const sub of ['create', 'list', 'describe', 'delete', 'alter']) expect(help.stdout).toContain(sub);
    const consumeHelp = await sluice(['consume', '--help']);
    expect(consumeHelp.stdout).toContain('--from-beginning');
    expect(consumeHelp.stdout).toContain('-b, --brokers');
  });

  it('`sluice help <group> <sub>` shows the subcommand, and names a subcommand that does not exist', async () => {
    const sub = await sluice(['help', 'topics', 'create']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toMatch(/^Usage: sluice topics create \[options\] <topic>\n/);
    expect(sub.stdout).toContain('--if-not-exists');
    expect(sub.stdout).toContain('Examples:\n  sluice topics create orders --partitions 6\n');
    const groupReset = await sluice(['help', 'groups', 'reset-offsets']);
    expect(groupReset.stdout).toMatch(/^Usage: sluice groups reset-offsets/);
    expect(groupReset.stdout).toContain(
      'Examples:\n  sluice groups reset-offsets billing --topic orders --to-earliest\n',
    );
    const wrong = await sluice(['help', 'topics', 'nope']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe(
      "error: 'nope' is not a command of `sluice topics` (commands: create, list, describe, delete, alter)\n",
    );
    const all = await sluice(['help']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^Usage: sluice /);
  });

  it('exits 2 with one line for usage errors', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['bogus'], /^error: unknown command 'bogus'/],
      [['topics', 'create'], /^error: missing required argument 'topic'/],
      [['consume', 't', '--nope'], /^error: unknown option '--nope'/],
      [['consume', 't', '--format', 'xml'], /argument 'xml' is invalid\. format must be one of: text, json, raw\./],
      [
        ['consume', 't', '--since', 'yesterday'],
        /'yesterday' is not a time: expected an ISO 8601 time .* or a duration ago \(30s, 15m, 2h, 3d\)/,
      ],
      [['produce', 't', '--acks', '7'], /acks must be one of: 0, 1, -1, all\./],
      [['topics', 'create', 't', '-p', 'many'], /partitions must be a whole number\./],
      [['topics', 'list', '-b', 'localhost'], /'localhost' is not a broker address: expected host:port/],
      [
        ['consume', 't', '--from-beginning', '--offset', '3'],
        /--from-beginning and --offset both say where to start: give one/,
      ],
      [['completion', 'fish'], /shell must be one of: bash, zsh\./],
    ];
    for (const [args, message] of cases) {
      const r = await sluice(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });

  it('says in one sentence that a broker cannot be reached, with a stack only under --debug', async () => {
    const r = await sluice(['topics', 'list', '-b', '127.0.0.1:1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: cannot reach broker 127.0.0.1:1: connection refused\n');
    const env = await sluice(['topics', 'list'], { env: { SLUICE_BROKERS: '127.0.0.1:1' } });
    expect(env.stderr).toBe('error: cannot reach broker 127.0.0.1:1: connection refused\n');
    const debug = await sluice(['topics', 'list', '-b', '127.0.0.1:1', '--debug']);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^error: cannot reach broker/);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it('says at once that a port without TLS does not speak it (--tls against the plaintext port)', async () => {
    const r = await sluice(['topics', 'list', ...server.flags, '--tls']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error: ${server.flags[1]} answered the TLS handshake with bytes that are not TLS: that port does not speak TLS (a Sluice broker's plaintext port, for one); remove the client's ssl option, or point brokers at the broker's TLS port (--tls-port) (FOREIGN_PROTOCOL)\n`,
    );
  });

  it('says which connection limit a broker that refused the connection is at', async () => {
    const full = await startBroker({ maxConnections: 1 });
    try {
      await (await full.client()).request(ApiVersionsApi, {});
      const r = await sluice(['topics', 'list', '-b', `127.0.0.1:${full.port}`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `error: 127.0.0.1:${full.port} refused the connection: the broker has 1 connections open (maxConnections 1); it takes new ones as others close (or raise the limit on the broker) (CONNECTION_LIMIT_REACHED)\n`,
      );
    } finally {
      await full.stop();
    }
  });
});

describe('topics', () => {
  it('creates, lists, describes, alters and deletes a topic', async () => {
    const created = await sluice([
      'topics',
      'create',
      'tour',
      '-p',
      '3',
      '--config',
      'retention.ms=3600000',
      ...server.flags,
    ]);
    expect(created).toMatchObject({ code: 0, stdout: "created topic 'tour' with 3 partitions\n" });

    const again = await sluice(['topics', 'create', 'tour', ...server.flags]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe("error: topic 'tour' already exists\n");
    expect((await sluice(['topics', 'create', 'tour', '--if-not-exists', ...server.flags])).code).toBe(0);

    await sluice(['produce', 'tour', '-p', '1', ...server.flags], { input: 'a\nb\n' });
    const list = await sluice(['topics', 'list', ...server.flags]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^TOPIC\s+PARTITIONS\s+RECORDS\n/);
    expect(list.stdout).toMatch(/\ntour\s+3\s+2\n/);
    expect(jsonLines((await sluice(['topics', 'list', '--format', 'json', ...server.flags])).stdout)).toContainEqual({
      topic: 'tour',
      partitions: 3,
      records: 2,
    });

    const describe = await sluice(['topics', 'describe', 'tour', ...server.flags]);
    expect(describe.code).toBe(0);
    expect(describe.stdout).toMatch(/PARTITION\s+LEADER\s+LOG-START\s+LOG-END\s+RECORDS/);
    expect(describe.stdout).toMatch(/\n\s+1\s+0\s+0\s+2\s+2\n/);
    expect(describe.stdout).toMatch(/retention\.ms\s+3600000\s+topic/);
    const json = jsonLines<{
      topic: string;
      partitions: Array<{ partition: number; logStartOffset: number; logEndOffset: number }>;
      configs: Record<string, string>;
    }>((await sluice(['topics', 'describe', 'tour', '--format', 'json', ...server.flags])).stdout);
    expect(json).toHaveLength(1);
    expect(json[0]!.partitions).toEqual([
      { partition: 0, leader: 0, logStartOffset: 0, logEndOffset: 0, records: 0 },
      { partition: 1, leader: 0, logStartOffset: 0, logEndOffset: 2, records: 2 },
      { partition: 2, leader: 0, logStartOffset: 0, logEndOffset: 0, records: 0 },
    ]);
    expect(json[0]!.configs['retention.ms']).toBe('3600000');

    const alter = await sluice(['topics', 'alter', 'tour', '--config', 'retention.ms=7200000', ...server.flags]);
    expect(alter.code).toBe(0);
    expect(alter.stdout).toContain('retention.ms=7200000');
    expect((await sluice(['topics', 'describe', 'tour', ...server.flags])).stdout).toMatch(/retention\.ms\s+7200000/);
    const nothing = await sluice(['topics', 'alter', 'tour', ...server.flags]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/nothing to change/);

    const del = await sluice(['topics', 'delete', 'tour', ...server.flags]);
    expect(del).toMatchObject({ code: 0, stdout: "deleted topic 'tour'\n" });
    expect((await sluice(['topics', 'list', '--format', 'json', ...server.flags])).stdout).not.toContain('"tour"');
  });

  it('names an unknown topic', async () => {
    for (const args of [
      ['topics', 'describe', 'ghost'],
      ['topics', 'delete', 'ghost'],
      ['topics', 'alter', 'ghost', '--config', 'a=b'],
      ['consume', 'ghost', '-e'],
    ]) {
      const r = await sluice([...args, ...server.flags]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toBe("error: unknown topic 'ghost'\n");
    }
  });

  it('names an unknown topic on produce when the broker does not create topics', async () => {
    const strict = await startBroker({ autoCreateTopics: false });
    try {
      const r = await sluice(['produce', 'ghost', '-b', `127.0.0.1:${strict.port}`], { input: 'x\n' });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/error: unknown topic 'ghost': this broker does not create topics on first use/);
    } finally {
      await strict.stop();
    }
  });

  it('colors tables only on a terminal', async () => {
    await sluice(['topics', 'create', 'colors', ...server.flags]);
    const tty = await sluiceOnTty(['topics', 'list', ...server.flags]);
    expect(tty.stdout).toContain('\x1b[1mTOPIC');
    const pipe = await sluice(['topics', 'list', ...server.flags]);
    expect(pipe.stdout).not.toContain('\x1b[');
  });
});

describe('completion', () => {
  it('prints bash and zsh scripts', async () => {
    const bash = await sluice(['completion', 'bash']);
    expect(bash.code).toBe(0);
    expect(bash.stdout).toContain('complete -o default -F _sluice_complete sluice');
    expect(bash.stdout).toContain('"topics create"');
    const zsh = await sluice(['completion', 'zsh']);
    expect(zsh.stdout.startsWith('#compdef sluice')).toBe(true);
  });
});
