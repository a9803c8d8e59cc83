import type { GraphQLDataSource } from '@apollo/gateway';
import { Kind, parse, type DocumentNode, type SelectionSetNode } from 'graphql';
import type { GatewayContext } from '../context.js';
import { SUBJECT_ALIAS } from './analyze.js';

/**
 * The subject the layer adds (`_kx_subject`) is the type's own non-null `enterpriseId`. Where the
 * subgraph that owns it answers an entity call with `null` (no such object there), stock
 * federation leaves the object's other fields null and the object itself in place, while the
 * missing non-null subject would null the whole object and name the alias in the response. So a
 * null entity of such a call is answered with a stand-in carrying only the subject, marked
 * absent: the object stays exactly as stock federation shapes it, and the layer learns which of
 * the object's fields that subgraph would have served (they are null: there is nothing behind
 * them to withhold).
 */
const ABSENT_PREFIX = '\u0000absent:';

/** The subject of an object the subgraph owning it does not have; `keys` it would have served. */
export function absentSubject(keys: string[]): string {
  return `${ABSENT_PREFIX}${keys.join(',')}`;
}

/** The response keys an absent subject stands for, or undefined for a real subject. */
export function absentKeys(subject: unknown): Set<string> | undefined {
  if (typeof subject !== 'string' || !subject.startsWith(ABSENT_PREFIX)) return undefined;
  return new Set(subject.slice(ABSENT_PREFIX.length).split(','));
}

/** A query plan's fetches keep their documents: each is read once. */
const readFragments = new WeakMap<DocumentNode, Map<string, string[]>>();

/** Per type condition of an entity call, the response keys it selects, if it selects the subject. */
function subjectFragments(document: DocumentNode): Map<string, string[]> {
  const known = readFragments.get(document);
  if (known) return known;
  const out = new Map<string, string[]>();
  readFragments.set(document, out);
  const visit = (set: SelectionSetNode | undefined) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD && selection.name.value === '_entities') {
        for (const fragment of selection.selectionSet?.selections ?? []) {
          if (fragment.kind !== Kind.INLINE_FRAGMENT || !fragment.typeCondition) continue;
          const keys = fragment.selectionSet.selections.flatMap((s) =>
            s.kind === Kind.FIELD ? [s.alias?.value ?? s.name.value] : [],
          );
          if (keys.includes(SUBJECT_ALIAS)) out.set(fragment.typeCondition.name.value, keys);
        }
      }
    }
  };
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) visit(definition.selectionSet);
  }
  return out;
}

/**
 * Wraps a subgraph's data source so that an entity call selecting the layer's subject never
 * answers `null` for an entity (nor nothing at all, when the call failed): see `absentSubject`.
 */
export function withAbsentSubjects(
  source: GraphQLDataSource<GatewayContext>,
): GraphQLDataSource<GatewayContext> {
  return {
    async process(options) {
      const response = await source.process(options);
      // Health checks and schema loads carry no operation of a client.
      if (!('incomingRequestContext' in options)) return response;
      const { query, variables } = options.request;
      const representations = variables?.representations as { __typename?: string }[] | undefined;
      if (!query?.includes(SUBJECT_ALIAS) || !Array.isArray(representations)) return response;
      const fragments = subjectFragments(options.document ?? parse(query));
      const received = response.data?._entities;
      const entities: unknown[] = Array.isArray(received)
        ? received
        : representations.map(() => null);
      const filled = entities.map((entity, i) => {
        const keys = fragments.get(representations[i]?.__typename ?? '');
        return entity === null && keys ? { [SUBJECT_ALIAS]: absentSubject(keys) } : entity;
      });
      return { ...response, data: { ...response.data, _entities: filled } };
    },
  };
}
