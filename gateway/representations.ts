import type { GraphQLDataSource } from '@apollo/gateway';
import type { GraphQLFormattedError } from 'graphql';
import type { GatewayContext } from './context.js';

/**
 * Where one entity occurs many times in a plan's results, the gateway asks the subgraph for it as
 * many times: a page of 50 needs with three of the bank's own products each sends the bank 150
 * copies of one `{ __typename: "Bank", id }`, and the subgraph resolves, serialises and returns
 * 150 identical answers. This wrapper sends each distinct representation once and hands the
 * gateway the answer it would have had: one entity per representation it built, in its order,
 * each a copy of its own (the gateway merges later fetches into these objects in place), and an
 * error about an entity repeated for every place that entity stood.
 */
export function withDistinctRepresentations(
  source: GraphQLDataSource<GatewayContext>,
): GraphQLDataSource<GatewayContext> {
  return {
    async process(options) {
      const representations = options.request.variables?.representations;
      if (!('incomingRequestContext' in options) || !Array.isArray(representations)) {
        return source.process(options);
      }
      const { distinct, slots } = distinctOf(representations);
      if (distinct.length === representations.length) return source.process(options);
      const response = await source.process({
        ...options,
        request: {
          ...options.request,
          variables: { ...options.request.variables, representations: distinct },
        },
      });
      const received = response.data?._entities;
      // An answer of the wrong shape is left for the gateway to refuse, as it would have.
      if (!Array.isArray(received) || received.length !== distinct.length) return response;
      const used = new Array<boolean>(distinct.length).fill(false);
      const entities = slots.map((at) => {
        if (used[at]) return copyJson(received[at]);
        used[at] = true;
        return received[at];
      });
      return {
        ...response,
        data: { ...response.data, _entities: entities },
        ...(response.errors ? { errors: response.errors.flatMap((e) => spread(e, slots)) } : {}),
      };
    },
  };
}

/** Each distinct representation once, in first-seen order, and where each original one went. */
export function distinctOf(representations: unknown[]): { distinct: unknown[]; slots: number[] } {
  const seen = new Map<string, number>();
  const distinct: unknown[] = [];
  const slots = representations.map((representation) => {
    const key = JSON.stringify(representation);
    let at = seen.get(key);
    if (at === undefined) {
      at = distinct.length;
      seen.set(key, at);
      distinct.push(representation);
    }
    return at;
  });
  return { distinct, slots };
}

/** An error at `_entities[k]` becomes one error for each original place of entity k. */
function spread(error: GraphQLFormattedError, slots: number[]): GraphQLFormattedError[] {
  const path = error.path;
  if (path?.[0] !== '_entities' || typeof path[1] !== 'number') return [error];
  const at = path[1];
  const out: GraphQLFormattedError[] = [];
  slots.forEach((slot, i) => {
    if (slot === at) out.push({ ...error, path: ['_entities', i, ...path.slice(2)] });
  });
  return out.length ? out : [error];
}

/** A deep copy of a value parsed from JSON (plain objects, arrays and scalars only). */
function copyJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyJson);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value))
    out[key] = copyJson((value as Record<string, unknown>)[key]);
  return out;
}
