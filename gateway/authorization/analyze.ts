import { createHash } from 'node:crypto';
import {
  getNamedType,
  GraphQLError,
  isAbstractType,
  isCompositeType,
  isObjectType,
  isInterfaceType,
  Kind,
  print,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  type ValidationRule,
} from 'graphql';
import type { Caller } from '../../subgraphs/kernel/caller.js';
import type { RequirementIndex } from './directives.js';
import { decideStatically, disclosedDataSets, type DataSet } from './policies.js';

/**
 * The layer's own namespace: aliases it adds to an operation and removes from the result. A
 * client may not use it (see `reservedNamesRule`), so a client's field can never stand in for
 * the subject an object is decided on.
 */
export const RESERVED_PREFIX = '_kx_';
export const SUBJECT_ALIAS = `${RESERVED_PREFIX}subject`;
export const TYPENAME_ALIAS = `${RESERVED_PREFIX}typename`;

/**
 * Stands in for a removed field, with the field's own @skip and @include, so the result shows
 * where the client asked for it: a field it skipped is not withheld, it was never asked.
 */
export const askedAlias = (key: string) => `${RESERVED_PREFIX}asked_${key}`;

/** Refuses, at validation, any operation that names an alias in the layer's namespace. */
export const reservedNamesRule: ValidationRule = (context) => ({
  Field(node) {
    const alias = node.alias?.value;
    if (alias?.startsWith(RESERVED_PREFIX)) {
      context.reportError(
        new GraphQLError(
          `The alias "${alias}" is reserved: names starting with "${RESERVED_PREFIX}" belong to the exchange; choose another alias`,
          { nodes: [node] },
        ),
      );
    }
  },
});

/**
 * The field holding the id of the enterprise an object is about (the subject of `self`,
 * `consent:*`, `main_bank` and of the disclosure log), read from the schema: the key of
 * `Enterprise` itself, and the `enterpriseId` field every other per-enterprise type carries.
 */
export function subjectField(type: GraphQLCompositeType): string | undefined {
  if (!isObjectType(type) && !isInterfaceType(type)) return undefined;
  if (type.name === 'Enterprise') return 'id';
  return type.getFields().enterpriseId ? 'enterpriseId' : undefined;
}

function distinctAt<T extends { path: string[]; key: string; onType?: string }>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const at = JSON.stringify([item.path, item.key, item.onType ?? null]);
    if (seen.has(at)) return false;
    seen.add(at);
    return true;
  });
}

/** A field removed before planning: null in every object at `path`, one error each. */
export interface Denial {
  path: string[];
  key: string;
  /** Set when the field was selected under a type condition of an abstract parent. */
  onType?: string;
  coordinate: string;
  rule: 'authenticated' | 'requiresScopes' | 'policy';
  needs: string[];
  /** The response key present in an object where the field was asked (not left out by @skip). */
  asked: string;
  /**
   * The directives of the field and of every field and fragment above it: where one of their
   * @skip or @include leaves it out for the request's variables, it was not asked.
   */
  conditions: (readonly DirectiveNode[])[];
}

/** A field kept for planning but decided per object once the data is back. */
export interface ObjectCheck {
  path: string[];
  key: string;
  onType?: string;
  coordinate: string;
  alternatives: string[][][];
  /** The data sets a grant discloses: the grant is written to the disclosure log. */
  dataSets: DataSet[];
}

export interface AnalyzedOperation {
  document: DocumentNode;
  queryHash: string;
  denials: Denial[];
  checks: ObjectCheck[];
  /** Coordinates of sensitive fields that may be disclosed (the disclosure log watches these). */
  rewritten: boolean;
}

function inlineFragments(
  set: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
): SelectionSetNode {
  const selections: SelectionNode[] = set.selections.map((selection) => {
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = fragments.get(selection.name.value)!;
      return {
        kind: Kind.INLINE_FRAGMENT,
        typeCondition: fragment.typeCondition,
        directives: selection.directives,
        selectionSet: inlineFragments(fragment.selectionSet, fragments),
      };
    }
    if (selection.selectionSet) {
      return { ...selection, selectionSet: inlineFragments(selection.selectionSet, fragments) };
    }
    return selection;
  });
  return { ...set, selections };
}

function aliasedField(alias: string, name: string): FieldNode {
  return {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: alias },
    name: { kind: Kind.NAME, value: name },
  };
}

/** The one operation a validated document runs, and its fragments by name. */
function selectOperation(
  document: DocumentNode,
  operationName: string | null,
): { operation: OperationDefinitionNode; fragments: Map<string, FragmentDefinitionNode> } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
    if (
      definition.kind === Kind.OPERATION_DEFINITION &&
      (!operationName || definition.name?.value === operationName)
    ) {
      operation ??= definition;
    }
  }
  if (!operation) throw new Error('operation not found in a validated document');
  return { operation, fragments };
}

function rootType(schema: GraphQLSchema, operation: OperationDefinitionNode) {
  return operation.operation === 'query'
    ? schema.getQueryType()
    : operation.operation === 'mutation'
      ? schema.getMutationType()
      : schema.getSubscriptionType();
}

/** One analysis under way: what it decides with, and the denials and checks found so far. */
interface Analysis {
  schema: GraphQLSchema;
  index: RequirementIndex;
  caller: Caller;
  keepDenied: boolean;
  denials: Denial[];
  checks: ObjectCheck[];
}

/** Where a selection sits: the path of response keys, and the object type a fragment narrowed to. */
interface Position {
  parent: GraphQLCompositeType;
  path: string[];
  onType: string | undefined;
  /** The directives of the fields and fragments above (see `Denial.conditions`). */
  conditions: (readonly DirectiveNode[])[];
}

function withDirectives(
  conditions: (readonly DirectiveNode[])[],
  node: { directives?: readonly DirectiveNode[] },
): (readonly DirectiveNode[])[] {
  return node.directives?.length ? [...conditions, node.directives] : conditions;
}

/**
 * Rewrites an operation for one caller: fields the token cannot reach are removed (and recorded,
 * to come back as null with an error), fields decided per object are recorded and their parents
 * made to fetch the subject id. The result depends only on the operation and the caller's party
 * and scopes, so it is cached under those.
 */
export function analyzeOperation(
  schema: GraphQLSchema,
  index: RequirementIndex,
  document: DocumentNode,
  operationName: string | null,
  caller: Caller,
  /** Dry-run: record denials but keep the fields, so the operation runs as sent. */
  keepDenied = false,
): AnalyzedOperation {
  const { operation, fragments } = selectOperation(document, operationName);
  const analysis: Analysis = { schema, index, caller, keepDenied, denials: [], checks: [] };
  const selectionSet = rewriteSelections(
    analysis,
    inlineFragments(operation.selectionSet, fragments),
    {
      parent: rootType(schema, operation)!,
      path: [],
      onType: undefined,
      conditions: [],
    },
  );
  // A field selected twice at one place (plainly and through a fragment) is one response key:
  // one decision, one error per object.
  const denials = distinctAt(analysis.denials);
  const checks = distinctAt(analysis.checks);
  if (denials.length === 0 && checks.length === 0) {
    return { document, queryHash: '', denials, checks, rewritten: false };
  }
  // Fragments are inlined, so the rewritten document holds the one operation and nothing else.
  const rewritten: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [{ ...operation, selectionSet }],
  };
  const queryHash = createHash('sha256').update(print(rewritten)).digest('hex');
  return { document: rewritten, queryHash, denials, checks, rewritten: true };
}

function rewriteSelections(
  analysis: Analysis,
  set: SelectionSetNode,
  at: Position,
): SelectionSetNode {
  const { parent } = at;
  const selections: SelectionNode[] = [];
  let needsSubject = false;
  for (const selection of set.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition
        ? (analysis.schema.getType(selection.typeCondition.name.value) as GraphQLCompositeType)
        : parent;
      const narrowed =
        isAbstractType(parent) && isObjectType(condition) ? condition.name : at.onType;
      selections.push({
        ...selection,
        selectionSet: rewriteSelections(analysis, selection.selectionSet, {
          parent: condition,
          path: at.path,
          onType: narrowed,
          conditions: withDirectives(at.conditions, selection),
        }),
      });
      continue;
    }
    if (selection.kind !== Kind.FIELD) continue;
    const rewritten = rewriteField(analysis, selection, at);
    if (!rewritten) continue;
    selections.push(rewritten.field);
    needsSubject ||= rewritten.checked;
  }
  if (needsSubject) selections.push(aliasedField(SUBJECT_ALIAS, subjectField(parent)!));
  if (isAbstractType(parent)) selections.push(aliasedField(TYPENAME_ALIAS, '__typename'));
  if (selections.length === 0) selections.push(aliasedField(TYPENAME_ALIAS, '__typename'));
  return { ...set, selections };
}

function askedMarker(selection: FieldNode, key: string): FieldNode {
  return { ...aliasedField(askedAlias(key), '__typename'), directives: selection.directives };
}

/**
 * One field, decided: a removed field leaves its marker (`askedAlias`), a kept one comes with its
 * selections rewritten and whether it is checked per object, so its parent must fetch the subject.
 */
function rewriteField(
  analysis: Analysis,
  selection: FieldNode,
  { parent, path, onType, conditions: above }: Position,
): { field: FieldNode; checked: boolean } | undefined {
  const name = selection.name.value;
  const conditions = withDirectives(above, selection);
  const key = selection.alias?.value ?? name;
  if (name.startsWith('__') || !(isObjectType(parent) || isInterfaceType(parent))) {
    return { field: selection, checked: false };
  }
  const coordinate = `${parent.name}.${name}`;
  const requirement = analysis.index.get(coordinate);
  const decision = requirement
    ? decideStatically(requirement, analysis.caller)
    : { kind: 'allow' as const };
  if (decision.kind === 'deny') {
    analysis.denials.push({
      path,
      key,
      onType,
      coordinate,
      rule: decision.rule,
      needs: decision.needs,
      asked: analysis.keepDenied ? key : askedAlias(key),
      conditions,
    });
    if (!analysis.keepDenied) return { field: askedMarker(selection, key), checked: false };
  }
  // Sensitive data is decided per object even where the token alone allows it: the
  // disclosure log records, per enterprise, every read by anyone but the enterprise itself.
  const dataSets = requirement ? disclosedDataSets(requirement) : [];
  const alternatives =
    decision.kind === 'per-object'
      ? decision.alternatives
      : decision.kind === 'allow' && dataSets.length > 0
        ? [[['unrestricted']]]
        : undefined;
  if (alternatives) {
    if (!subjectField(parent)) {
      analysis.denials.push({
        path,
        key,
        onType,
        coordinate,
        rule: 'policy',
        needs: ['a subject to decide on'],
        asked: askedAlias(key),
        conditions,
      });
      return { field: askedMarker(selection, key), checked: false };
    }
    analysis.checks.push({ path, key, onType, coordinate, alternatives, dataSets });
  }
  const fieldType = parent.getFields()[name]?.type;
  const child = fieldType ? getNamedType(fieldType) : undefined;
  const field =
    selection.selectionSet && child && isCompositeType(child)
      ? {
          ...selection,
          selectionSet: rewriteSelections(analysis, selection.selectionSet, {
            parent: child,
            path: [...path, key],
            onType: undefined,
            conditions,
          }),
        }
      : selection;
  return { field, checked: alternatives !== undefined };
}
