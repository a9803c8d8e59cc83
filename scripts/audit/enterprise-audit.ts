import { and, asc, eq, gt } from 'drizzle-orm';
import type { JSONWebKeySet } from 'jose';
import type { Database } from '../../subgraphs/kernel/db.js';
import { leafHash } from '../../subgraphs/exchange/log-hash.js';
import { nodeReader } from '../../subgraphs/exchange/log-store.js';
import { inclusionProof } from '../../subgraphs/exchange/merkle-tree.js';
import { disclosures, logLeaves } from '../../subgraphs/exchange/tables.js';
import { latestPublishedHead, signatureProblem, type LogReport } from './log-audit.js';
import { verifyInclusion } from './rfc9162.js';

const PAGE = 1_000;

function enterprisePage(exchange: Database, enterpriseId: string, afterSeq: number) {
  return exchange.db
    .select({ leafIndex: logLeaves.leafIndex, entry: disclosures })
    .from(disclosures)
    .leftJoin(logLeaves, eq(logLeaves.seq, disclosures.seq))
    .where(and(eq(disclosures.enterpriseId, enterpriseId), gt(disclosures.seq, afterSeq)))
    .orderBy(asc(disclosures.seq))
    .limit(PAGE);
}

/**
 * Checks every disclosure of one enterprise as the enterprise itself could through the graph: the
 * entry's leaf hash computed from its content, the log's inclusion proof for it, verified by RFC
 * 9162's algorithm against the latest signed tree head.
 */
export async function auditEnterprise(
  exchange: Database,
  enterpriseId: string,
  jwks: JSONWebKeySet,
): Promise<LogReport> {
  const head = await latestPublishedHead(exchange);
  if (!head)
    return { checked: 0, pending: 0, problem: { reason: 'the log has no signed tree head' } };
  const bad = await signatureProblem(head, jwks);
  if (bad)
    return { head, checked: 0, pending: 0, problem: { reason: `the latest tree head: ${bad}` } };
  const report: LogReport = { head, checked: 0, pending: 0 };
  for (let afterSeq = 0; ;) {
    const page = await enterprisePage(exchange, enterpriseId, afterSeq);
    for (const { leafIndex, entry } of page) {
      afterSeq = entry.seq;
      if (leafIndex === null || leafIndex >= head.treeSize) {
        report.pending++;
        continue;
      }
      const proof = await inclusionProof(nodeReader(exchange.db), leafIndex, head.treeSize);
      if (!verifyInclusion(leafIndex, head.treeSize, leafHash(entry), proof, head.rootHash)) {
        const reason = 'not included in the signed tree head as it stands';
        return { ...report, problem: { reason, leafIndex, seq: entry.seq } };
      }
      report.checked++;
    }
    if (page.length < PAGE) return report;
  }
}
