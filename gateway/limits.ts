import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  GraphQLError,
  GraphQLInt,
  Kind,
  Lexer,
  Source,
  TokenKind,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  valueFromAST,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { OperationLimits } from './config.js';

export type LimitName = 'MAX_TOKENS' | 'MAX_DEPTH' | 'MAX_ALIASES' | 'MAX_COST' | 'MAX_PAGE_SIZE';

export interface LimitsOptions<TContext> {
  limits: OperationLimits;
  maxPageSize: number;
  defaultPageSize: number;
  /** Told of every refusal, for metrics and the request's log line. */
  onReject?: (limit: LimitName, context: TContext) => void;
}

export function operationTooComplex(
  limit: LimitName,
  actual: number,
  max: number,
  message: string,
): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'OPERATION_TOO_COMPLEX', limit, max, actual, http: { status: 400 } },
  });
}

/**
 * Lexer tokens of a source, as graphql's `parse(…, { maxTokens })` counts them. A source that does
 * not lex is counted up to its first bad character: the parser then reports the syntax error.
 */
export function countTokens(source: string): number {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) count += 1;
  } catch {
    // Syntax errors are the parser's to report, with their location.
  }
  return count;
}

// The introspection fields are bounded by graphql's own MaxIntrospectionDepthRule and answered by
// the gateway without a subgraph call; counting them would break Sandbox's schema query.
const isIntrospection = (name: string) => name === '__schema' || name === '__type';

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    }
  }
  return fragments;
}

/**
 * Depth (fields nested in fields) and aliases of an operation, or of the deepest and most
 * aliased one in a document, fragments expanded. It survives fragment cycles and unknown
 * fragments (it may run before validation), and memoises fragments so that nested spreads cannot
 * make it exponential.
 */
export function measureDocument(
  document: DocumentNode,
  only?: OperationDefinitionNode,
): { depth: number; aliases: number } {
  const fragments = fragmentsOf(document);
  const memo = new Map<string, { depth: number; aliases: number } | 'visiting'>();

  const measure = (set: SelectionSetNode | undefined): { depth: number; aliases: number } => {
    let depth = 0;
    let aliases = 0;
    for (const selection of set?.selections ?? []) {
      let inner: { depth: number; aliases: number };
      if (selection.kind === Kind.FIELD) {
        if (isIntrospection(selection.name.value)) continue;
        const below = measure(selection.selectionSet);
        inner = { depth: below.depth + 1, aliases: below.aliases + (selection.alias ? 1 : 0) };
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        inner = measure(selection.selectionSet);
      } else {
        inner = measureFragment(selection.name.value);
      }
      depth = Math.max(depth, inner.depth);
      aliases += inner.aliases;
    }
    return { depth, aliases };
  };

  const measureFragment = (name: string): { depth: number; aliases: number } => {
    const known = memo.get(name);
    if (known === 'visiting') return { depth: 0, aliases: 0 };
    if (known) return known;
    const fragment = fragments.get(name);
    if (!fragment) return { depth: 0, aliases: 0 };
    memo.set(name, 'visiting');
    const measured = measure(fragment.selectionSet);
    memo.set(name, measured);
    return measured;
  };

  let result = { depth: 0, aliases: 0 };
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    if (only && definition !== only) continue;
    const measured = measure(definition.selectionSet);
    result = {
      depth: Math.max(result.depth, measured.depth),
      aliases: Math.max(result.aliases, measured.aliases),
    };
  }
  return result;
}

export interface CostOptions {
  maxPageSize: number;
  defaultPageSize: number;
  /** Items assumed for a list field without `first`. */
  listSize: number;
}

/**
 * An estimate of how many objects an operation can return, computed on the validated operation:
 * every field costs 1, times the items of each enclosing list. A field with a `first` argument
 * counts `first` items (the default page size when absent), and the lists directly inside it
 * (a connection's `nodes` and `edges`) are that page, not another multiplier; any other list of
 * objects counts `listSize` items. Scalars and `__typename` are free beyond their one.
 *
 * Also refuses a `first` beyond the page bound here, before any subgraph is called, with the
 * subgraphs' own message.
 */
export function estimateCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  options: CostOptions,
): number {
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  const fragments = fragmentsOf(document);
  const memo = new Map<string, number>();

  const pageSize = (node: FieldNode) => {
    const argument = node.arguments?.find((a) => a.name.value === 'first');
    const value = argument ? valueFromAST(argument.value, GraphQLInt, variables) : undefined;
    const first = typeof value === 'number' ? value : options.defaultPageSize;
    if (first < 0 || first > options.maxPageSize) {
      throw new GraphQLError(`first: must be between 0 and ${options.maxPageSize}`, {
        extensions: {
          code: 'BAD_USER_INPUT',
          field: 'first',
          http: { status: 400 },
        },
      });
    }
    return first;
  };

  const cost = (
    set: SelectionSetNode | undefined,
    type: GraphQLCompositeType,
    inPage: boolean,
  ): number => {
    let total = 0;
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name === '__typename' || isIntrospection(name)) continue;
        if (!('getFields' in type)) continue;
        const field = type.getFields()[name];
        if (!field) continue;
        const named = getNamedType(field.type);
        const paginated = field.args.some((a) => a.name === 'first');
        let items = 1;
        if (paginated) items = pageSize(selection);
        else if (isListType(getNullableType(field.type)) && isCompositeType(named) && !inPage) {
          items = options.listSize;
        }
        const below = isCompositeType(named) ? cost(selection.selectionSet, named, paginated) : 0;
        total += items * (1 + below);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition
          ? schema.getType(selection.typeCondition.name.value)
          : type;
        if (condition && isCompositeType(condition)) {
          total += cost(selection.selectionSet, condition, inPage);
        }
      } else {
        const fragment = fragments.get(selection.name.value);
        const condition = fragment && schema.getType(fragment.typeCondition.name.value);
        if (!fragment || !condition || !isCompositeType(condition)) continue;
        const key = `${fragment.name.value}\u0000${inPage}`;
        let value = memo.get(key);
        if (value === undefined) {
          // Validation has already refused fragment cycles; the 0 only guards the recursion.
          memo.set(key, 0);
          value = cost(fragment.selectionSet, condition, inPage);
          memo.set(key, value);
        }
        total += value;
      }
    }
    return total;
  };

  return cost(operation.selectionSet, root, false);
}

/** Tokens over the bound, as the error to send; checked on the raw text before Apollo parses it. */
export function tokenLimitError(source: string, maxTokens: number): GraphQLError | null {
  const tokens = countTokens(source);
  if (tokens <= maxTokens) return null;
  return operationTooComplex(
    'MAX_TOKENS',
    tokens,
    maxTokens,
    `operation has ${tokens} tokens, more than the limit of ${maxTokens} (MAX_TOKENS)`,
  );
}

/**
 * The operation Apollo Server could not pick, or one the schema has no root type for, refused
 * here with Apollo's own messages: the exchange layer after this point expects one runnable
 * operation.
 */
function unrunnable(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode | undefined,
  requestedName: string | null | undefined,
): GraphQLError | null {
  if (!operation) {
    const count = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length;
    const message = requestedName
      ? `Unknown operation named "${requestedName}".`
      : count === 0
        ? 'Must provide an operation.'
        : 'Must provide operation name if query contains multiple operations.';
    return new GraphQLError(message, {
      extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } },
    });
  }
  if (!schema.getRootType(operation.operation)) {
    return new GraphQLError(
      `Schema is not configured to execute ${operation.operation} operation.`,
      { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } } },
    );
  }
  return null;
}

const NUL = '\u0000';

/** Where a NUL character hides in the variables, if anywhere (walked without recursion). */
function nulInVariables(variables: Record<string, unknown> | undefined): string | null {
  const stack: [unknown, string][] = Object.entries(variables ?? {}).map(([k, v]) => [v, k]);
  while (stack.length > 0) {
    const [value, at] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes(NUL)) return at;
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push([item, `${at}[${i}]`]));
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) stack.push([v, `${at}.${k}`]);
    }
  }
  return null;
}

function nulInLiterals(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    StringValue(node) {
      if (node.value.includes(NUL)) found = true;
    },
  });
  return found;
}

/** Variable sets remembered per document; past it the set starts again (a flood of variants). */
const PASSED_PER_DOCUMENT = 256;

/** Operation name and variables as one text; null when the variables are too deep to write. */
function operationKey(name: string | null | undefined, variables: unknown): string | null {
  try {
    return `${name ?? ''}\u0000${JSON.stringify(variables ?? {})}`;
  } catch {
    return null;
  }
}

/** Refuses an operation deeper, with more aliases or costlier than the bounds, in that order. */
function checkBounds<TContext>(
  options: LimitsOptions<TContext>,
  reject: (limit: LimitName) => void,
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): void {
  const { limits } = options;
  const refuse = (error: GraphQLError) => {
    reject(error.extensions.limit as LimitName);
    return error;
  };
  const { depth, aliases } = measureDocument(document, operation);
  if (depth > limits.maxDepth) {
    throw refuse(
      operationTooComplex(
        'MAX_DEPTH',
        depth,
        limits.maxDepth,
        `operation is ${depth} fields deep, more than the limit of ${limits.maxDepth} (MAX_DEPTH)`,
      ),
    );
  }
  if (aliases > limits.maxAliases) {
    throw refuse(
      operationTooComplex(
        'MAX_ALIASES',
        aliases,
        limits.maxAliases,
        `operation uses ${aliases} aliases, more than the limit of ${limits.maxAliases} (MAX_ALIASES)`,
      ),
    );
  }
  let cost: number;
  try {
    cost = estimateCost(schema, document, operation, variables, {
      maxPageSize: options.maxPageSize,
      defaultPageSize: options.defaultPageSize,
      listSize: limits.listSize,
    });
  } catch (error) {
    reject('MAX_PAGE_SIZE');
    throw error;
  }
  if (cost > limits.maxCost) {
    throw refuse(
      operationTooComplex(
        'MAX_COST',
        cost,
        limits.maxCost,
        `operation has an estimated cost of ${cost}, more than the limit of ${limits.maxCost} (MAX_COST); ` +
          `lists count their first argument (default ${options.defaultPageSize}) or ${limits.listSize} items`,
      ),
    );
  }
}

/** Refuses a NUL character in any string the operation carries, naming the variable if it can. */
function refuseNul(document: DocumentNode, variables: Record<string, unknown> | undefined): void {
  const nul = nulInVariables(variables);
  if (nul === null && !nulInLiterals(document)) return;
  throw new GraphQLError(
    `${nul ?? 'a string argument'}: must not contain the NUL character (U+0000)`,
    {
      extensions: {
        code: 'BAD_USER_INPUT',
        ...(nul !== null ? { field: nul } : {}),
        http: { status: 400 },
      },
    },
  );
}

/**
 * Refuses, before the gateway plans anything, operations over the configured bounds: depth,
 * aliases and estimated cost, once Apollo has parsed and validated the operation and picked it
 * from the document (tokens are counted earlier, on the raw text, by the server). Apollo answers
 * an error thrown here as a 400; an error thrown from an earlier hook would be a 500.
 *
 * Strings with a NUL character are refused too: PostgreSQL cannot hold one, so the subgraph's
 * query would fail with a database error instead of saying what was wrong with the input.
 */
export function operationLimitsPlugin<TContext extends BaseContext>(
  options: LimitsOptions<TContext>,
): ApolloServerPlugin<TContext> {
  const { limits } = options;
  // Operations found within these bounds, per parsed document: operation name and variables.
  const passedOperations = new WeakMap<DocumentNode, Set<string>>();
  const remember = (document: DocumentNode, key: string, passed: Set<string> | undefined) => {
    if (!passed || passed.size >= PASSED_PER_DOCUMENT) {
      passedOperations.set(document, new Set([key]));
    } else {
      passed.add(key);
    }
  };
  return {
    async requestDidStart({ contextValue }) {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          // Apollo hands the same parsed document for the same text; an operation that passed
          // with these variables passes again, so its walks are done once.
          const key = operationKey(request.operationName, request.variables);
          const passed = passedOperations.get(document);
          if (key !== null && passed?.has(key)) return;
          const problem = unrunnable(schema, document, operation, request.operationName);
          if (problem) throw problem;
          if (!operation) return;
          const reject = (limit: LimitName) => options.onReject?.(limit, contextValue);
          checkBounds(options, reject, schema, document, operation, request.variables);
          refuseNul(document, request.variables);
          if (key !== null) remember(document, key, passed);
        },
      };
    },
  };
}
