import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';

/**
 * One resolver map from a subgraph's workflow modules: each type's fields gathered from every
 * module. A field defined twice is a mistake, reported at start-up rather than silently replaced.
 */
export function mergeResolvers<TContext>(
  ...maps: GraphQLResolverMap<TContext>[]
): GraphQLResolverMap<TContext> {
  const merged: Record<string, Record<string, unknown>> = {};
  for (const map of maps) {
    for (const [type, fields] of Object.entries(map)) {
      if (typeof fields !== 'object' || fields === null || fields.constructor !== Object) {
        // Scalars and enums: a GraphQLScalarType or value map, taken whole.
        if (type in merged) throw new Error(`resolvers: ${type} defined twice`);
        merged[type] = fields as Record<string, unknown>;
        continue;
      }
      const target = (merged[type] ??= {});
      for (const [field, resolver] of Object.entries(fields)) {
        if (field in target) throw new Error(`resolvers: ${type}.${field} defined twice`);
        target[field] = resolver;
      }
    }
  }
  return merged as GraphQLResolverMap<TContext>;
}
