export { HttpServer, startHttpServer } from './server.js';
export { DEFAULT_HTTP_PORT, HttpConfigError, resolveHttpConfig } from './options.js';
export type { HttpConfig, HttpOptions } from './options.js';
