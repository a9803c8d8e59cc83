import {
  execute,
  getOperationAST,
  GraphQLError,
  Kind,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Logger } from './logger.js';
import { cacheControlHeader, ENTITIES_VARIABLE, operationCachePolicy } from './cache-policy.js';

/** One operation as the gateway's query plan sends it to a subgraph. */
export interface SubgraphRequest {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

/**
 * An operation's answer: its HTTP status (400 for a request that never ran), its body, and the
 * `cache-control` the schema's hints allow for it (only an answer without errors has one).
 */
export interface OperationAnswer {
  status: number;
  body: FormattedExecutionResult;
  cacheControl?: string;
}

/** Runs one operation for a request's context; the request id names it in the error log. */
export type OperationExecutor = (
  request: SubgraphRequest,
  contextValue: object,
  requestId: string,
) => Promise<OperationAnswer>;

/** What an answer to a prepared text may be kept for, and the entity types it may be about. */
interface Cacheable {
  header: string;
  entityTypes?: Set<string>;
}

/**
 * A query text parsed and validated once: its document, its operations compiled by name as they
 * are asked for, and, for a text of one query, the cache policy its fields' hints allow; or the
 * refusal it always gets.
 */
type Prepared =
  | { document: DocumentNode; compiled: Map<string, CompiledQuery | null>; cacheable?: Cacheable }
  | { refusal: OperationAnswer };

/** The query plans send the same few texts again and again; more than this is not a working set. */
const PREPARED_TEXTS = 1_000;

/**
 * Executes subgraph operations: each query text is parsed and validated (graphql's specified
 * rules, introspection allowed) once, each of its operations compiled once into a function by
 * graphql-jit, and every request after that only runs it. graphql-js's field-by-field execution
 * was a quarter of a subgraph's CPU on a feed page (the same resolvers for every one of 50
 * needs); the compiled function walks the same selection without re-reading it. A request that
 * never ran (its variables did not coerce) is run again by graphql-js for graphql's own
 * refusal. Answers and error codes are those Apollo Server gave: GRAPHQL_PARSE_FAILED,
 * GRAPHQL_VALIDATION_FAILED and OPERATION_RESOLUTION_FAILURE with 400, a variable that does not
 * coerce BAD_USER_INPUT with 400, an error without a code INTERNAL_SERVER_ERROR, never a stack.
 * `compile` is graphql-jit's compiler unless a caller watches what is compiled and run.
 */
export function createOperationExecutor(
  schema: GraphQLSchema,
  logger: Logger,
  compile: typeof compileQuery = compileQuery,
): OperationExecutor {
  const prepared = new Map<string, Prepared>();
  const prepare = (query: string): Prepared => {
    let entry = prepared.get(query);
    if (entry) {
      // Re-inserted, so the map's order is least recently used first.
      prepared.delete(query);
    } else {
      entry = prepareText(schema, query);
      if (prepared.size >= PREPARED_TEXTS) prepared.delete(prepared.keys().next().value!);
    }
    prepared.set(query, entry);
    return entry;
  };
  return async (request, contextValue, requestId) => {
    const entry = prepare(request.query);
    if ('refusal' in entry) return entry.refusal;
    const { document } = entry;
    const resolved = getOperationAST(document, request.operationName) !== null;
    let result: ExecutionResult;
    try {
      const compiled = resolved
        ? compiledOperation(compile, schema, entry, request.operationName)
        : null;
      const ran = compiled && (await compiled.query(undefined, contextValue, request.variables));
      result =
        ran && ran.data !== undefined
          ? { ...ran, errors: ran.errors?.map(fromCompiled) }
          : await execute({
              schema,
              document,
              contextValue,
              variableValues: request.variables,
              operationName: request.operationName,
            });
    } catch (error) {
      const failure = asGraphQLError(error);
      logUnexpected(logger, [failure], requestId);
      return { status: 500, body: { errors: [formatError(failure)] } };
    }
    const errors = resolved
      ? result.errors?.map(asUserInputError)
      : result.errors?.slice(0, 1).map((e) => withCode(e, 'OPERATION_RESOLUTION_FAILURE'));
    if (!errors?.length) {
      const cacheControl = cacheControlOf(entry.cacheable, request.variables);
      return { status: 200, body: { data: result.data }, ...(cacheControl && { cacheControl }) };
    }
    logUnexpected(logger, errors, requestId);
    return {
      // No data at all: the operation never ran (its variables did not coerce, or none was named).
      status: result.data === undefined ? 400 : 200,
      body: { errors: errors.map(formatError), data: result.data },
    };
  };
}

/**
 * The named operation of a prepared text as a compiled function, compiled on first use; null
 * where graphql-jit refuses one, which graphql-js then executes.
 */
function compiledOperation(
  compile: typeof compileQuery,
  schema: GraphQLSchema,
  entry: { document: DocumentNode; compiled: Map<string, CompiledQuery | null> },
  operationName: string | undefined,
): CompiledQuery | null {
  const key = operationName ?? '';
  let compiled = entry.compiled.get(key);
  if (compiled === undefined) {
    const outcome = compile(schema, entry.document, operationName, {
      // Errors are logged with their original error's stack; the compiled code's is never shown.
      disablingCapturingStackErrors: true,
    });
    compiled = isCompiledQuery(outcome) ? outcome : null;
    entry.compiled.set(key, compiled);
  }
  return compiled;
}

function prepareText(schema: GraphQLSchema, query: string): Prepared {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    return refusal([withCode(asGraphQLError(error), 'GRAPHQL_PARSE_FAILED')]);
  }
  const invalid = validate(schema, document, specifiedRules);
  if (invalid.length > 0) {
    return refusal(invalid.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED')));
  }
  return { document, compiled: new Map(), cacheable: cacheableOf(schema, document) };
}

function cacheableOf(schema: GraphQLSchema, document: DocumentNode): Cacheable | undefined {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1) return undefined;
  const fragments = new Map(
    document.definitions.flatMap((d) =>
      d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [],
    ),
  );
  const cacheable = operationCachePolicy(schema, operations[0], fragments);
  if (!cacheable) return undefined;
  const header = cacheControlHeader(cacheable.policy);
  return { header, ...(cacheable.entityTypes && { entityTypes: cacheable.entityTypes }) };
}

/**
 * The answer's cache-control: the text's, provided that an `_entities` answer was asked only for
 * representations of the types its fragments name (another type's would have no hint).
 */
function cacheControlOf(
  cacheable: Cacheable | undefined,
  variables: Record<string, unknown> | undefined,
): string | undefined {
  if (!cacheable) return undefined;
  const { entityTypes } = cacheable;
  if (entityTypes) {
    const representations = variables?.[ENTITIES_VARIABLE];
    if (!Array.isArray(representations)) return undefined;
    for (const representation of representations) {
      const typename = (representation as { __typename?: unknown } | null)?.__typename;
      if (typeof typename !== 'string' || !entityTypes.has(typename)) return undefined;
    }
  }
  return cacheable.header;
}

/**
 * graphql-jit's errors inherit GraphQLError's prototype but not its fields (no nodes, no
 * extensions of their own): each becomes graphql's own, with the original error's extensions.
 */
function fromCompiled(error: GraphQLError): GraphQLError {
  if (error.constructor === GraphQLError) return error;
  const original = error.originalError;
  const located = new GraphQLError(error.message, {
    path: error.path,
    originalError: original,
    extensions: original instanceof GraphQLError ? original.extensions : error.extensions,
  });
  return Object.assign(located, { locations: error.locations });
}

function refusal(errors: GraphQLError[]): Prepared {
  return { refusal: { status: 400, body: { errors: errors.map(formatError) } } };
}

function asGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  const cause = error instanceof Error ? error : new Error(`Unexpected error value: ${error}`);
  return new GraphQLError(cause.message, { originalError: cause });
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError ?? error,
    extensions: { ...error.extensions, code },
  });
}

/** Beginnings of graphql's own refusals of a variable's value, which carry no code. */
const COERCION_FAILURES = [
  'has invalid value',
  'got invalid value ',
  'of required type ',
  'of non-null type ',
];

/** A variable graphql could not coerce is the client's mistake: BAD_USER_INPUT. */
function asUserInputError(error: GraphQLError): GraphQLError {
  const node = error.nodes?.length === 1 ? error.nodes[0] : undefined;
  if (error.extensions.code != null || node?.kind !== Kind.VARIABLE_DEFINITION) return error;
  const prefix = `Variable "$${node.variable.name.value}" `;
  if (!COERCION_FAILURES.some((rest) => error.message.startsWith(prefix + rest))) return error;
  return withCode(error, 'BAD_USER_INPUT');
}

function formatError(error: GraphQLError): GraphQLFormattedError {
  return {
    ...error.toJSON(),
    extensions: { ...error.extensions, code: error.extensions.code ?? 'INTERNAL_SERVER_ERROR' },
  };
}

/**
 * The gateway shows its client only "internal error"; the cause is logged here, under the
 * request id the gateway logged too. Errors with a code were raised on purpose.
 */
function logUnexpected(logger: Logger, errors: readonly GraphQLError[], requestId: string): void {
  for (const error of errors) {
    const code = error.extensions.code;
    if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') continue;
    logger.error(
      { requestId, path: error.path, err: error.originalError ?? error },
      'resolver error',
    );
  }
}
