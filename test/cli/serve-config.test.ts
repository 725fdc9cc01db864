// `sluice serve` settings: built-in defaults < config file < flags, validated once with one sentence.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serveSettings } from '../../cli/serve-config.js';
import { UsageError } from '../../cli/lib/errors.js';
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
