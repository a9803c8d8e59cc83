import {
  getNamedType,
  isCompositeType,
  Kind,
  type DirectiveNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** The variable the gateway's query plans pass `_entities` its representations in. */
export const ENTITIES_VARIABLE = 'representations';

/** How long, and for whom, an operation's answer may be kept (Apollo's `@cacheControl`). */
export interface CachePolicy {
  maxAge: number;
  scope: 'PUBLIC' | 'PRIVATE';
}

interface Hint {
  maxAge?: number;
  scope?: 'PUBLIC' | 'PRIVATE';
}

function hintOf(directives: readonly DirectiveNode[] | undefined): Hint | undefined {
  const directive = directives?.find((d) => d.name.value === 'cacheControl');
  if (!directive) return undefined;
  const hint: Hint = {};
  for (const argument of directive.arguments ?? []) {
    const { value } = argument;
    if (argument.name.value === 'maxAge' && value.kind === Kind.INT) {
      hint.maxAge = Number(value.value);
    } else if (argument.name.value === 'scope' && value.kind === Kind.ENUM) {
      hint.scope = value.value === 'PRIVATE' ? 'PRIVATE' : 'PUBLIC';
    }
  }
  return hint;
}

const fieldHint = (field: GraphQLField<unknown, unknown>) => hintOf(field.astNode?.directives);

/** A type's hint, from its definition and its extensions alike. */
function typeHint(type: GraphQLNamedType): Hint | undefined {
  for (const node of [type.astNode, ...(type.extensionASTNodes ?? [])]) {
    const hint = hintOf(node?.directives);
    if (hint) return hint;
  }
  return undefined;
}

/**
 * What the schema's `@cacheControl` hints allow for one operation's answer, worked out from its
 * text alone, as Apollo Server's cache-control plugin does at run time: every field's hint is its
 * own, else (for an object, interface or union) its type's; a root field or a field of a composite
 * type without one may not be kept at all; a leaf field without one takes its parent's. The answer
 * may be kept for the shortest maxAge among the fields, and is private if any field is.
 *
 * Federation's `_entities` answers each representation with one of the types its fragments name:
 * its hint is the least of theirs. `entityTypes` lists them, so that a caller can check that the
 * representations it was sent (in the variable `$representations`) are all of them. Mutations are never kept.
 */
export function operationCachePolicy(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): { policy: CachePolicy; entityTypes?: Set<string> } | undefined {
  if (operation.operation !== 'query') return undefined;
  const root = schema.getQueryType();
  if (!root) return undefined;
  let maxAge = Infinity;
  let scope: CachePolicy['scope'] = 'PUBLIC';
  let entityTypes: Set<string> | undefined;
  const restrict = (hint: Hint) => {
    if (hint.maxAge !== undefined) maxAge = Math.min(maxAge, hint.maxAge);
    if (hint.scope === 'PRIVATE') scope = 'PRIVATE';
  };

  /** Walks a selection on `parent`; false as soon as a field may not be kept. */
  const walk = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType, atRoot: boolean) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT || selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment =
          selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : selection;
        if (!fragment) return false;
        const condition = fragment.typeCondition
          ? schema.getType(fragment.typeCondition.name.value)
          : parent;
        if (!condition || !isCompositeType(condition)) return false;
        if (!walk(fragment.selectionSet, condition, atRoot)) return false;
        continue;
      }
      const name = selection.name.value;
      if (name === '__typename') continue;
      if (atRoot && name === '_entities') {
        if (!walkEntities(selection)) return false;
        continue;
      }
      if (!('getFields' in parent)) return false;
      const field = parent.getFields()[name];
      if (!field) return false;
      const type = getNamedType(field.type);
      const hint = fieldHint(field) ?? (isCompositeType(type) ? typeHint(type) : undefined);
      if (hint?.maxAge === undefined && (atRoot || isCompositeType(type))) return false;
      if (hint) restrict(hint);
      if (selection.selectionSet && isCompositeType(type)) {
        if (!walk(selection.selectionSet, type, false)) return false;
      }
    }
    return true;
  };

  /**
   * `_entities(representations: $representations) { ... on T { … } }`: each fragment's type must
   * carry a hint of its own, and the representations come in the variable `$representations`.
   */
  const walkEntities = ({ arguments: args, selectionSet }: FieldNode) => {
    const [argument] = args ?? [];
    if (
      !selectionSet ||
      args?.length !== 1 ||
      argument.value.kind !== Kind.VARIABLE ||
      argument.value.name.value !== ENTITIES_VARIABLE
    ) {
      return false;
    }
    entityTypes = new Set();
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD && selection.name.value === '__typename') continue;
      if (selection.kind !== Kind.INLINE_FRAGMENT || !selection.typeCondition) return false;
      const type = schema.getType(selection.typeCondition.name.value);
      const hint = type && isCompositeType(type) ? typeHint(type) : undefined;
      if (!type || !isCompositeType(type) || hint?.maxAge === undefined) return false;
      restrict(hint);
      entityTypes.add(type.name);
      if (!walk(selection.selectionSet, type, false)) return false;
    }
    return entityTypes.size > 0;
  };

  if (!walk(operation.selectionSet, root, true) || !(maxAge > 0) || maxAge === Infinity) {
    return undefined;
  }
  return { policy: { maxAge, scope }, ...(entityTypes ? { entityTypes } : {}) };
}

/** The `cache-control` header of a policy. */
export function cacheControlHeader(policy: CachePolicy): string {
  return `max-age=${policy.maxAge}, ${policy.scope === 'PRIVATE' ? 'private' : 'public'}`;
}
