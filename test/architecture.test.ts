// Enforces the import rules of DESIGN.md §1 by scanning every source file's imports.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const importPattern =
  /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm;

/** Every module specifier a file imports, with relative ones resolved to repo-relative paths. */
function importsOf(file: string, text = readFileSync(file, 'utf8')): string[] {
  const specs: string[] = [];
  for (const m of text.matchAll(importPattern)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec) continue;
    specs.push(
      spec.startsWith('.')
        ? relative(root, resolve(dirname(file), spec))
            .split(sep)
            .join('/')
        : spec,
    );
  }
  return specs;
}

interface Rule {
  /** Repo-relative folder whose files the rule applies to. */
  from: string;
  /** A resolved import is a violation when this returns a reason. */
  forbids: (target: string) => string | undefined;
}

const isUnder = (target: string, folder: string) => target === folder || target.startsWith(`${folder}/`);

const rules: Rule[] = [
  {
    from: 'storage',
    forbids: (t) =>
      isUnder(t, 'src') || isUnder(t, 'cli')
        ? 'storage/ must not import src/ or cli/'
        : t === 'node:net' || t === 'net' || t === 'node:http' || t === 'node:tls'
          ? 'storage/ never touches the network'
          : undefined,
  },
  { from: 'src', forbids: (t) => (isUnder(t, 'cli') ? 'src/ must not import cli/' : undefined) },
  {
    from: 'src/protocol',
    forbids: (t) =>
      isUnder(t, 'src/broker') || isUnder(t, 'src/client')
        ? 'src/protocol imports neither broker nor client'
        : t === 'node:net' || t === 'net'
          ? 'src/protocol must not import node:net'
          : undefined,
  },
  {
    from: 'src/protocol/kafka',
    forbids: (t) =>
      isUnder(t, 'src/protocol/apis') || t === '@msgpack/msgpack'
        ? 'the Kafka codec shares only framing and the error table with the native protocol'
        : t.startsWith('node:') && t !== 'node:buffer'
          ? 'the Kafka codec is pure code (no fs, net, timers or process)'
          : undefined,
  },
  {
    from: 'src/records',
    forbids: (t) => (isUnder(t, 'src/broker') ? 'src/records is SDK-side: no broker code' : undefined),
  },
  {
    from: 'src/broker/transport',
    forbids: (t) =>
      ['handlers', 'fetch', 'registries', 'groups', 'native', 'kafka'].some((room) => isUnder(t, `src/broker/${room}`))
        ? 'the transport knows connections and bytes, not what the requests mean: it imports no handler, fetch state, registry or wire'
        : undefined,
  },
  {
    from: 'src/broker/registries',
    forbids: (t) =>
      ['handlers', 'transport', 'fetch', 'native', 'kafka'].some((room) => isUnder(t, `src/broker/${room}`))
        ? 'registries are domain code: they know nothing of handlers, wires or connections'
        : undefined,
  },
  {
    from: 'src/broker/groups',
    forbids: (t) =>
      ['handlers', 'transport', 'fetch', 'native', 'kafka'].some((room) => isUnder(t, `src/broker/${room}`))
        ? 'the group coordinator is domain code: it knows nothing of handlers, wires or connections'
        : t.startsWith('src/protocol/errors.') || isUnder(t, 'src/protocol/kafka')
          ? 'the group coordinator raises domain errors (groups/errors.ts): only handlers know wire error codes'
          : undefined,
  },
  {
    from: 'src/client',
    forbids: (t) =>
      isUnder(t, 'src/broker')
        ? 'the client imports no broker code'
        : isUnder(t, 'storage') && !isUnder(t, 'storage/format')
          ? 'the client may use only storage/format (pure code)'
          : undefined,
  },
];

/** The protocol error table's names: domain code imports none of them, from any protocol module. */
const ERROR_TABLE_NAMES = new Set([
  'ErrorCode',
  'ErrorName',
  'ErrorInfo',
  'errorInfo',
  'errorInfoByName',
  'isErrorName',
]);

/** Folders of domain code, whose errors only handlers turn into wire codes. */
const DOMAIN_FOLDERS = ['src/broker/groups', 'src/broker/registries'];

const namedImportPattern = /(?:import|export)\s+(?:type\s+)?\{([^}]*)\}\s*from\s+['"]([^'"]+)['"]/g;

/** The error-table names a file imports from the protocol modules. */
function errorTableImports(file: string, text = readFileSync(file, 'utf8')): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(namedImportPattern)) {
    if (!m[2]!.includes('protocol/')) continue;
    for (const part of m[1]!.split(',')) {
      const name = part
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)[0]!;
      if (ERROR_TABLE_NAMES.has(name)) found.push(name);
    }
  }
  return found;
}

function violations(): string[] {
  const found: string[] = [];
  for (const rule of rules) {
    let files: string[];
    try {
      files = sourceFiles(join(root, rule.from));
    } catch {
      continue;
    }
    for (const file of files) {
      for (const target of importsOf(file)) {
        const reason = rule.forbids(target);
        if (reason) found.push(`${relative(root, file)} imports ${target}: ${reason}`);
      }
    }
  }
  for (const folder of DOMAIN_FOLDERS) {
    for (const file of sourceFiles(join(root, folder))) {
      for (const name of errorTableImports(file))
        found.push(`${relative(root, file)} imports ${name}: domain code raises domain errors, handlers map them`);
    }
  }
  return found;
}

describe('architecture', () => {
  it('keeps imports pointing cli → src → storage', () => {
    expect(violations()).toEqual([]);
  });

  it('detects a forbidden import (the scanner itself works)', () => {
    const fake = join(root, 'storage', 'fake.ts');
    const specs = importsOf(fake, "import { x } from '../src/broker/server.js';\nimport net from 'node:net';\n");
    expect(specs).toEqual(['src/broker/server.js', 'node:net']);
    const storageRule = rules[0]!;
    expect(specs.map((s) => storageRule.forbids(s)).filter(Boolean)).toHaveLength(2);
    const kafkaRule = rules.find((r) => r.from === 'src/protocol/kafka')!;
    const kafkaSpecs = importsOf(
      join(root, 'src/protocol/kafka/fake.ts'),
      "import { ProduceApi } from '../apis/produce.js';\nimport { readFileSync } from 'node:fs';\nimport { ErrorCode } from '../errors.js';\n",
    );
    expect(kafkaSpecs.map((s) => kafkaRule.forbids(s))).toEqual([expect.any(String), expect.any(String), undefined]);
    const transportRule = rules.find((r) => r.from === 'src/broker/transport')!;
    const transportSpecs = importsOf(
      join(root, 'src/broker/transport/fake.ts'),
      "import { FetchSessions } from '../fetch/sessions.js';\nimport type { Wire } from './wire.js';\n",
    );
    expect(transportSpecs.map((s) => transportRule.forbids(s))).toEqual([expect.any(String), undefined]);
    const groupsRule = rules.find((r) => r.from === 'src/broker/groups')!;
    const groupsFile = join(root, 'src/broker/groups/fake.ts');
    const groupsText =
      "import { ErrorCode, type JoinGroupRequest } from '../../protocol/index.js';\n" +
      "import { errorInfo } from '../../protocol/errors.js';\nimport { Group } from './group.js';\n";
    expect(importsOf(groupsFile, groupsText).map((s) => groupsRule.forbids(s))).toEqual([
      undefined,
      expect.any(String),
      undefined,
    ]);
    expect(errorTableImports(groupsFile, groupsText)).toEqual(['ErrorCode', 'errorInfo']);
  });
});
