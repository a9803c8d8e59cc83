import { GraphQLError } from 'graphql';

export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHORIZED_FIELD_OR_TYPE'
  | 'AUTH_ERROR'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'FORBIDDEN'
  | 'CLAIMS_SUSPENDED';

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
