import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/kernel/config.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startLocalGraph } from '../../gateway/local-graph.js';
import { mintDevToken } from '../../gateway/dev-identity.js';
import type { DatabaseUrls } from './databases.js';
import type { Operation } from './operations.js';

export type StatementCounts = Record<SubgraphName, number> & { total: number };

/**
 * SQL statements one request of each operation sends, counted where they are sent: the graph runs
 * in this process over the same databases (postgres.js, the same code as the servers), and every
 * database handle counts what drizzle hands the driver (BEGIN/COMMIT of a transaction are the
 * driver's and not counted). `exchange` includes the gateway's own consent lookup and disclosure
 * log write, which use that database, but not the sequencer's integration of the log's entries
 * into its tree (background rounds, each for every entry written since the last). Each operation runs once to warm up, then once counted.
 */
export async function countStatements(
  urls: DatabaseUrls,
  operations: { operation: Operation; variables: () => Record<string, unknown>; org: string }[],
): Promise<Map<Operation, StatementCounts>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-bench-count-'));
  // Quiet: request logs of this in-process graph would interleave with the benchmark's output.
  // No claim throttle, as for the measured targets: the claims of an earlier run within the hour
  // would otherwise count against the bank and suspend it.
  // The log's sequencer integrates entries into the tree in the background, on a timer: its
  // rounds are not a request's statements, so it does not run while counting.
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    CLAIM_MAX_PER_HOUR: '0',
    LOG_INTEGRATION_MS: String(3_600_000),
  };
  for (const name of SUBGRAPH_NAMES) env[`DATABASE_URL_${name.toUpperCase()}`] = urls[name];
  const config = loadGatewayConfig(env);
  const graph = await startLocalGraph(config, { ephemeralPorts: true });
  const counts = new Map<Operation, StatementCounts>();
  try {
    for (const { operation, variables, org } of operations) {
      const token = await mintDevToken(graph.devIssuer, config.auth, {
        party: operation.caller,
        org: operation.caller === 'bank' ? org : null,
      });
      const send = async () => {
        const response = await fetch(graph.gateway.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({
            operationName: operation.operationName,
            query: operation.query,
            variables: variables(),
          }),
        });
        const body = (await response.json()) as { errors?: unknown[] };
        if (body.errors?.length) {
          throw new Error(`${operation.id} failed: ${JSON.stringify(body.errors).slice(0, 400)}`);
        }
      };
      await send();
      const before = SUBGRAPH_NAMES.map((n) => graph.databases[n].statements.count);
      await send();
      const result = { total: 0 } as StatementCounts;
      SUBGRAPH_NAMES.forEach((n, i) => {
        result[n] = graph.databases[n].statements.count - before[i];
        result.total += result[n];
      });
      counts.set(operation, result);
    }
  } finally {
    await graph.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return counts;
}
