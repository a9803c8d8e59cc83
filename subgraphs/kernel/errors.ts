import { GraphQLError } from 'graphql';

/** Codes the subgraphs raise on purpose, each with a message written for the client. */
const SUBGRAPH_CODES = [
  'BAD_USER_INPUT',
  'UNAUTHORIZED_FIELD_OR_TYPE',
  'AUTH_ERROR',
  'NOT_FOUND',
  'CONFLICT',
  'FORBIDDEN',
  'CLAIMS_SUSPENDED',
] as const;

/** Codes the gateway, Apollo and a subgraph calling a peer raise, also written for the client. */
const SERVING_CODES = [
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'PERSISTED_QUERY_NOT_IN_LIST',
  'PERSISTED_QUERY_HASH_MISMATCH',
  'SUBGRAPH_UNAVAILABLE',
  'OPERATION_TOO_COMPLEX',
  'RATE_LIMITED',
] as const;

export type ErrorCode = (typeof SUBGRAPH_CODES)[number];
export type ClientErrorCode = ErrorCode | (typeof SERVING_CODES)[number];

/**
 * Every code whose message was written for clients: the gateway passes these on and masks any
 * other error as INTERNAL_SERVER_ERROR.
 */
export const CLIENT_ERROR_CODES: ReadonlySet<string> = new Set<ClientErrorCode>([
  ...SUBGRAPH_CODES,
  ...SERVING_CODES,
]);

/**
 * A peer's deliberate refusals, which a subgraph calling it passes on unchanged; any other
 * failure of the peer becomes SUBGRAPH_UNAVAILABLE.
 */
export const PEER_REFUSAL_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'FORBIDDEN',
]);

export function exchangeError(
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions } });
}

/** A rejected input value: names the field and the rule it broke. */
export function badInput(field: string, rule: string): GraphQLError {
  return exchangeError('BAD_USER_INPUT', `${field}: ${rule}`, { field });
}

export function notFound(what: string, id: string): GraphQLError {
  return exchangeError('NOT_FOUND', `${what} "${id}" does not exist`);
}

export function forbidden(message: string): GraphQLError {
  return exchangeError('FORBIDDEN', message);
}

/** A write the current state does not allow (a status, a duplicate, a used idempotency key). */
export function conflict(message: string): GraphQLError {
  return exchangeError('CONFLICT', message);
}
