// What a handler calls: may this request's principal, from its host, perform `operation` on a resource?
// One call per resource; a denial is published as an `acl.denied` activity event (unless the caller only
// filters a listing, as Kafka does not log those either) and answered with Kafka's authorization codes.
import { ErrorCode, ProtocolError } from '../../../protocol/index.js';
import { publishActivity } from '../../diagnostics.js';
import type { BrokerContext, RequestContext } from '../../handlers/types.js';
import { formatPrincipal } from '../principal.js';
import { CLUSTER_NAME, type Operation, type ResourceType } from './types.js';

export interface WireError {
  errorCode: number;
  errorMessage: string;
}

const CODES: Readonly<Record<ResourceType, number>> = {
  topic: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
  group: ErrorCode.GROUP_AUTHORIZATION_FAILED,
  cluster: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
  'transactional-id': ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
};

/**
 * True when allowed. `audit: false` for checks that only filter what a listing shows (Metadata of all
 * topics, ListGroups): those are not denials of anything the client asked for.
 */
export function allowed(
  broker: BrokerContext,
  ctx: RequestContext,
  operation: Operation,
  type: ResourceType,
  name: string,
  audit = true,
): boolean {
  const { authorizer } = broker;
  if (!authorizer.enabled || authorizer.authorize(ctx.principal, ctx.clientHost, operation, type, name)) return true;
  if (audit) {
    publishActivity(() => ({
      type: 'acl.denied',
      principal: formatPrincipal(ctx.principal),
      clientHost: ctx.clientHost,
      ...(ctx.header.clientId ? { clientId: ctx.header.clientId } : {}),
      outcome: 'denied',
      resource: `${type}:${name}`,
      details: { operation, apiKey: ctx.header.apiKey },
    }));
  }
  return false;
}

/** allowed() on the cluster resource. */
export function allowedOnCluster(broker: BrokerContext, ctx: RequestContext, operation: Operation, audit = true) {
  return allowed(broker, ctx, operation, 'cluster', CLUSTER_NAME, audit);
}

/** Creating a topic needs Create on the cluster or on the topic (Kafka). */
export function mayCreateTopic(broker: BrokerContext, ctx: RequestContext, name: string): boolean {
  return allowedOnCluster(broker, ctx, 'Create', false) || allowed(broker, ctx, 'Create', 'topic', name);
}

/** The error a denied request gets for this resource. */
export function denied(operation: Operation, type: ResourceType, name: string, ctx: RequestContext): WireError {
  const what = type === 'cluster' ? 'the cluster' : `${type} "${name}"`;
  return {
    errorCode: CODES[type],
    errorMessage: `${formatPrincipal(ctx.principal)} is not allowed to ${operation} ${what}`,
  };
}

/** The denial as a ProtocolError, for per-topic loops that map thrown errors to results. */
export function refusal(operation: Operation, type: ResourceType, name: string, ctx: RequestContext): ProtocolError {
  const { errorCode, errorMessage } = denied(operation, type, name, ctx);
  return new ProtocolError(errorCode, errorMessage);
}

/** An idempotent producer (InitProducerId without a transactional id) needs IdempotentWrite on the cluster, or Write on some topic (KIP-679). */
export function mayProduceIdempotently(broker: BrokerContext, ctx: RequestContext): boolean {
  const { authorizer } = broker;
  if (!authorizer.enabled || authorizer.authorizeAny(ctx.principal, ctx.clientHost, 'Write', 'topic')) return true;
  return allowedOnCluster(broker, ctx, 'IdempotentWrite');
}

/** Throws the denial as a ProtocolError (for per-topic loops that map thrown errors to results). */
export function requireAllowed(
  broker: BrokerContext,
  ctx: RequestContext,
  operation: Operation,
  type: ResourceType,
  name: string,
): void {
  if (!allowed(broker, ctx, operation, type, name)) throw refusal(operation, type, name, ctx);
}
