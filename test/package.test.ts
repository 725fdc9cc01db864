// The package as users load it: CommonJS and ESM entry points for the root and each subpath, the SDK
// subpath without the broker, and the version constant. Runs the built dist/ (test/setup/fresh-dist.ts rebuilds it when stale).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { SLUICE_VERSION } from '../src/version.js';

const root = resolve(import.meta.dirname, '..');
const fixtures = join(root, 'test', 'fixtures', 'package');

function runNode(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
}

describe('package entry points', () => {
  it("SLUICE_VERSION is package.json's version", () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(SLUICE_VERSION).toBe(pkg.version);
  });

  it('a CommonJS program can require sluice and its subpaths', () => {
    const report = JSON.parse(runNode([join(fixtures, 'require-sluice.cjs')]));
    expect(report).toEqual({
      kafkaIsSluice: true,
      rootBroker: 'function',
      clientKafka: 'function',
      clientHasBroker: false,
      brokerBroker: 'function',
      storageLogManager: 'function',
      logLevelWarn: 2,
      gzip: 1,
      version: SLUICE_VERSION,
    });
  });

  it('an ES module can import sluice and its subpaths', () => {
    const script = `
      const root = await import('sluice');
      const client = await import('sluice/client');
      const broker = await import('sluice/broker');
      console.log(JSON.stringify({ kafka: root.Kafka === root.Sluice, client: typeof client.Kafka, broker: typeof broker.Broker, clientHasBroker: 'Broker' in client }));
    `;
    const out = JSON.parse(runNode(['--input-type=module', '-e', script]));
    expect(out).toEqual({ kafka: true, client: 'function', broker: 'function', clientHasBroker: false });
  });

  it('sluice/client loads neither the broker, the storage engine nor pino', () => {
    const script = `
      require('sluice/client');
      const loaded = Object.keys(require.cache).map((p) => p.split(require('path').sep).join('/'));
      console.log(JSON.stringify(loaded.filter((p) => /\\/dist\\/cjs\\/src\\/broker\\/|\\/dist\\/cjs\\/storage\\/(?!format\\/)|\\/node_modules\\/pino\\//.test(p))));
    `;
    expect(JSON.parse(runNode(['-e', script]))).toEqual([]);
  });
});

describe('dependencies', () => {
  // Node 20 is what every machine this project targets runs; a dependency whose own engines field leaves it
  // out may use what Node 20 lacks. Dev-only packages (tests, benches) are not shipped and not checked.
  it('every package installed for users (dependencies and their dependencies) declares support for Node 20', () => {
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string; dev?: boolean; engines?: { node?: string } | string[] }>;
    };
    const refusing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === '' || entry.dev) continue;
      const node = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (node && !semver.satisfies('20.19.0', node))
        refusing.push(`${path.replace(/^.*node_modules\//, '')}@${entry.version} (node ${node})`);
    }
    expect(refusing).toEqual([]);
  });
});
