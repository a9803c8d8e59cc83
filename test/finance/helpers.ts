import { expect } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Party } from '../../subgraphs/kernel/caller.js';
import type { Database } from '../../subgraphs/kernel/db.js';
import type { GraphQLResponse, TestGraph } from '../helpers/graph.js';

export const NEED = `id status enterpriseId amount termMonths purpose collateral visibility
  mainBank { id } mainBankBasis preferredBank { id } submittedAt assignedAt solutionDueAt acceptedAt`;

export const SUBMIT = `mutation ($input: SubmitFinancingNeedInput!) {
  submitFinancingNeed(input: $input) { need { ${NEED} } } }`;
export const EDIT = `mutation ($id: ID!, $input: EditFinancingNeedInput!) {
  editFinancingNeed(id: $id, input: $input) { need { ${NEED} } } }`;
export const WITHDRAW = `mutation ($id: ID!) { withdrawFinancingNeed(id: $id) { need { ${NEED} } } }`;
export const TRIAGE = `mutation ($id: ID!, $basic: ID, $lender: ID) {
  triageFinancingNeed(id: $id, basicAccountBankId: $basic, largestLenderId: $lender) { need { ${NEED} } } }`;
export const CLAIM = `mutation ($id: ID!) { claimFinancingNeed(id: $id) { need { ${NEED} } } }`;
export const RESPOND = `mutation ($id: ID!, $accept: Boolean!, $reason: String!) {
  respondToAssignment(id: $id, accept: $accept, reason: $reason) {
    need { ${NEED} } feedback { id needId bank { id } accepted reason answeredAt } } }`;

/** Tokens per party and org, minted once per graph. */
export function parties(graph: () => TestGraph) {
  // Kept per graph: each graph signs with keys of its own.
  const tokens = new WeakMap<TestGraph, Map<string, Promise<string>>>();
  return (party: Party, org?: string) => {
    const current = graph();
    let minted = tokens.get(current);
    if (!minted) tokens.set(current, (minted = new Map()));
    const key = `${party}:${org ?? ''}`;
    if (!minted.has(key)) minted.set(key, current.token(party, org));
    return minted.get(key)!;
  };
}

/** The one error of a refused mutation, with its code and the field it names. */
export function refusal(response: GraphQLResponse) {
  const errors = response.body.errors ?? [];
  expect(errors, JSON.stringify(response.body)).toHaveLength(1);
  return {
    code: errors[0].extensions?.code as string,
    field: errors[0].extensions?.field as string | undefined,
    message: errors[0].message,
  };
}

export function ok<T = any>(response: GraphQLResponse<T>): T {
  expect(response.body.errors ?? [], JSON.stringify(response.body.errors)).toEqual([]);
  expect(response.status).toBe(200);
  return response.body.data as T;
}

export const validNeed = {
  amount: '2000000.00',
  termMonths: 12,
  purpose: '新产品研发',
  collateral: ['PATENT_PLEDGE'],
  visibility: 'OPEN_TO_ALL_BANKS',
};

/** Inserts needs straight into the finance database, as an operator's SQL would. */
export async function insertNeeds(
  finance: Database,
  needs: {
    id: string;
    enterpriseId: string;
    amountFen: number;
    collateral?: string[];
    status?: string;
    visibility?: string;
    mainBankId?: string | null;
  }[],
): Promise<void> {
  for (const need of needs) {
    await finance.db.execute(sql`insert into financing_needs
      (id, enterprise_id, amount_fen, term_months, purpose, collateral, visibility, status, main_bank_id, submitted_at)
      values (${need.id}, ${need.enterpriseId}, ${need.amountFen}, 12, '扩大生产',
        ${`{${(need.collateral ?? ['PATENT_PLEDGE']).join(',')}}`}::text[],
        ${need.visibility ?? 'OPEN_TO_ALL_BANKS'}, ${need.status ?? 'OPEN'}, ${need.mainBankId ?? null}, now())`);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const FEED = `query Feed($first: Int, $after: String, $filter: ProspectFeedFilter) {
  prospectFeed(first: $first, after: $after, filter: $filter) {
    edges { cursor node { needId change removed reason need { id status amount enterpriseId collateral } } }
    pageInfo { hasNextPage endCursor }
    caughtUp
  }
}`;

export interface FeedEntry {
  needId: string;
  change: string;
  removed: boolean;
  reason: string | null;
  need: {
    id: string;
    status: string;
    amount: string;
    enterpriseId: string;
    collateral: string[];
  } | null;
}

/**
 * Waits until the feed's horizon has passed every change to the needs, so that a pull from now on
 * reaches the latest of them. The horizon is a snapshot's xmin, and transaction ids are the
 * server's: on a PostgreSQL server shared with other tests, another database's open transaction
 * holds it back for a while, and a pull meanwhile ends short of the newest changes (`caughtUp:
 * false`), as the feed promises.
 */
export async function feedSettled(finance: Database, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [{ held }] = await finance.rows<{ held: boolean }>(
      sql`select exists (select 1 from financing_needs
        where change_xid >= pg_snapshot_xmin(pg_current_snapshot())) as held`,
    );
    if (!held) return;
    if (Date.now() > deadline)
      throw new Error(`the feed's horizon did not pass within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * Pulls pages until the feed is caught up. `between` runs after each page and returns true when it
 * changed something (so the pull goes on); a feed held back by a transaction in flight is polled
 * again shortly.
 */
export async function drainFeed(
  graph: TestGraph,
  token: string,
  options: {
    after?: string | null;
    first?: number;
    filter?: Record<string, unknown>;
    between?: (page: number) => Promise<boolean>;
  } = {},
): Promise<{ entries: FeedEntry[]; cursor: string; pages: number }> {
  const entries: FeedEntry[] = [];
  let after = options.after ?? null;
  const deadline = Date.now() + 30_000;
  for (let pages = 1; ; pages++) {
    const data = ok(
      await graph.query(FEED, { first: options.first ?? 10, after, filter: options.filter }, token),
    );
    const feed = data.prospectFeed;
    entries.push(...feed.edges.map((edge: { node: FeedEntry }) => edge.node));
    after = feed.pageInfo.endCursor;
    const changed = (await options.between?.(pages)) ?? false;
    if (feed.caughtUp && !changed) return { entries, cursor: after!, pages };
    if (Date.now() > deadline) throw new Error('the feed did not catch up within 30 s');
    if (!feed.pageInfo.hasNextPage) await sleep(50);
  }
}

/** Applies entries in order, as a bank's copy would: upsert, or delete on a tombstone. */
export function applyFeed(
  held: Map<string, FeedEntry>,
  entries: FeedEntry[],
): Map<string, FeedEntry> {
  for (const entry of entries) {
    if (entry.removed) held.delete(entry.needId);
    else held.set(entry.needId, entry);
  }
  return held;
}

/** What the bank may see in its feed now, straight from the database. */
export async function visibleTo(finance: Database, bank: string): Promise<string[]> {
  const rows = await finance.rows<{ id: string }>(sql`select id from financing_needs
    where (visibility = 'OPEN_TO_ALL_BANKS' and status = 'OPEN')
       or (main_bank_id = ${bank} and status in ('ASSIGNED', 'SOLUTION_PROPOSED', 'CREDIT_APPROVED'))
    order by id`);
  return rows.map((row) => row.id);
}
