import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { Caller } from './caller.js';

/**
 * The enterprise rows a caller may see at all: an enterprise only itself, every other party every
 * enterprise (what each may see of one is then up to the field rules). The technology bureau's
 * subgraph applies it in SQL; the subgraphs that extend `Enterprise` apply it here.
 */
export function enterpriseInRowScope(caller: Caller, enterpriseId: string): boolean {
  return caller.party !== 'enterprise' || caller.org === enterpriseId;
}

type Resolver = (...args: unknown[]) => unknown;

/**
 * Applies the enterprise row scope to a subgraph's extension of `Enterprise`: a reference to an
 * enterprise outside the caller's scope resolves to null, and so does every field this subgraph
 * adds to it when reached from one of its own objects (a registration's enterprise, a credit
 * line's), so nothing about that enterprise comes back, not even a default.
 */
export function withEnterpriseRowScope<TContext extends { caller: Caller }>(
  map: GraphQLResolverMap<TContext>,
): GraphQLResolverMap<TContext> {
  const fields = map.Enterprise as Record<string, Resolver> | undefined;
  if (!fields) return map;
  const scoped: Record<string, Resolver> = {};
  for (const [name, resolve] of Object.entries(fields)) {
    scoped[name] =
      name === '__resolveReference'
        ? (reference, context, info) =>
            enterpriseInRowScope((context as TContext).caller, (reference as { id: string }).id)
              ? resolve(reference, context, info)
              : null
        : (parent, args, context, info) =>
            enterpriseInRowScope((context as TContext).caller, (parent as { id: string }).id)
              ? resolve(parent, args, context, info)
              : null;
  }
  return { ...map, Enterprise: scoped } as GraphQLResolverMap<TContext>;
}
