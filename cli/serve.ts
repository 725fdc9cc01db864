// `sluice serve`: runs a broker in the foreground until SIGTERM/SIGINT, then stops it gracefully
// (in-flight requests answered, logs flushed, clean-shutdown markers written) and exits 0.
// Logs go to stdout with pino: pretty on a terminal, one JSON object per line otherwise; the line
// {"msg":"listening","port":…,"address":…} says the broker is ready.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { HttpConfigError, parseAllowedOrigin } from '../src/http/options.js';
import { configure } from './lib/command.js';
import { parseInteger, parseSize } from './lib/options.js';
import type { ServeFlags } from './serve-config.js';
import { LOG_LEVELS } from './serve-log-levels.js';

// Registering `serve` loads no broker code (the run lives in serve-run.ts, imported when the command
// runs): every other command starts without loading the broker, pino or the storage engine.

function parseFlush(raw: string): string {
  if (raw === 'always' || raw === 'os' || /^(interval:)?\d+$/.test(raw)) return raw;
  throw new InvalidArgumentError('flush must be "always", "os" or a number of milliseconds.');
}

/**
 * --http-allowed-origin (repeatable) and SLUICE_HTTP_ALLOWED_ORIGINS: origins, comma-separated too, each
 * checked as the config file's http.allowedOrigins entries are.
 */
function collectOrigins(raw: string, previous: string[] | undefined): string[] {
  const origins = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (origins.length === 0) throw new InvalidArgumentError('give an origin, like https://app.example.com.');
  try {
    return [...(previous ?? []), ...origins.map(parseAllowedOrigin)];
  } catch (error) {
    if (error instanceof HttpConfigError) throw new InvalidArgumentError(`${error.message}.`);
    throw error;
  }
}

export function register(program: Command): void {
  configure(program.command('serve'))
    .description('run a broker in the foreground (Ctrl-C or SIGTERM stops it gracefully)')
    .option('--data-dir <dir>', 'directory for partitions and metadata (default: ./data)')
    .option('--host <host>', 'interface to bind; 0.0.0.0 exposes the broker (default: 127.0.0.1)')
    .option('--port <port>', 'TCP port; 0 picks a free one (default: 9650)', parseInteger('port', 0, 65535))
    .option(
      '--advertised-host <host>',
      'host clients are told to connect to (default: --host, or 127.0.0.1 when that is 0.0.0.0 or ::)',
    )
    .option(
      '--advertised-port <port>',
      'port clients are told to connect to, e.g. behind a port forward (default: the port bound)',
      parseInteger('advertised port', 1, 65535),
    )
    .option(
      '--kafka-port <port>',
      'port of the Kafka wire-protocol listener (kcat, librdkafka, kafkajs…); 0 picks a free one (default: 9092)',
      parseInteger('Kafka port', 0, 65535),
    )
    .option('--no-kafka', 'do not open the Kafka wire-protocol listener')
    .option(
      '--advertised-kafka-port <port>',
      'port Kafka clients are told to connect to (default: the Kafka port bound)',
      parseInteger('advertised Kafka port', 1, 65535),
    )
    .option('--flush <policy>', 'default flush policy of topics: always | os | <ms> (default: os)', parseFlush)
    .option('--config <file>', 'JSON file of broker settings; flags override it')
    .addOption(new Option('--log-level <level>', 'log level (default: info)').choices(LOG_LEVELS))
    .option('--no-auto-create-topics', 'do not create topics on first produce or metadata request')
    .option(
      '--default-partitions <n>',
      'partitions of auto-created topics (default: 1)',
      parseInteger('default partitions', 1),
    )
    .option(
      '--http-port <port>',
      'port of the HTTP door (REST API, /metrics, console, WebSocket); 0 picks a free one (default: 9651 beside --port 9650, else a free one)',
      parseInteger('http port', 0, 65535),
    )
    .option('--no-http', 'serve no HTTP (REST API, /metrics, console, WebSocket)')
    .addOption(
      new Option(
        '--http-allowed-origin <origin>',
        "a web origin besides the HTTP door's own whose pages may use it, e.g. https://app.example.com (repeatable or comma-separated; added to the config file's http.allowedOrigins)",
      )
        .env('SLUICE_HTTP_ALLOWED_ORIGINS')
        .argParser(collectOrigins),
    )
    .option('--auth', 'require authentication (SASL) and enforce ACLs on every listener')
    .option(
      '--super-user <name>',
      'principal allowed everything whatever the ACLs say, "User:alice" or "alice" (repeatable)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option(
      '--jwt-key <file>',
      'accept JWT bearer tokens (OAUTHBEARER, HTTP Bearer) verified with these keys: PEM or a JWKS',
    )
    .option('--jwt-issuer <iss>', 'tokens must carry this issuer (iss)')
    .option(
      '--jwt-audience <aud>',
      'tokens must name this audience (aud); repeatable, any one matches',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option(
      '--jwt-clock-skew <seconds>',
      'clock difference tolerated on exp, nbf and iat (default: 30)',
      parseInteger('JWT clock skew', 0, 3600),
    )
    .option('--jwt-principal-claim <claim>', 'claim naming the principal (default: sub)')
    .option(
      '--insecure-allow-anonymous',
      'listen on a non-loopback address without authentication (protected mode refuses to otherwise)',
    )
    .option(
      '--cluster <etcd>',
      'cluster mode: coordinate with other brokers through etcd, e.g. etcd://127.0.0.1:2379 (needs --broker-id)',
    )
    .option('--broker-id <n>', "this broker's id in the cluster, unique per broker", parseInteger('broker id', 0))
    .option(
      '--cluster-name <name>',
      "the cluster's name: its keys live under /sluice/<name>/ in etcd (default: sluice)",
    )
    .option(
      '--offsets-topic-replication-factor <n>',
      'cluster mode: replicas of __consumer_offsets, placed once that many brokers are live (default: 3)',
      parseInteger('offsets topic replication factor', 1),
    )
    .option(
      '--inter-broker-user <name>',
      'cluster mode with --auth: the SCRAM user brokers authenticate to each other as (password from SLUICE_INTER_BROKER_PASSWORD)',
    )
    .option(
      '--inter-broker-password-file <file>',
      'read the inter-broker password from this file (else SLUICE_INTER_BROKER_PASSWORD)',
    )
    .option(
      '--tls-port <port>',
      'port of a native-protocol listener over TLS (SDK ssl, sluice --tls); 0 picks a free one',
      parseInteger('TLS port', 0, 65535),
    )
    .option(
      '--kafka-tls-port <port>',
      'port of a Kafka wire-protocol listener over TLS (security.protocol=SSL or SASL_SSL); 0 picks a free one',
      parseInteger('Kafka TLS port', 0, 65535),
    )
    .option('--tls-cert <file>', "PEM file of the TLS listeners' certificate (chain); reloaded on SIGHUP")
    .option('--tls-key <file>', "PEM file of the certificate's private key; reloaded on SIGHUP")
    .option('--tls-ca <file>', 'PEM file of the CA whose client certificates are trusted: mutual TLS')
    .addOption(
      new Option(
        '--tls-client-auth <mode>',
        'client certificates: required (default with --tls-ca), requested, none (default without)',
      ).choices(['required', 'requested', 'none']),
    )
    .option(
      '--tls-principal-rule <rule>',
      'maps a client certificate subject to a principal, Kafka\'s ssl.principal.mapping.rules: "RULE:<regex>/<replacement>/[L|U]" or "DEFAULT" (repeatable, tried in order)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--http-tls', "serve the HTTP door over HTTPS with the TLS listeners' certificate")
    .option('--no-log-cleaner', 'run no log cleaner: compacted topics are not compacted (log.cleaner.enable=false)')
    .option(
      '--log-cleaner-dedupe-buffer-size <bytes>',
      "memory of the cleaner's offset map of keys, e.g. 64MiB (log.cleaner.dedupe.buffer.size; default: 32MiB)",
      parseSize('log cleaner dedupe buffer size'),
    )
    .option(
      '--log-cleaner-io-max-bytes-per-second <bytes>',
      "cap on the cleaner's reads plus writes per second, e.g. 20MiB (log.cleaner.io.max.bytes.per.second; default: none)",
      parseSize('log cleaner I/O bytes per second'),
    )
    .option(
      '--log-cleaner-backoff-ms <ms>',
      "the cleaner's sleep when no partition needs cleaning (log.cleaner.backoff.ms; default: 15000)",
      parseInteger('log cleaner backoff'),
    )
    .option(
      '--repair',
      'truncate a corrupt sealed segment at its first bad batch (dropping what follows) instead of refusing to start',
    )
    .action(async (flags: ServeFlags, cmd: Command) => {
      // commander sets autoCreateTopics=true by default for a --no- flag; only an explicit flag counts.
      if (cmd.getOptionValueSource('autoCreateTopics') === 'default') delete flags.autoCreateTopics;
      if (cmd.getOptionValueSource('kafka') === 'default') delete flags.kafka;
      if (cmd.getOptionValueSource('http') === 'default') delete flags.http;
      if (cmd.getOptionValueSource('logCleaner') === 'default') delete flags.logCleaner;
      const { serve } = await import('./serve-run.js');
      process.exit(await serve(flags));
    });
}
