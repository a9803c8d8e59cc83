import fs from 'node:fs';
import type { GatewayConfig } from './config.js';
import type { Database } from '../subgraphs/kernel/db.js';
import type { SigningKey } from '../subgraphs/kernel/keys.js';
import { indexRequirements, requiresGaps } from './authorization/directives.js';
import { ExchangeFactsSource } from './authorization/facts.js';
import { AuthorizationLayer } from './authorization/layer.js';
import { DisclosureLog } from './disclosure-log.js';
import type { OperationLayer } from './exchange-gateway.js';

/** The exchange layer over the supergraph the gateway serves: authorization and disclosure logging. */
export function createExchangeLayer(
  config: GatewayConfig,
  exchange: Database,
  signingKey: SigningKey,
  /** The finance subgraph, asked for main-bank links; absent from a supergraph not the exchange's. */
  financeUrl: string | undefined,
): OperationLayer {
  const supergraph = fs.readFileSync(config.supergraphPath, 'utf8');
  const index = indexRequirements(supergraph);
  const gaps = requiresGaps(supergraph, index);
  if (gaps.length > 0) {
    throw new Error(
      `${config.supergraphPath}: a field computed with @requires must carry the rules of what it requires: ${gaps.join('; ')}`,
    );
  }
  return new AuthorizationLayer({
    index,
    mode: config.auth.mode,
    facts: new ExchangeFactsSource(
      exchange,
      financeUrl,
      signingKey,
      config.gatewayToken.ttlSeconds,
    ),
    disclosures: new DisclosureLog(exchange),
  });
}
