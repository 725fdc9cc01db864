// The client entry point: `new Sluice({ clientId, brokers })` (alias `Kafka`) hands out producers,
// consumers and admin clients. Config is validated and defaulted once here and passed down.
import { Admin } from './admin.js';
import type { AdminConfig } from './admin-types.js';
import type { ClusterOptions } from './cluster.js';
import { Consumer } from './consumer/index.js';
import type { ConsumerConfig } from './consumer/types.js';
import { SluiceNonRetriableError } from './errors.js';
import { createLogger, type logCreator, type Logger, logLevel } from './logger.js';
import { Producer } from './producer/index.js';
import { ShareConsumer } from './share/index.js';
import type { ShareConsumerConfig } from './share/types.js';
import type { BrokersFunction, ISocketFactory, Mechanism, SASLOptions } from './kafkajs-types.js';
import { type ClientKind, NetworkSource } from './network-events.js';
import type { ProducerConfig } from './producer/types.js';
import type { RetryOptions } from './retry.js';
import { resolveSasl } from './sasl.js';

export interface SluiceConfig {
  brokers: string[] | BrokersFunction;
  clientId?: string;
  /** ms to open a TCP connection (default 1000). */
  connectionTimeout?: number;
  /** ms to wait for a response (default 30000; a fetch adds its maxWaitTimeInMs). */
  requestTimeout?: number;
  retry?: RetryOptions;
  logLevel?: logLevel;
  logCreator?: logCreator;
  /** Largest response frame accepted (default 100 MiB). */
  maxFrameBytes?: number;
  /** TLS: true (system CAs) or tls.connect options (ca, cert, key, rejectUnauthorized, servername…). */
  ssl?: import('node:tls').ConnectionOptions | boolean;
  /** SASL: { mechanism: 'scram-sha-256' | 'scram-sha-512' | 'plain', username, password } or oauthbearer. */
  sasl?: SASLOptions | Mechanism;
  /** Not supported (refused). */
  socketFactory?: ISocketFactory;
  /** Accepted for kafkajs compatibility; the SASL exchange is bounded by requestTimeout. */
  authenticationTimeout?: number;
  /** Re-authenticate this long (ms) before a limited session (a token) runs out. Default 10000. */
  reauthenticationThreshold?: number;
  /** Sluice always enforces requestTimeout; accepted for kafkajs compatibility. */
  enforceRequestTimeout?: boolean;
}

export class Sluice {
  private readonly clusterOptions: ClusterOptions;
  private readonly retry: RetryOptions | undefined;
  private readonly rootLogger: Logger;

  constructor(config: SluiceConfig) {
    if (
      !config ||
      (typeof config.brokers !== 'function' && (!Array.isArray(config.brokers) || config.brokers.length === 0))
    ) {
      throw new SluiceNonRetriableError('Failed to connect: brokers parameter should not be empty');
    }
    this.rootLogger = createLogger({ level: config.logLevel ?? logLevel.WARN, logCreator: config.logCreator });
    if (config.sasl && 'authenticationProvider' in config.sasl)
      throw new SluiceNonRetriableError('custom SASL mechanisms (authenticationProvider) are not supported');
    const sasl = resolveSasl(config.sasl);
    const ssl = config.ssl === true ? {} : config.ssl ? config.ssl : undefined;
    if (config.socketFactory) throw new SluiceNonRetriableError('socketFactory is not supported yet');
    this.retry = config.retry;
    this.clusterOptions = Object.freeze({
      brokers: config.brokers,
      clientId: config.clientId ?? 'sluice',
      connectionTimeout: positive(config.connectionTimeout, 1000, 'connectionTimeout'),
      requestTimeout: positive(config.requestTimeout, 30_000, 'requestTimeout'),
      logger: this.rootLogger,
      maxFrameBytes: config.maxFrameBytes,
      ...(ssl !== undefined ? { ssl } : {}),
      ...(sasl !== undefined ? { sasl } : {}),
      ...(config.reauthenticationThreshold !== undefined
        ? { reauthenticationThreshold: positive(config.reauthenticationThreshold, 10_000, 'reauthenticationThreshold') }
        : {}),
    });
  }

  producer(config: ProducerConfig = {}): Producer {
    return new Producer(
      this.clientOptions('Producer', 'producer'),
      config,
      this.retry,
      this.rootLogger.namespace('Producer'),
    );
  }

  consumer(config: ConsumerConfig = {}): Consumer {
    return new Consumer(
      this.clientOptions('Consumer', 'consumer'),
      config,
      this.retry,
      this.rootLogger.namespace('Consumer'),
    );
  }

  /** Sluice: a member of a share group (a queue on the log: per-record ack, retries, dead letters). */
  shareConsumer(config: ShareConsumerConfig): ShareConsumer {
    return new ShareConsumer(
      this.clientOptions('ShareConsumer', 'consumer'),
      config,
      this.rootLogger.namespace('ShareConsumer'),
    );
  }

  admin(config: AdminConfig = {}): Admin {
    return new Admin(this.clientOptions('Admin', 'admin'), config, this.retry, this.rootLogger.namespace('Admin'));
  }

  logger(): Logger {
    return this.rootLogger;
  }

  /** The cluster options of one client: its logger namespace, and its identity on the instrumentation channels. */
  private clientOptions(namespace: string, kind: ClientKind): ClusterOptions {
    return { ...this.clusterOptions, logger: this.rootLogger.namespace(namespace), network: new NetworkSource(kind) };
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new SluiceNonRetriableError(`${name} must be a positive number of ms, not ${value}`);
  return value;
}
