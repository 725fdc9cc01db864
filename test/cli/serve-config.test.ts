// `sluice serve` settings: built-in defaults < config file < flags, validated once with one sentence.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serveSettings } from '../../cli/serve-config.js';
import { UsageError } from '../../cli/lib/errors.js';
import { runSluice } from '../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';

afterAll(removeTempDirs);

async function configFile(content: unknown): Promise<string> {
  const path = join(await tempDir(), 'sluice.json');
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('serve settings', () => {
  it('defaults to ./data on 127.0.0.1:9650 at level info', () => {
    const s = serveSettings({});
    expect(s.options).toMatchObject({ dataDir: './data' });
    expect(s.options.port).toBeUndefined();
    expect(s.logLevel).toBe('info');
  });

  it('merges the config file under the flags; a relative dataDir is relative to the file', async () => {
    const path = await configFile({
      port: 1234,
      flush: 'always',
      dataDir: 'store',
      defaultPartitions: 3,
      logLevel: 'warn',
      topicDefaults: { retentionMs: 1000 },
    });
    const fromFile = serveSettings({ config: path });
    expect(fromFile.options).toMatchObject({
      port: 1234,
      flush: 'always',
      dataDir: join(path, '..', 'store'),
      defaultPartitions: 3,
      topicDefaults: { retentionMs: 1000 },
    });
    expect(fromFile.logLevel).toBe('warn');
    const flagged = serveSettings({
      config: path,
      port: 0,
      flush: 'os',
      dataDir: '/tmp/elsewhere',
      logLevel: 'debug',
      autoCreateTopics: false,
    });
    expect(flagged.options).toMatchObject({
      port: 0,
      flush: 'os',
      dataDir: '/tmp/elsewhere',
      autoCreateTopics: false,
      defaultPartitions: 3,
    });
    expect(flagged.logLevel).toBe('debug');
  });

  it('answers every problem with a UsageError sentence', async () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [() => serveSettings({ config: '/nope/sluice.json' }), /does not exist/],
      [() => serveSettings({ logLevel: 'loud' }), /log level must be one of/],
      [() => serveSettings({ flush: 'never' }), /flush must be/],
    ];
    const bad = await configFile('{ not json');
    cases.push([() => serveSettings({ config: bad }), /is not valid JSON/]);
    const unknown = await configFile({ prot: 9650 });
    cases.push([() => serveSettings({ config: unknown }), /unknown setting "prot"/]);
    const outOfRange = await configFile({ port: 99999 });
    cases.push([
      () => serveSettings({ config: outOfRange }),
      /invalid broker setting: port must be between 0 and 65535/,
    ]);
    const array = await configFile([1]);
    cases.push([() => serveSettings({ config: array }), /must hold a JSON object/]);
    for (const [run, message] of cases) {
      expect(run).toThrow(UsageError);
      expect(run).toThrow(message);
    }
  });
});

describe('log cleaner settings of sluice serve', () => {
  it('takes --log-cleaner-* flags over the config file, and --no-log-cleaner turns the cleaner off', async () => {
    const path = await configFile({ logCleaner: { dedupeBufferBytes: 1024 * 1024, backoffMs: 500 } });
    expect(serveSettings({ config: path }).options.logCleaner).toEqual({
      dedupeBufferBytes: 1024 * 1024,
      backoffMs: 500,
    });
    const flagged = serveSettings({
      config: path,
      logCleanerDedupeBufferSize: 64 * 1024 * 1024,
      logCleanerIoMaxBytesPerSecond: 20 * 1024 * 1024,
    });
    expect(flagged.options.logCleaner).toEqual({
      dedupeBufferBytes: 64 * 1024 * 1024,
      ioMaxBytesPerSecond: 20 * 1024 * 1024,
      backoffMs: 500,
    });
    expect(serveSettings({ config: path, logCleaner: false }).options.logCleaner).toBe(false);
    const off = await configFile({ logCleaner: false });
    expect(serveSettings({ config: off }).options.logCleaner).toBe(false);
    expect(serveSettings({ config: off, logCleanerBackoffMs: 100 }).options.logCleaner).toEqual({ backoffMs: 100 });
  });

  it('refuses bad values with one sentence naming the setting and its flag', async () => {
    const cases: Array<[Parameters<typeof serveSettings>[0], RegExp]> = [
      [
        { logCleanerDedupeBufferSize: 10 },
        /invalid broker setting: logCleaner\.dedupeBufferBytes \(--log-cleaner-dedupe-buffer-size\) must be between 1024 and 2147483648, got 10/,
      ],
      [
        { logCleanerIoMaxBytesPerSecond: 1 },
        /logCleaner\.ioMaxBytesPerSecond \(--log-cleaner-io-max-bytes-per-second\) must be between 1024 and/,
      ],
      [{ logCleanerBackoffMs: 0 }, /logCleaner\.backoffMs \(--log-cleaner-backoff-ms\) must be between 1 and/],
      [
        { logCleaner: false, logCleanerBackoffMs: 100 },
        /--no-log-cleaner turns the cleaner off: --log-cleaner-backoff-ms cannot go with it/,
      ],
      [
        { config: await configFile({ logCleaner: { backoffMs: 'soon' } }) },
        /logCleaner\.backoffMs \(--log-cleaner-backoff-ms\) must be an integer, got "soon"/,
      ],
      [{ config: await configFile({ logCleaner: { threads: 2 } }) }, /logCleaner\.threads is not a log cleaner option/],
      [{ config: await configFile({ logCleaner: 'on' }) }, /logCleaner must be false or an object/],
    ];
    for (const [flags, message] of cases) {
      const run = () => serveSettings(flags);
      expect(run).toThrow(UsageError);
      expect(run).toThrow(message);
    }
  });

  it('sluice serve exits with the error for a bad flag value, before opening anything', async () => {
    const dataDir = await tempDir();
    const sizes = await runSluice(
      ['serve', '--data-dir', dataDir, '--port', '0', '--log-cleaner-dedupe-buffer-size', 'lots'],
      60_000,
    );
    expect(sizes.code).not.toBe(0);
    expect(sizes.stderr).toMatch(/log cleaner dedupe buffer size must be a byte count like 100, 1k or 2MiB/);
    const small = await runSluice(
      [
        'serve',
        '--data-dir',
        dataDir,
        '--port',
        '0',
        '--log-cleaner-dedupe-buffer-size',
        '1000',
        '--no-http',
        '--no-kafka',
      ],
      60_000,
    );
    expect(small.code).toBe(2);
    expect(small.stderr).toMatch(
      /logCleaner\.dedupeBufferBytes \(--log-cleaner-dedupe-buffer-size\) must be between 1024/,
    );
  }, 120_000);
});

describe('sluice serve without an HTTP door', () => {
  it('refuses --http-port, --http-tls and --http-allowed-origin with --no-http or "http": false, naming them', async () => {
    expect(serveSettings({ http: false }).http).toBeNull();
    const noHttpFile = await configFile({ http: false });
    const cases: Array<[Parameters<typeof serveSettings>[0], RegExp]> = [
      [{ http: false, httpPort: 8080 }, /^--no-http serves no HTTP door: --http-port cannot go with it$/],
      [{ http: false, httpTls: true }, /^--no-http serves no HTTP door: --http-tls cannot go with it$/],
      [
        { http: false, httpPort: 0, httpAllowedOrigin: ['https://app.example.com'] },
        /^--no-http serves no HTTP door: --http-port, --http-allowed-origin \(or SLUICE_HTTP_ALLOWED_ORIGINS\) cannot go with it$/,
      ],
      [
        { config: noHttpFile, httpPort: 8080 },
        /^the config file's "http": false serves no HTTP door: --http-port cannot go with it$/,
      ],
    ];
    for (const [flags, message] of cases) {
      const run = () => serveSettings(flags);
      expect(run).toThrow(UsageError);
      expect(run).toThrow(message);
    }
  });

  it('sluice serve --no-http --http-port exits with the usage error before opening anything', async () => {
    const dataDir = await tempDir();
    const r = await runSluice(
      ['serve', '--data-dir', dataDir, '--port', '0', '--no-kafka', '--no-http', '--http-port', '8080'],
      60_000,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--no-http serves no HTTP door: --http-port cannot go with it/);
  }, 120_000);
});

describe('--offsets-topic-replication-factor', () => {
  it('sets cluster.offsetsTopicReplicationFactor over the config file, and needs cluster mode', async () => {
    const path = await configFile({ cluster: { etcd: 'etcd://127.0.0.1:2379', offsetsTopicReplicationFactor: 3 } });
    const s = serveSettings({
      config: path,
      brokerId: 1,
      cluster: 'etcd://127.0.0.1:2379',
      offsetsTopicReplicationFactor: 1,
    });
    expect(s.options.cluster).toMatchObject({ etcd: 'etcd://127.0.0.1:2379', offsetsTopicReplicationFactor: 1 });
    const fileOnly = serveSettings({ config: path, brokerId: 1, offsetsTopicReplicationFactor: 2 });
    expect(fileOnly.options.cluster).toMatchObject({ offsetsTopicReplicationFactor: 2 });
    expect(() => serveSettings({ offsetsTopicReplicationFactor: 2 })).toThrow(
      new UsageError('--offsets-topic-replication-factor needs --cluster etcd://host:port'),
    );
  });

  it('is refused by `sluice serve` when it is not a whole number of at least 1', async () => {
    const run = await runSluice(
      ['serve', '--cluster', 'etcd://127.0.0.1:1', '--broker-id', '1', '--offsets-topic-replication-factor', '0'],
      30_000,
    );
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/offsets topic replication factor/);
  });
});
