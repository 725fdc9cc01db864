// The real programs the tests drive, installed from Debian packages when missing (part of `npm test`, so the
// README's `npm ci && npm test` needs nothing else on a fresh Debian machine; .ci/run runs the same command).
//
//   kcat, python3-confluent-kafka  the Kafka listener's tests (real librdkafka clients)
//   openssl                        the TLS tests make their own CA and certificates
//   chromium                       the web console's browser tests (headless)
//   etcd-server                    the cluster tests (etcd 3.4 on free loopback ports)
//   iproute2                       the partitioned-leader test (`ip netns`, as root)
//
// Only as root on a machine with apt-get: anywhere else it names what is missing and the command that
// installs it, and the tests that need a missing program fail saying the same.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const onPath = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const pythonImports = (module) =>
  existsSync('/usr/bin/python3') &&
  spawnSync('/usr/bin/python3', ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;

const PROGRAMS = [
  { pkg: 'kcat', present: () => onPath('kcat') },
  { pkg: 'openssl', present: () => onPath('openssl') },
  { pkg: 'python3-confluent-kafka', present: () => pythonImports('confluent_kafka') },
  { pkg: 'chromium', present: () => onPath('chromium') },
  { pkg: 'etcd-server', present: () => onPath('etcd') },
  { pkg: 'iproute2', present: () => onPath('ip') },
];

const missing = PROGRAMS.filter((program) => !program.present()).map((program) => program.pkg);
if (missing.length > 0) {
  const command = `apt-get install -y ${missing.join(' ')}`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !onPath('apt-get')) {
    process.stderr.write(
      `test programs missing: ${missing.join(', ')}; the tests that drive them will fail. Install them with: ${command}\n`,
    );
  } else {
    process.stderr.write(`installing the programs the tests drive: ${missing.join(', ')} (${command})\n`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const run = (args) => spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env }).status;
    if (run(['update', '-qq']) !== 0 || run(['install', '-y', '-qq', ...missing]) !== 0) {
      process.stderr.write(`apt-get could not install ${missing.join(', ')}; the tests that drive them will fail\n`);
    }
  }
}
