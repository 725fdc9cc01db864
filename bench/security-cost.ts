// What authorization and quota accounting cost produce throughput: one produce workload against a fresh
// broker process, with authorization off or on over N ACLs, and with or without a client quota (one that
// never throttles, so only its accounting is measured). Prints records/s of one run; pair two settings
// with an alternating runner (the whole process, same workload) to compare them.
//   node --import tsx bench/security-cost.ts [--acls 0|N (N > 0: authorization on, N ACLs)] [--quota 0|1]
//     [--records 300000] [--size 100] [--per-send 100]
// With ACLs, the client (User:ANONYMOUS, not a super user) is allowed Create and Write on its topic among
// N - 2 ACLs of other principals on other topics and groups, so every produce request is checked against
// an index holding N bindings.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrokerProcess } from './lib/broker-process.js';
import { createTopic, produce } from './lib/workloads.js';
import { numberOptions } from './lib/args.js';

const args = process.argv.slice(2);
const opt = numberOptions(args);
const acls = opt('acls', 0);
const quota = opt('quota', 0) === 1;
const records = opt('records', 300_000);
const size = opt('size', 100);
const perSend = opt('per-send', 100);

const dataDir = mkdtempSync(join(tmpdir(), 'sluice-bench-security-'));
mkdirSync(join(dataDir, '__internal'));
const extraArgs: string[] = [];
if (acls > 0) {
  const allow = (resourceType: string, resourceName: string, operation: string, principal = 'User:ANONYMOUS') => ({
    principal,
    host: '*',
    resourceType,
    resourceName,
    patternType: 'literal',
    operation,
    permission: 'allow',
  });
  const bindings = [
    allow('topic', 'bench', 'Write'),
    allow('topic', 'bench', 'Create'),
    allow('topic', 'bench', 'Describe'),
  ];
  for (let i = bindings.length; i < acls; i++)
    bindings.push(
      allow(i % 2 === 0 ? 'topic' : 'group', `other-${i}`, i % 3 === 0 ? 'Read' : 'Write', `User:user-${i}`),
    );
  writeFileSync(join(dataDir, '__internal', 'acls.json'), JSON.stringify({ version: 1, acls: bindings }));
  const config = join(dataDir, 'bench-config.json');
  writeFileSync(config, JSON.stringify({ security: { authorization: true } }));
  extraArgs.push('--config', config);
}
if (quota) {
  const quotas = [{ entity: { clientId: 'bench' }, values: { producer_byte_rate: 1e12, request_rate: 1e9 } }];
  writeFileSync(join(dataDir, '__internal', 'quotas.json'), JSON.stringify({ version: 1, quotas }));
}

const broker = await startBrokerProcess({ flush: 'os', dataDir, extraArgs });
try {
  await createTopic(broker, 'bench', 1);
  const perSecond = await produce(broker, 'bench', records, size, { perSend, inFlight: 4 });
  console.log(JSON.stringify({ acls, quota, records, size, perSend, recordsPerSecond: Math.round(perSecond) }));
} finally {
  await broker.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
