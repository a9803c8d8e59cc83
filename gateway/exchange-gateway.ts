import { ApolloGateway } from '@apollo/gateway';
import type {
  GatewayExecutor,
  GatewayGraphQLRequestContext,
  GatewayInterface,
  GatewaySchemaLoadOrUpdateCallback,
} from '@apollo/server-gateway-interface';
import { GraphQLScalarType, type GraphQLSchema } from 'graphql';
import { scalarResolvers } from '../subgraphs/kernel/scalars.js';
import type { GatewayContext } from './context.js';
import { useOwnResultShaping } from './result-shaping.js';

/**
 * The supergraph knows custom scalars by name only. Giving the API schema the subgraphs' parsing
 * rejects a bad amount or date at the gateway, with the rule in the message, instead of as a
 * subgraph's 400 halfway through a plan.
 */
function adoptScalars(schema: GraphQLSchema): void {
  for (const scalar of Object.values(scalarResolvers)) {
    const type = schema.getType(scalar.name);
    if (type instanceof GraphQLScalarType) {
      type.parseValue = (value) => {
        scalar.parseValue(value);
        return value;
      };
      type.parseLiteral = (ast, variables) => {
        scalar.parseLiteral(ast, variables);
        return ast.kind === 'StringValue' ? ast.value : undefined;
      };
    }
  }
}

/** What the exchange layer does around one operation: rewrite it before planning, shape the result after. */
export interface OperationLayer {
  execute(
    requestContext: GatewayGraphQLRequestContext<GatewayContext>,
    next: GatewayExecutor,
  ): ReturnType<GatewayExecutor>;
}

/**
 * Wraps `@apollo/gateway` so that every operation passes through the exchange layer. Planning and
 * fetching stay Apollo's; the layer hands the inner executor a rewritten document together with
 * the hash of that document, because the gateway keys its query-plan cache by `queryHash`.
 * Answers are shaped by `result-shaping.ts`, the library's walk with each selection's facts
 * worked out once per request.
 */
export class ExchangeGateway implements GatewayInterface {
  constructor(
    readonly inner: ApolloGateway,
    private readonly layer: OperationLayer,
  ) {
    // Registered before Apollo Server's own callback, so requests are validated with them.
    inner.onSchemaLoadOrUpdate(({ apiSchema }) => adoptScalars(apiSchema));
    useOwnResultShaping();
  }

  onSchemaLoadOrUpdate(callback: GatewaySchemaLoadOrUpdateCallback) {
    return this.inner.onSchemaLoadOrUpdate(callback);
  }

  async load(options: Parameters<GatewayInterface['load']>[0]) {
    const { executor } = await this.inner.load(options);
    if (!executor) return { executor };
    const wrapped: GatewayExecutor = (requestContext) =>
      this.layer.execute(requestContext as GatewayGraphQLRequestContext<GatewayContext>, executor);
    return { executor: wrapped };
  }

  stop() {
    return this.inner.stop();
  }
}
