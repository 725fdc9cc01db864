// The HTTP door: one fastify instance in the broker's process, logging through the broker's pino logger,
// calling the core through HttpCore only. Serves the REST API (/v3/…), /openapi.json and /docs, health
// probes, and (next to it, registered by their own modules) /metrics, the console and the WebSocket gateway.
//
//   const broker = await createBroker({ dataDir, port: 0 });
//   const http = await startHttpServer(broker, { port: 0 });   // http.url → "http://127.0.0.1:40123"
//   …
//   await http.close();   // before broker.stop(): open HTTP and WebSocket connections are closed
import type { Server as HttpsServer } from 'node:https';
import type { SecureContextOptions } from 'node:tls';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Broker } from '../broker/index.js';
import { SLUICE_VERSION } from '../version.js';
import { consoleRoutes } from './console.js';
import { HttpCore } from './core.js';
import { installHttpAuth } from './auth.js';
import { installErrorHandlers } from './errors.js';
import { installOriginGuard } from './origin-guard.js';
import { AJV_OPTIONS, lazySerializerFactory, lazyValidatorFactory, schemaErrorText } from './lazy-schemas.js';
import { BrokerMetrics } from './metrics.js';
import { metricsSummary } from './metrics-summary.js';
import { QueuesCore } from './queues-core.js';
import { activityRoutes } from './routes/activity.js';
import { protectedModeRefusal } from '../broker/security/config.js';
import { HttpConfigError, resolveHttpConfig, type HttpConfig, type HttpOptions } from './options.js';
import { clusterRoutes } from './routes/cluster.js';
import { groupRoutes } from './routes/groups.js';
import { queueRoutes } from './routes/queues.js';
import { recordRoutes } from './routes/records.js';
import { topicRoutes } from './routes/topics.js';
import { websocketRoutes } from './ws/gateway.js';
import { PartitionTails } from './ws/partition-tails.js';
import type { WsGate } from './ws/ws-auth.js';
import type { BrokerContext } from '../broker/handlers/types.js';

/** The longest path parameter a route's schema takes (routes/context.ts: ids and names up to 255). */
const MAX_PATH_PARAMETER_LENGTH = 255;

export class HttpServer {
  readonly config: HttpConfig;
  readonly #app: FastifyInstance;
  #port = -1;
  #closing: Promise<void> | undefined;

  private constructor(app: FastifyInstance, config: HttpConfig) {
    this.#app = app;
    this.config = config;
  }

  /** Builds the routes and listens. The broker must be started. */
  static async start(broker: Broker, options: HttpOptions = {}): Promise<HttpServer> {
    const config = resolveHttpConfig(options);
    const host = config.host ?? broker.config.host;
    // Protected mode (src/broker/security/config.ts) for the door's own interface too: an http.host exposed
    // beside a loopback broker would otherwise serve every topic to anyone who reaches it, anonymously.
    const unprotected = protectedModeRefusal(host, broker.config.security);
    if (unprotected) throw new HttpConfigError(`http: ${unprotected}`);
    const core = new HttpCore(broker.core);
    const queues = new QueuesCore(broker.core, core);
    const logger = core.logger.child({ component: 'http' });
    const certificates = broker.tlsCertificates;
    if (config.tls && !certificates)
      throw new HttpConfigError(
        "http tls serves HTTPS with the broker's TLS certificate, but the broker has no tls settings",
      );
    // HTTPS: the broker's certificate, followed on reload (no client certificates: HTTP authenticates itself).
    const https = config.tls && certificates ? { https: httpsOptions(certificates.serverOptions()) } : {};
    const app = Fastify({
      ...https,
      loggerInstance: logger as FastifyBaseLogger,
      // Requests are counted by /metrics, not logged one by one.
      logController: new LogController({ disableRequestLogging: true }),
      bodyLimit: config.bodyLimit,
      // Closing the server also ends idle keep-alive connections (graceful shutdown).
      forceCloseConnections: 'idle',
      // Path parameters as long as their schemas allow (topic names: 249; group ids, config names: 255).
      // Fastify's default of 100 answered a topic name of 101 characters or more with 414.
      routerOptions: { maxParamLength: MAX_PATH_PARAMETER_LENGTH },
      ajv: { customOptions: { ...AJV_OPTIONS } },
      schemaErrorFormatter: (errors, dataVar) => new Error(schemaErrorText(errors, dataVar)),
      schemaController: {
        compilersFactory: { buildValidator: lazyValidatorFactory(), buildSerializer: lazySerializerFactory() },
      },
    });
    installErrorHandlers(app);
    acceptEmptyJsonBody(app);
    // First of all: other sites' pages and rebound host names are refused, with or without authentication.
    installOriginGuard(app, {
      boundHost: host,
      advertisedHost: broker.config.advertisedHost,
      allowedOrigins: config.allowedOrigins,
    });
    // Before any route: with authentication on, every request but the public ones is authenticated (auth.ts).
    installHttpAuth(app, broker.core);
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'Sluice REST API',
          version: SLUICE_VERSION,
          description:
            "Shaped like Confluent REST Proxy v3. Errors are { error_code, message } with error_code the HTTP status. Reads, offsets resets and the metrics summary are Sluice's own.",
        },
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
    const tails = new PartitionTails(core);
    const metrics = config.metrics
      ? new BrokerMetrics(core, {
          topicLimit: config.metricsTopicLimit,
          groupLimit: config.metricsGroupLimit,
          websocketTails: tails,
          queues,
        })
      : undefined;
    if (metrics) {
      metrics.instrument(app);
      app.addHook('onClose', async () => metrics.close());
      app.get(
        '/metrics',
        { schema: { tags: ['metrics'], summary: 'Prometheus metrics (text exposition format)' } },
        async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
      );
    }
    const context = { app, core, config };
    clusterRoutes(context, () =>
      metricsSummary(
        core,
        () => metrics?.totals() ?? null,
        () => metrics?.connectionCount() ?? null,
      ),
    );
    topicRoutes(context);
    recordRoutes(context);
    groupRoutes(context);
    queueRoutes(context, queues);
    activityRoutes(context);
    await consoleRoutes(app);
    await websocketRoutes(
      app,
      core,
      queues,
      config,
      tails,
      (delta) => metrics?.connectionOpened('websocket', delta),
      wsGate(broker.core),
    );
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

    if (config.tls && certificates) {
      const unsubscribe = certificates.onReload((context) =>
        (app.server as HttpsServer).setSecureContext(httpsOptions(context)),
      );
      app.addHook('onClose', async () => unsubscribe());
    }
    const server = new HttpServer(app, config);
    await app.listen({ host, port: config.port });
    const address = app.server.address();
    server.#port = typeof address === 'object' && address ? address.port : config.port;
    logger.info({ host, port: server.#port, tls: config.tls }, config.tls ? 'HTTPS listening' : 'HTTP listening');
    return server;
  }

  /** The bound port (differs from config.port when that is 0). */
  get port(): number {
    return this.#port;
  }

  /** "http://host:port" (or "https://…") of the bound address. */
  get url(): string {
    const scheme = this.config.tls ? 'https' : 'http';
    const address = this.#app.server.address();
    if (typeof address !== 'object' || !address) return `${scheme}://127.0.0.1:${this.#port}`;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `${scheme}://${host}:${address.port}`;
  }

  /** Test and tooling access to the fastify instance (inject requests without a socket). */
  get app(): FastifyInstance {
    return this.#app;
  }

  /** Stops listening and closes every HTTP and WebSocket connection. Safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= this.#app.close();
    return this.#closing;
  }
}

/**
 * `content-type: application/json` with an empty body is no body (many clients send the header on every
 * request, DELETE included): the route's schema then judges it as it judges a request without a body.
 * Anything else goes to fastify's own parser (prototype-poisoning checks kept).
 */
function acceptEmptyJsonBody(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (text.length === 0) return done(null, undefined);
    parse(request, text, done);
  });
}

/** The certificate and key only: the HTTP door asks for no client certificate. */
function httpsOptions(context: SecureContextOptions): SecureContextOptions {
  return { cert: context.cert, key: context.key };
}

/** The WebSocket gateway's way to the broker's authenticator and ACLs; null when authentication is off. */
function wsGate(broker: BrokerContext): WsGate | null {
  if (!broker.authenticator.required) return null;
  return {
    authenticate: (credentials, clientHost) => broker.authenticator.authenticateHttp(credentials, clientHost),
    authorize: (requester, operation, type, name) =>
      broker.authorizer.authorize(requester.principal, requester.clientHost, operation, type, name),
  };
}

/** Starts the HTTP door for a started broker: `const http = await startHttpServer(broker, { port: 0 })`. */
export function startHttpServer(broker: Broker, options: HttpOptions = {}): Promise<HttpServer> {
  return HttpServer.start(broker, options);
}
