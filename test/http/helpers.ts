// An in-process broker with its HTTP door on free ports, and small JSON helpers over fetch.
import { Broker, type BrokerOptions } from '../../src/broker/index.js';
import { startHttpServer, type HttpOptions, type HttpServer } from '../../src/http/index.js';
import { tempDir } from '../helpers/temp-dir.js';

export interface HttpBroker {
  broker: Broker;
  http: HttpServer;
  /** "http://127.0.0.1:port" */
  url: string;
  /** "/v3/clusters/<id>" */
  cluster: string;
  stop(): Promise<void>;
}

export async function startHttpBroker(
  options: Partial<BrokerOptions> = {},
  httpOptions: HttpOptions = {},
): Promise<HttpBroker> {
  const dataDir = options.dataDir ?? (await tempDir('sluice-http-'));
  const broker = new Broker({ port: 0, shutdownTimeoutMs: 2000, ...options, dataDir });
  await broker.start();
  const http = await startHttpServer(broker, { port: 0, ...httpOptions }).catch(async (error: unknown) => {
    await broker.stop();
    throw error;
  });
  return {
    broker,
    http,
    url: http.url,
    cluster: `/v3/clusters/${broker.core.clusterId}`,
    stop: async () => {
      await http.close();
      await broker.stop();
    },
  };
}

export interface JsonResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = any>(
  b: HttpBroker,
  method: string,
  path: string,
  body?: unknown,
): Promise<JsonResponse<T>> {
  const response = await fetch(`${b.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON (metrics text, HTML): the text itself
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}
