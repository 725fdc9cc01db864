// Errors of the HTTP door: every refusal is `{ error_code, message }` (Confluent REST Proxy's shape), with
// error_code the HTTP status. Core refusals carry a wire error name from the shared table; this file is
// the one place those names become HTTP statuses.
import type { FastifyError, FastifyInstance } from 'fastify';
import { CoreError } from './core.js';

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const STATUS_OF: Record<string, number> = {
  UNKNOWN_TOPIC_OR_PARTITION: 404,
  GROUP_ID_NOT_FOUND: 404,
  TOPIC_ALREADY_EXISTS: 409,
  NON_EMPTY_GROUP: 409,
  UNKNOWN_MEMBER_ID: 409,
  ILLEGAL_GENERATION: 409,
  INVALID_RECORD_STATE: 409,
  REBALANCE_IN_PROGRESS: 409,
  OFFSET_OUT_OF_RANGE: 416,
  MESSAGE_TOO_LARGE: 413,
  RECORD_LIST_TOO_LARGE: 413,
  COORDINATOR_NOT_AVAILABLE: 503,
  COORDINATOR_LOAD_IN_PROGRESS: 503,
  NOT_COORDINATOR: 503,
  KAFKA_STORAGE_ERROR: 503,
  REQUEST_TIMED_OUT: 504,
};

/**
 * The HTTP status for a wire error name: 403 for the *_AUTHORIZATION_FAILED family (an ACL refused a step the
 * route's own check did not cover, e.g. a requeue's write to a source topic), 400 for the INVALID_* family and
 * policy refusals, else 500.
 */
export function statusOf(errorName: string): number {
  const known = STATUS_OF[errorName];
  if (known) return known;
  if (errorName.endsWith('_AUTHORIZATION_FAILED')) return 403;
  if (errorName.startsWith('INVALID_') || errorName === 'POLICY_VIOLATION' || errorName === 'CORRUPT_MESSAGE')
    return 400;
  return 500;
}

export interface ErrorBody {
  error_code: number;
  message: string;
}

export function errorBody(status: number, message: string): ErrorBody {
  return { error_code: status, message };
}

/** Installs the error and not-found handlers: nothing leaves the door in another shape. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpError | CoreError | Error, request, reply) => {
    if (error instanceof HttpError) return reply.code(error.status).send(errorBody(error.status, error.message));
    if (error instanceof CoreError) {
      const status = statusOf(error.errorName);
      return reply.code(status).send(errorBody(status, `${error.errorName}: ${error.message}`));
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation) {
      return reply.code(400).send(errorBody(400, `invalid request: ${fastifyError.message}`));
    }
    const status = fastifyError.statusCode;
    if (status && status >= 400 && status < 500) return reply.code(status).send(errorBody(status, error.message));
    request.log.error({ err: error, url: request.url }, 'HTTP request failed');
    return reply.code(500).send(errorBody(500, 'internal error (logged by the broker)'));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody(404, `no route for ${request.method} ${request.url.split('?')[0]}`)),
  );
}
