import type { GatewayExecutionResult } from '@apollo/server-gateway-interface';
import type { GraphQLFormattedError } from 'graphql';
import { RESERVED_PREFIX } from './analyze.js';

type Json = Record<string, unknown>;

/** Calls `visit` for every object found at `path` below `data`, with its concrete response path. */
export function forEachObject(
  data: unknown,
  path: readonly string[],
  visit: (object: Json, at: (string | number)[]) => void,
  at: (string | number)[] = [],
  depth = 0,
): void {
  if (data === null || data === undefined) return;
  if (Array.isArray(data)) {
    data.forEach((item, i) => forEachObject(item, path, visit, [...at, i], depth));
    return;
  }
  if (typeof data !== 'object') return;
  if (depth === path.length) {
    visit(data as Json, at);
    return;
  }
  const key = path[depth];
  forEachObject((data as Json)[key], path, visit, [...at, key], depth + 1);
}

export function unauthorizedError(
  at: (string | number)[],
  coordinate: string,
  rule: string,
  needs: string[],
): GraphQLFormattedError {
  return {
    message: `Unauthorized field or type: ${coordinate} is withheld; it needs ${needs.join(', or ')}`,
    path: at,
    extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE', rule, needs },
  };
}

/** Removes the aliases the layer added, everywhere in the result. */
export function stripAdded(data: unknown): void {
  if (data === null || typeof data !== 'object') return;
  if (Array.isArray(data)) {
    for (const item of data) stripAdded(item);
    return;
  }
  const object = data as Json;
  for (const key of Object.keys(object)) {
    if (key.startsWith(RESERVED_PREFIX)) delete object[key];
    else stripAdded(object[key]);
  }
}

const added = (error: { path?: readonly (string | number)[] }) =>
  error.path?.some((key) => typeof key === 'string' && key.startsWith(RESERVED_PREFIX)) ?? false;

/**
 * The result without the errors about the layer's own selections: a subgraph's error on an added
 * subject, or Apollo's value-completion note about one. The client asked for neither.
 */
export function withoutAddedErrors(result: GatewayExecutionResult): GatewayExecutionResult {
  const errors = result.errors?.filter((e) => !added(e));
  const completion = result.extensions?.valueCompletion as { path?: string[] }[] | undefined;
  const notes = completion?.filter((e) => !added(e));
  const { valueCompletion: _, ...extensions } = result.extensions ?? {};
  const out: GatewayExecutionResult = { ...result };
  if (errors) {
    if (errors.length) out.errors = errors;
    else delete out.errors;
  }
  if (completion) {
    out.extensions = notes?.length ? { ...extensions, valueCompletion: notes } : extensions;
    if (!notes?.length && Object.keys(extensions).length === 0) delete out.extensions;
  }
  return out;
}
