import fs from 'node:fs';
import { buildClientSchema, getIntrospectionQuery, type IntrospectionQuery } from 'graphql';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Party } from '../../subgraphs/kernel/caller.js';
import type { SubgraphName } from '../../subgraphs/kernel/config.js';
import type { Database } from '../../subgraphs/kernel/db.js';
import * as banks from '../../subgraphs/banks/tables.js';
import * as exchange from '../../subgraphs/exchange/tables.js';
import * as finance from '../../subgraphs/finance/tables.js';
import * as events from '../../subgraphs/finance/signing-events/index.js';
import * as evaluation from '../../subgraphs/finance/evaluation/index.js';
import * as balances from '../../subgraphs/banks/balances/index.js';
import * as tech from '../../subgraphs/tech/tables.js';
import { libraryProfiles } from '../../subgraphs/finance/enterprise-profiles/index.js';
import { loadFixture } from '../helpers/fixture.js';
import { startTestGraph, type GraphQLResponse, type TestGraph } from '../helpers/graph.js';
import {
  generateOperations,
  type GeneratedOperation,
  type IdPools,
} from '../helpers/operations.js';

/**
 * Non-interference: for each party, two worlds that differ only in data that party may not see
 * must answer every operation identically. The operations are made from the composed schema
 * itself, so a field added tomorrow is probed without anyone writing a case for it.
 */

type Databases = Record<SubgraphName, Database>;
type PartyKey = 'tech' | 'finance' | 'pboc' | 'icbc' | 'abc' | 'entA';

const PARTIES: Record<PartyKey, { party: Party; org?: string; note: string }> = {
  tech: { party: 'tech_bureau', note: 'technology bureau' },
  finance: { party: 'finance_office', note: 'finance office (sees every row: its worlds agree)' },
  pboc: { party: 'pboc', note: 'PBOC' },
  icbc: { party: 'bank', org: 'icbc', note: 'a bank holding no active consent' },
  abc: { party: 'bank', org: 'abc', note: "a bank holding ent-a's CONTACT+FINANCIALS consent" },
  entA: { party: 'enterprise', org: 'ent-a', note: 'an enterprise' },
};

const DAY = 86_400_000;
const EVALUATION_ID = 'eval-2026-01-2026-03';

/** What both worlds hold besides the shared fixture: a signing event two enterprises joined. */
async function baseWorld(databases: Databases): Promise<void> {
  await loadFixture(databases);
  await databases.finance.db.insert(events.signingEvents).values({
    id: 'ev-1',
    title: '科创企业银企对接会',
    heldOn: '2026-12-20',
    place: '咸宁高新区',
    status: 'SCHEDULED',
    createdBy: 'dev-finance_office',
  });
  await databases.finance.db.insert(events.signingEventRegistrations).values([
    {
      id: 'reg-a',
      eventId: 'ev-1',
      registrantKind: 'ENTERPRISE',
      registrantId: 'ent-a',
      registeredBy: 'x',
    },
    {
      id: 'reg-b',
      eventId: 'ev-1',
      registrantKind: 'ENTERPRISE',
      registrantId: 'ent-b',
      registeredBy: 'x',
    },
    {
      id: 'reg-i',
      eventId: 'ev-1',
      registrantKind: 'BANK',
      registrantId: 'icbc',
      registeredBy: 'x',
    },
  ]);
  await databases.finance.db.insert(finance.listingTiers).values({
    enterpriseId: 'ent-a',
    tier: 'SILVER_SEED',
    since: new Date('2026-01-01T00:00:00Z'),
  });
  await evaluationWorld(databases);
}

/** An evaluation of three banks and two banks' month-end balances, in both worlds. */
async function evaluationWorld(databases: Databases): Promise<void> {
  await databases.finance.db.insert(evaluation.bankEvaluations).values({
    id: EVALUATION_ID,
    fromMonth: '2026-01',
    toMonth: '2026-03',
    weights: { BALANCE: 1 },
    banks: 3,
    meanScore: '70.00',
    histogram: [0, 0, 0, 0, 0, 0, 1, 1, 1, 0],
    evaluatedBy: 'x',
  });
  await databases.finance.db.insert(evaluation.bankEvaluationScores).values(
    (
      [
        ['icbc', '80.00', 1],
        ['abc', '70.00', 2],
        ['boc', '60.00', 3],
      ] as const
    ).map(([bankId, score, rank]) => ({
      evaluationId: EVALUATION_ID,
      bankId,
      score,
      rank,
      dimensions: [{ dimension: 'BALANCE', value: score, score, weight: 1 }],
    })),
  );
  for (const bankId of ['icbc', 'abc']) {
    for (const month of ['2026-02', '2026-03']) {
      await databases.banks.db.insert(balances.monthEndBalances).values({
        bankId,
        month,
        monthEnd: `${month}-28`,
        outstandingFen: 1_000_000,
        loans: 1,
        enterprises: 1,
      });
    }
  }
}

/**
 * One difference between the worlds, and the parties it must stay hidden from (by the
 * permitted-share matrix). `rows` names the rows it touches or adds, for the mutations aimed at
 * rows the party cannot see.
 */
interface Secret {
  what: string;
  hiddenFrom: PartyKey[];
  rows: IdPools;
  apply(databases: Databases): Promise<void>;
}

const exec = async (database: Database, text: string): Promise<void> => {
  await database.db.execute(sql.raw(text));
};

const SECRETS: Secret[] = [
  {
    what: "ent-b's contact",
    hiddenFrom: ['entA', 'abc', 'pboc'],
    rows: { Enterprise: ['ent-b'] },
    apply: (d) => exec(d.tech, `update enterprises set phone = '13999999999' where id = 'ent-b'`),
  },
  {
    what: "ent-b's financials",
    hiddenFrom: ['entA', 'icbc', 'abc', 'pboc'],
    rows: { Enterprise: ['ent-b'] },
    apply: (d) =>
      exec(d.tech, `update annual_financials set revenue_fen = 1 where enterprise_id = 'ent-b'`),
  },
  {
    what: "ent-a's patent valuation and pledge",
    hiddenFrom: ['icbc', 'abc', 'pboc'],
    rows: { Patent: ['pat-a1'] },
    apply: (d) =>
      exec(
        d.tech,
        `update patents set valuation_fen = 1, pledge_status = 'PLEDGED', pledgee_bank_id = 'boc' where id = 'pat-a1'`,
      ),
  },
  {
    what: "ent-c's contact, financials and a valuation that is null",
    hiddenFrom: ['icbc', 'pboc', 'entA'],
    rows: { Enterprise: ['ent-c'], Patent: ['pat-c1'] },
    apply: async (d) => {
      await exec(d.tech, `update enterprises set phone = '13777777777' where id = 'ent-c'`);
      await exec(d.tech, `update patents set valuation_fen = null where id = 'pat-c1'`);
      await d.tech.db.insert(tech.annualFinancials).values({
        enterpriseId: 'ent-c',
        year: 2025,
        revenueFen: 7,
        rdExpenseFen: 1,
        employees: 3,
        techStaff: 1,
        totalAssetsFen: 9,
      });
    },
  },
  {
    what: "icbc's line and loan to ent-b",
    hiddenFrom: ['abc', 'entA'],
    rows: { CreditLine: ['cl-1'], Loan: ['loan-1'], FinancingNeed: ['need-b1'] },
    apply: async (d) => {
      await exec(d.banks, `update loans set outstanding_fen = 1 where id = 'loan-1'`);
      await exec(d.banks, `update credit_lines set rate = '0.0999' where id = 'cl-1'`);
      await d.banks.db.insert(banks.loanStatusEvents).values({
        id: 'lse-1',
        loanId: 'loan-1',
        bankId: 'icbc',
        enterpriseId: 'ent-b',
        status: 'OVERDUE',
        occurredOn: '2026-06-01',
        outstandingFen: 1,
      });
    },
  },
  {
    what: "abc's line to ent-c",
    hiddenFrom: ['icbc', 'entA', 'tech'],
    rows: { CreditLine: ['cl-2'], Loan: ['loan-2'] },
    apply: (d) => exec(d.banks, `update credit_lines set rate = '0.0111' where id = 'cl-2'`),
  },
  {
    what: 'need-b1, assigned to icbc only',
    hiddenFrom: ['abc', 'entA', 'pboc'],
    rows: { FinancingNeed: ['need-b1'] },
    apply: (d) =>
      exec(d.finance, `update financing_needs set purpose = '秘密用途' where id = 'need-b1'`),
  },
  {
    what: 'need-c1, main bank abc',
    hiddenFrom: ['icbc', 'entA', 'pboc'],
    rows: { FinancingNeed: ['need-c1'] },
    apply: (d) =>
      exec(d.finance, `update financing_needs set purpose = '另一用途' where id = 'need-c1'`),
  },
  {
    what: "a need of ent-c assigned to abc, its line and abc's unpublished product",
    hiddenFrom: ['icbc', 'entA'],
    rows: {
      FinancingNeed: ['need-x'],
      CreditLine: ['cl-x'],
      Loan: ['loan-x'],
      FinancialProduct: ['prod-abc-x'],
    },
    apply: async (d) => {
      const now = Date.now();
      await d.finance.db.insert(finance.financingNeeds).values({
        id: 'need-x',
        enterpriseId: 'ent-c',
        amountFen: 20_000_000,
        termMonths: 12,
        purpose: '设备采购',
        collateral: ['NONE'],
        visibility: 'MAIN_BANK_ONLY',
        status: 'ASSIGNED',
        mainBankId: 'abc',
        mainBankBasis: 'NAMED_BY_ENTERPRISE',
        submittedAt: new Date(now - 2 * DAY),
        assignedAt: new Date(now - DAY),
        solutionDueAt: new Date(now + DAY),
      });
      await d.finance.db.insert(finance.financialProducts).values({
        id: 'prod-abc-x',
        bankId: 'abc',
        name: '未发布产品',
        category: 'CREDIT_LOAN',
        collateral: ['NONE'],
        minAmountFen: 10_000_000,
        maxAmountFen: 300_000_000,
        rateFloor: '0.0300',
        rateCap: '0.0500',
        maxTermMonths: 24,
        published: false,
      });
      await d.banks.db.insert(banks.creditLines).values({
        id: 'cl-x',
        bankId: 'abc',
        enterpriseId: 'ent-c',
        needId: 'need-x',
        amountFen: 20_000_000,
        rate: '0.0400',
        termMonths: 12,
        approvedOn: '2026-11-20',
      });
      await d.banks.db.insert(banks.loans).values({
        id: 'loan-x',
        creditLineId: 'cl-x',
        bankId: 'abc',
        enterpriseId: 'ent-c',
        amountFen: 10_000_000,
        outstandingFen: 10_000_000,
        disbursedOn: '2026-11-21',
        maturesOn: '2027-11-21',
        firstLoan: false,
        status: 'CURRENT',
      });
    },
  },
  {
    what: "ent-a's consent to abc",
    hiddenFrom: ['icbc', 'pboc', 'tech'],
    rows: { Consent: ['cons-1'] },
    apply: (d) => exec(d.exchange, `update consents set purpose = '其他用途' where id = 'cons-1'`),
  },
  {
    what: "ent-c's consent to boc",
    hiddenFrom: ['icbc', 'abc', 'pboc', 'tech', 'entA'],
    rows: { Consent: ['cons-x'] },
    apply: async (d) => {
      await d.exchange.db.insert(exchange.consents).values({
        id: 'cons-x',
        enterpriseId: 'ent-c',
        bankId: 'boc',
        dataSets: ['CONTACT'],
        purpose: '授信审查',
        grantedAt: new Date(Date.now() - DAY),
        expiresAt: new Date(Date.now() + 30 * DAY),
      });
    },
  },
  {
    what: "ent-b's library standing and listing tier",
    hiddenFrom: ['entA'],
    rows: { Enterprise: ['ent-b'] },
    apply: async (d) => {
      await exec(d.tech, `update enterprises set library_status = 'SUSPENDED' where id = 'ent-b'`);
      await d.finance.db
        .insert(finance.listingTiers)
        .values({ enterpriseId: 'ent-b', tier: 'GOLD_SEED' });
    },
  },
  {
    what: "icbc's solution for need-b1",
    hiddenFrom: ['abc', 'pboc', 'tech', 'entA'],
    rows: { FinancingSolution: ['sol-1'] },
    apply: (d) =>
      exec(d.banks, `update financing_solutions set conditions = '另议' where id = 'sol-1'`),
  },
  {
    what: 'which of icbc and boc scored what in the evaluation (the distribution is the same)',
    hiddenFrom: ['abc', 'entA', 'tech'],
    rows: {},
    apply: async (d) => {
      await exec(
        d.finance,
        `update bank_evaluation_scores set score = case bank_id when 'icbc' then 60 else 80 end,
           rank = case bank_id when 'icbc' then 3 else 1 end,
           dimensions = jsonb_set(dimensions, '{0,value}', to_jsonb(case bank_id when 'icbc' then '60.00' else '80.00' end))
         where bank_id in ('icbc', 'boc')`,
      );
    },
  },
  {
    what: "ent-b's rating of icbc's service, fewer than a bank is shown",
    hiddenFrom: ['icbc', 'abc', 'entA', 'tech'],
    rows: { FinancingNeed: ['need-b1'] },
    apply: (d) =>
      exec(
        d.finance,
        `insert into service_ratings (need_id, enterprise_id, bank_id, need_status, score, comment, rated_by, rated_at)
         values ('need-b1', 'ent-b', 'icbc', 'DISBURSED', 1, '很差', 'x', '2026-03-15T10:00:00+08:00')`,
      ),
  },
  {
    what: "abc's month-end balances",
    hiddenFrom: ['icbc', 'entA'],
    rows: {},
    apply: (d) =>
      exec(d.banks, `update month_end_balances set outstanding_fen = 7 where bank_id = 'abc'`),
  },
  {
    what: "ent-a's assessment notes",
    hiddenFrom: ['icbc', 'abc', 'pboc', 'entA'],
    rows: {},
    apply: (d) =>
      exec(
        d.tech,
        `update library_assessments set notes = '内部意见' where enterprise_id = 'ent-a'`,
      ),
  },
];

/**
 * Finance's copy of the library, derived again from the library as the tech subgraph's sync would
 * after the secrets changed it: a derived copy is part of the world, not a second source.
 */
async function syncProfiles(databases: Databases): Promise<void> {
  const library = await databases.tech.db.select().from(tech.enterprises);
  const patents = await databases.tech.db.select().from(tech.patents);
  for (const profile of libraryProfiles(library, patents)) {
    await databases.finance.db
      .insert(finance.enterpriseProfiles)
      .values(profile)
      .onConflictDoUpdate({ target: finance.enterpriseProfiles.enterpriseId, set: profile });
  }
}

/** Ids every query argument is tried with: what exists in either world. */
const QUERY_POOLS: IdPools = {
  Enterprise: ['ent-a', 'ent-b', 'ent-c'],
  Patent: ['pat-a1', 'pat-c1'],
  FinancingNeed: ['need-a1', 'need-b1', 'need-c1', 'need-x'],
  FinancialProduct: ['prod-icbc-01', 'prod-abc-x'],
  CreditLine: ['cl-1', 'cl-2', 'cl-x'],
  Loan: ['loan-1', 'loan-x'],
  Consent: ['cons-1', 'cons-x'],
  FinancingSolution: ['sol-1'],
  SigningEvent: ['ev-1'],
  BankEvaluation: [EVALUATION_ID],
  Bank: ['icbc', 'abc'],
  uscc: ['91421200MA4F0B0B0T'],
};

const DEFAULTS = {
  from: '2025-01-01',
  to: '2026-12-31',
  year: '2026',
  fromMonth: '2025-01',
  toMonth: '2026-12',
  idempotencyKey: '@KEY@',
  reason: '不符合条件',
  purpose: '授信审查',
};

/**
 * The disclosure log's tree: where an entry sits, the tree's size and its hashes. A transparency
 * log publishes them by design (its signed heads are for anyone to check); they follow every
 * party's disclosures and the sequencer's timing, and tell nothing of any entry's content.
 */
const LOG_TREE_KEYS = new Set([
  'leafHash',
  'leafIndex',
  'inclusionProof',
  'treeSize',
  'rootHash',
  'signature',
  'auditPath',
]);

/** A consistency proof's path: hashes only (an error's `path` names fields). */
const isHashList = (value: unknown) =>
  Array.isArray(value) && value.every((v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v));

/** What may differ between two runs of one operation without telling anything: time and made ids. */
function normalise(value: unknown, key = ''): unknown {
  const field = key.replace(/^alias_/, '');
  if (LOG_TREE_KEYS.has(field) || (field === 'path' && isHashList(value))) return '<log-tree>';
  if (Array.isArray(value)) return value.map((v) => normalise(v));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, normalise(v, k)]),
    );
  }
  if (typeof value !== 'string') return value;
  if (key === 'hash' || key === 'prevHash' || key === 'requestId') return '<varies>';
  // Feed cursors are sealed afresh each time: they differ even within one world.
  if (/^c2\.[A-Za-z0-9_-]+$/.test(value)) return '<sealed-cursor>';
  return value
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})/g, '<instant>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<made-id>');
}

const env = {
  // The probes are large on purpose: every field to depth 4, in one operation per root field.
  MAX_DEPTH: '40',
  MAX_ALIASES: '10000',
  MAX_TOKENS: '1000000',
  MAX_COST: '100000000',
  MAX_BODY_BYTES: '10000000',
  RATE_LIMIT_PER_SECOND: '100000',
  RATE_LIMIT_BURST: '100000',
};

interface Mismatch {
  label: string;
  a: unknown;
  b: unknown;
}

/** Response keys the client asked for: the layer must never add or remove one of them. */
function shapeProblem(response: GraphQLResponse): string | null {
  const refused = response.body.errors?.some(
    (e) => e.extensions?.code === 'GRAPHQL_VALIDATION_FAILED',
  );
  if (refused) return null;
  const visit = (value: unknown): string | null => {
    if (Array.isArray(value)) {
      for (const item of value) {
        const problem = visit(item);
        if (problem) return problem;
      }
      return null;
    }
    if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k.startsWith('_kx_')) return `layer key ${k} left in the result`;
        const problem = visit(v);
        if (problem) return problem;
      }
    }
    return null;
  };
  return visit(response.body.data);
}

describe('non-interference', () => {
  const coverage = { operations: 0, coordinates: new Set<string>(), paths: new Set<string>() };

  for (const [key, who] of Object.entries(PARTIES) as [PartyKey, (typeof PARTIES)[PartyKey]][]) {
    describe(`as ${who.note}`, () => {
      const secrets = SECRETS.filter((s) => s.hiddenFrom.includes(key));
      let worldA: TestGraph;
      let worldB: TestGraph;
      let tokenA: string;
      let tokenB: string;
      let queries: GeneratedOperation[];
      let mutations: GeneratedOperation[];

      beforeAll(async () => {
        [worldA, worldB] = await Promise.all([
          startTestGraph('pglite', { env, inProcess: true, prepare: baseWorld }),
          startTestGraph('pglite', {
            env,
            inProcess: true,
            prepare: async (databases) => {
              await baseWorld(databases);
              for (const secret of secrets) await secret.apply(databases);
              await syncProfiles(databases);
            },
          }),
        ]);
        tokenA = await worldA.token(who.party, who.org);
        tokenB = await worldB.token(who.party, who.org);
        const introspection = await worldA.query<IntrospectionQuery>(
          getIntrospectionQuery(),
          undefined,
          await worldA.token('finance_office'),
        );
        const schema = buildClientSchema(introspection.body.data!);
        queries = [false, true].flatMap((nullableOnly) =>
          generateOperations(schema, 'query', {
            depth: 4,
            pools: QUERY_POOLS,
            defaults: DEFAULTS,
            nullableOnly,
          }),
        );
        // Mutations aimed at the rows this party cannot see: those the hidden data touches.
        const hiddenRows: IdPools = {};
        for (const secret of secrets) {
          for (const [type, ids] of Object.entries(secret.rows)) {
            hiddenRows[type] = [...new Set([...(hiddenRows[type] ?? []), ...ids])];
          }
        }
        mutations = generateOperations(schema, 'mutation', {
          depth: 2,
          pools: { ...QUERY_POOLS, ...hiddenRows },
          defaults: DEFAULTS,
        });
      });

      afterAll(async () => {
        await Promise.all([worldA?.stop(), worldB?.stop()]);
      });

      const run = async (operations: GeneratedOperation[]) => {
        const mismatches: Mismatch[] = [];
        const shapes: string[] = [];
        for (const [i, operation] of operations.entries()) {
          const query = operation.query.replaceAll('@KEY@', `probe-${i}`);
          const a = await worldA.query(query, undefined, tokenA);
          const b = await worldB.query(query, undefined, tokenB);
          coverage.operations += 1;
          for (const c of operation.coordinates) coverage.coordinates.add(c);
          for (const p of operation.paths) coverage.paths.add(p);
          const left = normalise({ status: a.status, ...a.body });
          const right = normalise({ status: b.status, ...b.body });
          if (JSON.stringify(left) !== JSON.stringify(right)) {
            mismatches.push({ label: operation.label, a: left, b: right });
          }
          const problem = shapeProblem(a);
          if (problem) shapes.push(`${operation.label}: ${problem}`);
        }
        return { mismatches, shapes };
      };

      const report = (mismatches: Mismatch[]) => {
        // Every mismatch in full, for whoever is chasing one down.
        const file = process.env.NON_INTERFERENCE_REPORT;
        if (file && mismatches.length) {
          fs.appendFileSync(file, `${JSON.stringify({ party: key, mismatches }, null, 1)}\n`);
        }
        return mismatches
          .slice(0, 3)
          .map((m) => `${m.label}\n  A: ${JSON.stringify(m.a)}\n  B: ${JSON.stringify(m.b)}`)
          .join('\n');
      };

      // One scenario: the mutations change both worlds, so the queries are asked first.
      it('answers every query, then every mutation aimed at rows it cannot see, identically', async () => {
        expect(queries.length).toBeGreaterThan(40);
        const read = await run(queries);
        expect(read.shapes).toEqual([]);
        expect(
          read.mismatches.map((m) => m.label),
          report(read.mismatches),
        ).toEqual([]);
        expect(mutations.length).toBeGreaterThan(40);
        const written = await run(mutations);
        expect(
          written.mismatches.map((m) => m.label),
          report(written.mismatches),
        ).toEqual([]);
        // Some two thousand operations per world: well past the default on a loaded machine.
      }, 300_000);
    });
  }

  describe('the layer’s namespace', () => {
    let graph: TestGraph;
    beforeAll(async () => {
      graph = await startTestGraph('pglite', { env, inProcess: true, prepare: baseWorld });
    });
    afterAll(() => graph?.stop());

    it('refuses an operation that uses a reserved alias, under any party', async () => {
      for (const [party, org] of [
        ['bank', 'abc'],
        ['enterprise', 'ent-a'],
        ['finance_office', undefined],
      ] as [Party, string | undefined][]) {
        const response = await graph.query(
          '{ enterprise(id: "ent-b") { _kx_subject: uscc contact { phone } } }',
          undefined,
          await graph.token(party, org),
        );
        expect(response.status).toBe(400);
        expect(response.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
        expect(response.body.errors?.[0].message).toMatch(/reserved/);
      }
    });
  });

  afterAll(() => {
    console.log(
      `non-interference: ${coverage.operations} operations per world, ${coverage.coordinates.size} field coordinates, ${coverage.paths.size} field paths`,
    );
  });
});
