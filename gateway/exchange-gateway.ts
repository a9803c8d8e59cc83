import { ApolloGateway } from '@apollo/gateway';
import type {
  GatewayExecutor,
  GatewayGraphQLRequestContext,
  GatewayInterface,
  GatewaySchemaLoadOrUpdateCallback,
} from '@apollo/server-gateway-interface';
import type { GatewayContext } from './context.js';

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
 */
export class ExchangeGateway implements GatewayInterface {
  constructor(
    readonly inner: ApolloGateway,
    private readonly layer: OperationLayer,
  ) {}

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
