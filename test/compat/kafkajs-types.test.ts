// TypeScript: a typed program written against kafkajs's types (test/fixtures/compat/typed-example.ts)
// compiles against 'sluice' under strict tsc, and every type name kafkajs 2.2.4 exports (read from its
// types/index.d.ts) is exported by 'sluice', except kafkajs's internal `Broker` (Sluice's `Broker` is the
// embeddable broker) and `ConsumerGroup`. Uses the built dist/ (rebuilt when stale: test/setup/fresh-dist.ts).
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { root, userProject } from './workspace.js';

vi.setConfig({ testTimeout: 120_000 });

const NOT_EXPORTED = new Set(['Broker', 'ConsumerGroup']);

function kafkajsTypeNames(): string[] {
  const dts = readFileSync(join(root, 'node_modules', 'kafkajs', 'types', 'index.d.ts'), 'utf8');
  return [...dts.matchAll(/^export (?:declare )?(?:class|type|interface|enum|const|var|function) ([A-Za-z0-9_]+)/gm)]
    .map((m) => m[1]!)
    .filter((name) => !NOT_EXPORTED.has(name));
}

async function tsc(dir: string): Promise<string> {
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [join(root, 'node_modules', '@types')],
      },
      include: ['*.ts'],
    }),
  );
  try {
    await promisify(execFile)(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], {
      cwd: dir,
    });
    return '';
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

describe('TypeScript programs written for kafkajs', () => {
  it('a typed example compiles against sluice with strict tsc', async () => {
    const dir = await userProject(['typed-example.ts']);
    expect(await tsc(dir)).toBe('');
  });

  it(`every type name kafkajs exports (${kafkajsTypeNames().length} of them) is exported by sluice`, async () => {
    const names = kafkajsTypeNames();
    expect(names.length).toBeGreaterThan(150);
    const dir = await userProject([]);
    writeFileSync(
      join(dir, 'every-name.ts'),
      `export type {\n${names.map((n) => `  ${n},`).join('\n')}\n} from 'sluice';\n`,
    );
    expect(await tsc(dir)).toBe('');
  });
});
