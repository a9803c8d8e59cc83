import type { JSONWebKeySet } from 'jose';
import type { Database } from '../../subgraphs/kernel/db.js';
import { auditLog, type LogReport } from '../../scripts/audit/log-audit.js';

/** The disclosure log's tree-head key as the gateway publishes it. */
export async function publishedLogKeys(gatewayUrl: string): Promise<JSONWebKeySet> {
  const response = await fetch(new URL('/.well-known/disclosure-log/jwks.json', gatewayUrl));
  return (await response.json()) as JSONWebKeySet;
}

/**
 * The independent audit of the log once the gateways' sequencers have integrated every entry
 * written so far (within their interval), or at once when it finds a problem.
 */
export async function auditWhenIntegrated(
  exchange: Database,
  gatewayUrl: string,
): Promise<LogReport> {
  const jwks = await publishedLogKeys(gatewayUrl);
  for (;;) {
    const report = await auditLog(exchange, { jwks });
    if (report.problem || report.pending === 0) return report;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
