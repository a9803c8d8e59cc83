import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, gt, sql } from 'drizzle-orm';
import type { Party } from '../../subgraphs/kernel/caller.js';
import type { SubgraphName } from '../../subgraphs/kernel/config.js';
import type { Database } from '../../subgraphs/kernel/db.js';
import * as banks from '../../subgraphs/banks/tables.js';
import * as exchange from '../../subgraphs/exchange/tables.js';
import * as finance from '../../subgraphs/finance/tables.js';
import { guarantees } from '../../subgraphs/finance/guarantees/index.js';
import * as tech from '../../subgraphs/tech/tables.js';
import { BACKENDS } from '../helpers/databases.js';
import { loadFixture } from '../helpers/fixture.js';
import { startTestGraph, type TestGraph } from '../helpers/graph.js';

const DAY = 86_400_000;

const REPORT = `query Report($id: ID!) {
  enterprise(id: $id) {
    creditReport {
      enterpriseId
      library { status highTech techSmeRegistered assessment { year } }
      patents { total granted grantedInventions valuedTotal unpledgedValuation pledged }
      financialRatios { year revenue totalAssets rdIntensity techStaffRatio revenueGrowth assetTurnover }
      creditHistory {
        totalApproved outstanding lenders creditLines loans firstLoanOn firstLoanBank { id }
        overdueLoans overdueEpisodes lastOverdueOn defaultedLoans defaultedAmount deferrals
        lines {
          bank { id } amount approvedOn
          loans { amount outstanding status firstLoan statusChanges { status occurredOn outstanding } deferrals { toMaturesOn } }
        }
      }
      financingNeeds { needs requestedAmount disbursed withdrawnOrDeclined outcomes { status needs amount } }
      guarantees { guarantees coveredAmount coveredLoss guarantors }
      riskEvaluation {
        method score grade cappedBy
        factors { code points maxPoints value inputs reason }
      }
    }
  }
}`;

/** Paths under `enterprise.creditReport` the gateway withheld, as dotted strings. */
const withheld = (errors: { path?: (string | number)[]; extensions?: { code?: string } }[] = []) =>
  errors
    .filter((e) => e.extensions?.code === 'UNAUTHORIZED_FIELD_OR_TYPE')
    .map((e) => e.path!.slice(2).join('.'))
    .sort();

/**
 * ent-r, whose report the tests compute by hand: admitted, high-tech; two granted inventions
 * valued ¥3M (free) and ¥2.5M (pledged); revenue ¥50M in 2025 after ¥40M in 2024; a repaid first
 * loan from boc that was once overdue, and a current loan from icbc deferred once. It consented
 * all three data sets to icbc, FINANCIALS and CREDIT_HISTORY to boc, nothing to abc.
 * ent-s has one current loan from icbc and consented CREDIT_HISTORY, FINANCIALS and
 * PATENT_VALUATION to it.
 */
async function prepare(databases: Record<SubgraphName, Database>): Promise<void> {
  await loadFixture(databases);
  const now = Date.now();
  const enterprise = (id: string, uscc: string, highTech: string | null) => ({
    id,
    uscc,
    name: `${id} 科技有限公司`,
    district: 'XIANAN',
    industry: 'C39',
    stage: 'GROWTH',
    foundedOn: '2016-05-01',
    highTechCertificate: highTech,
    techSmeRegistered: true,
    libraryStatus: 'ADMITTED',
    legalRepresentative: '法人',
    contactPerson: '联系人',
    phone: '13800000001',
    address: '咸宁市',
  });
  await databases.tech.db
    .insert(tech.enterprises)
    .values([
      enterprise('ent-r', '91421200MA4F0R0R0X', 'GR202442009001'),
      enterprise('ent-s', '91421200MA4F0S0S0X', null),
    ]);
  const patent = (
    id: string,
    number: string,
    extra: Partial<typeof tech.patents.$inferInsert>,
  ) => ({
    id,
    number,
    kind: 'INVENTION',
    title: '一种测试方法',
    status: 'GRANTED',
    filedOn: '2019-01-01',
    grantedOn: '2021-01-01',
    ipcClass: 'G06F 16/00',
    enterpriseId: 'ent-r',
    ...extra,
  });
  await databases.tech.db.insert(tech.patents).values([
    patent('pat-r1', '201910000001.1', { valuationFen: 300_000_000 }),
    patent('pat-r2', '201910000002.2', {
      valuationFen: 250_000_000,
      pledgeStatus: 'PLEDGED',
      pledgeeBankId: 'icbc',
    }),
    patent('pat-r3', '202020000003.3', {
      kind: 'UTILITY_MODEL',
      status: 'PENDING',
      grantedOn: null,
    }),
  ]);
  await databases.tech.db.insert(tech.annualFinancials).values([
    {
      enterpriseId: 'ent-r',
      year: 2025,
      revenueFen: 5_000_000_000,
      rdExpenseFen: 250_000_000,
      employees: 100,
      techStaff: 25,
      totalAssetsFen: 8_000_000_000,
    },
    {
      enterpriseId: 'ent-r',
      year: 2024,
      revenueFen: 4_000_000_000,
      rdExpenseFen: 160_000_000,
      employees: 90,
      techStaff: 20,
      totalAssetsFen: 7_000_000_000,
    },
  ]);
  const need = (id: string, status: string, amountFen: number) => ({
    id,
    enterpriseId: 'ent-r',
    amountFen,
    termMonths: 12,
    purpose: '研发投入',
    collateral: ['NONE'],
    visibility: 'OPEN_TO_ALL_BANKS',
    status,
    submittedAt: new Date(now - 400 * DAY),
  });
  await databases.finance.db
    .insert(finance.financingNeeds)
    .values([
      need('need-r1', 'DISBURSED', 1_000_000_000),
      need('need-r2', 'WITHDRAWN', 500_000_000),
    ]);
  await databases.finance.db.insert(guarantees).values({
    id: 'gua-r1',
    creditLineId: 'cl-r1',
    bankId: 'boc',
    enterpriseId: 'ent-r',
    guarantorName: '咸宁市融资担保有限公司',
    coveredAmountFen: 500_000_000,
    lineAmountFen: 1_000_000_000,
    createdBy: 'dev-finance_office',
  });
  const line = (
    id: string,
    bankId: string,
    enterpriseId: string,
    amountFen: number,
    on: string,
  ) => ({
    id,
    bankId,
    enterpriseId,
    amountFen,
    rate: '0.0400',
    termMonths: 36,
    approvedOn: on,
  });
  await databases.banks.db
    .insert(banks.creditLines)
    .values([
      line('cl-r1', 'boc', 'ent-r', 1_000_000_000, '2025-03-01'),
      line('cl-r2', 'icbc', 'ent-r', 2_000_000_000, '2025-06-01'),
      line('cl-s1', 'icbc', 'ent-s', 100_000_000, '2025-06-01'),
    ]);
  const loan = (
    id: string,
    creditLineId: string,
    bankId: string,
    enterpriseId: string,
    fen: [number, number],
    dates: [string, string],
    extra: { firstLoan: boolean; status: string },
  ) => ({
    id,
    creditLineId,
    bankId,
    enterpriseId,
    amountFen: fen[0],
    outstandingFen: fen[1],
    disbursedOn: dates[0],
    maturesOn: dates[1],
    ...extra,
  });
  await databases.banks.db.insert(banks.loans).values([
    loan('loan-r1', 'cl-r1', 'boc', 'ent-r', [600_000_000, 0], ['2025-03-10', '2026-03-10'], {
      firstLoan: true,
      status: 'REPAID',
    }),
    loan(
      'loan-r2',
      'cl-r2',
      'icbc',
      'ent-r',
      [800_000_000, 800_000_000],
      ['2025-06-10', '2027-06-10'],
      {
        firstLoan: false,
        status: 'CURRENT',
      },
    ),
    loan(
      'loan-s1',
      'cl-s1',
      'icbc',
      'ent-s',
      [100_000_000, 100_000_000],
      ['2025-06-10', '2027-06-10'],
      {
        firstLoan: true,
        status: 'CURRENT',
      },
    ),
  ]);
  await databases.banks.db.insert(banks.loanStatusEvents).values({
    id: 'lse-r1',
    loanId: 'loan-r1',
    bankId: 'boc',
    enterpriseId: 'ent-r',
    status: 'OVERDUE',
    occurredOn: '2026-03-11',
    outstandingFen: 600_000_000,
  });
  await databases.banks.db.insert(banks.loanDeferrals).values({
    id: 'def-r2',
    loanId: 'loan-r2',
    bankId: 'icbc',
    fromMaturesOn: '2026-06-10',
    toMaturesOn: '2027-06-10',
    reason: '延期还本付息政策',
  });
  const consent = (id: string, enterpriseId: string, bankId: string, dataSets: string[]) => ({
    id,
    enterpriseId,
    bankId,
    dataSets,
    purpose: '授信审查',
    grantedAt: new Date(now - DAY),
    expiresAt: new Date(now + 30 * DAY),
  });
  await databases.exchange.db
    .insert(exchange.consents)
    .values([
      consent('cons-r1', 'ent-r', 'icbc', ['FINANCIALS', 'PATENT_VALUATION', 'CREDIT_HISTORY']),
      consent('cons-r2', 'ent-r', 'boc', ['FINANCIALS', 'CREDIT_HISTORY']),
      consent('cons-s1', 'ent-s', 'icbc', ['FINANCIALS', 'PATENT_VALUATION', 'CREDIT_HISTORY']),
    ]);
}

for (const backend of BACKENDS) {
  describe(`the credit report (企业信用报告) (${backend})`, () => {
    let graph: TestGraph;
    const tokens = new Map<string, string>();
    const ask = async (party: Party, org: string | undefined, query: string, variables = {}) => {
      const key = `${party}:${org ?? ''}`;
      if (!tokens.has(key)) tokens.set(key, await graph.token(party, org));
      return (await graph.query(query, variables, tokens.get(key))).body;
    };
    const report = (party: Party, org?: string, id = 'ent-r') => ask(party, org, REPORT, { id });
    const log = () => graph.graph.databases.exchange;
    const lastSeq = async () => {
      const [row] = await log().rows<{ seq: number }>(
        sql`select coalesce(max(seq), 0)::int as seq from ${exchange.disclosures}`,
      );
      return Number(row.seq);
    };
    const entriesAfter = (seq: number) =>
      log()
        .db.select()
        .from(exchange.disclosures)
        .where(gt(exchange.disclosures.seq, seq))
        .orderBy(asc(exchange.disclosures.seq));

    beforeAll(async () => {
      graph = await startTestGraph(backend, { prepare });
    });
    afterAll(async () => {
      await graph?.stop();
    });

    it('shows a bank with every consent the whole report, as computed by hand', async () => {
      const { data, errors } = await report('bank', 'icbc');
      // The library assessment is the agencies' alone, whatever the consents.
      expect(withheld(errors)).toEqual(['library.assessment']);
      const r = data.enterprise.creditReport;
      expect(r.library).toEqual({
        status: 'ADMITTED',
        highTech: true,
        techSmeRegistered: true,
        assessment: null,
      });
      expect(r.patents).toEqual({
        total: 3,
        granted: 2,
        grantedInventions: 2,
        valuedTotal: '5500000.00',
        unpledgedValuation: '3000000.00',
        pledged: 1,
      });
      expect(r.financialRatios).toEqual([
        {
          year: 2025,
          revenue: '50000000.00',
          totalAssets: '80000000.00',
          rdIntensity: '0.0500',
          techStaffRatio: '0.2500',
          revenueGrowth: '0.2500',
          assetTurnover: '0.6250',
        },
        {
          year: 2024,
          revenue: '40000000.00',
          totalAssets: '70000000.00',
          rdIntensity: '0.0400',
          techStaffRatio: '0.2222',
          revenueGrowth: null,
          assetTurnover: '0.5714',
        },
      ]);
      expect(r.creditHistory).toMatchObject({
        totalApproved: '30000000.00',
        outstanding: '8000000.00',
        lenders: 2,
        creditLines: 2,
        loans: 2,
        firstLoanOn: '2025-03-10',
        firstLoanBank: { id: 'boc' },
        overdueLoans: 0,
        overdueEpisodes: 1,
        lastOverdueOn: '2026-03-11',
        defaultedLoans: 0,
        defaultedAmount: '0.00',
        deferrals: 1,
      });
      // Across every bank, icbc's own line and boc's alike.
      expect(r.creditHistory.lines.map((l: { bank: { id: string } }) => l.bank.id)).toEqual([
        'boc',
        'icbc',
      ]);
      expect(r.creditHistory.lines[0].loans[0].statusChanges).toEqual([
        { status: 'OVERDUE', occurredOn: '2026-03-11', outstanding: '6000000.00' },
      ]);
      expect(r.financingNeeds).toEqual({
        needs: 2,
        requestedAmount: '15000000.00',
        disbursed: 1,
        withdrawnOrDeclined: 1,
        outcomes: [
          { status: 'DISBURSED', needs: 1, amount: '10000000.00' },
          { status: 'WITHDRAWN', needs: 1, amount: '5000000.00' },
        ],
      });
      expect(r.guarantees).toEqual({
        guarantees: 1,
        coveredAmount: '5000000.00',
        coveredLoss: '0.00',
        guarantors: ['咸宁市融资担保有限公司'],
      });
      // 30 − 8 − 2 = 20; ¥8M ÷ ¥80M = 0.10: 15; growth 0.25: 15; R&D 0.05: 10;
      // two inventions 4 + ¥3M unpledged 3 = 7; admitted 6 + high-tech 4 = 10. 77 is band B.
      expect(r.riskEvaluation).toMatchObject({ method: 'KX-RISK-1', score: 77, grade: 'B' });
      expect(
        Object.fromEntries(
          r.riskEvaluation.factors.map((f: { code: string; points: number }) => [f.code, f.points]),
        ),
      ).toEqual({
        CREDIT_CONDUCT: 20,
        LEVERAGE: 15,
        REVENUE_GROWTH: 15,
        RD_INTENSITY: 10,
        IP_STRENGTH: 7,
        LIBRARY_STANDING: 10,
      });
      for (const factor of r.riskEvaluation.factors) {
        expect(factor.inputs.length).toBeGreaterThan(0);
      }
    });

    it('withholds from a bank without consent every gated section, and logs nothing for it', async () => {
      const before = await lastSeq();
      const { data, errors } = await report('bank', 'abc');
      expect(withheld(errors)).toEqual([
        'creditHistory',
        'financialRatios',
        'financingNeeds',
        'guarantees',
        'library.assessment',
        'patents.pledged',
        'patents.unpledgedValuation',
        'patents.valuedTotal',
        'riskEvaluation',
      ]);
      const r = data.enterprise.creditReport;
      expect(r.library.status).toBe('ADMITTED');
      expect(r.patents).toMatchObject({ total: 3, granted: 2, grantedInventions: 2 });
      expect(r.riskEvaluation).toBeNull();
      const entries = await entriesAfter(before);
      expect(entries.filter((e) => e.enterpriseId === 'ent-r' && e.org === 'abc')).toEqual([]);
    });

    it('withholds the evaluation from a bank lacking the consent of one of its inputs', async () => {
      const { data, errors } = await report('bank', 'boc');
      expect(withheld(errors)).toEqual([
        'library.assessment',
        'patents.pledged',
        'patents.unpledgedValuation',
        'patents.valuedTotal',
        'riskEvaluation',
      ]);
      const r = data.enterprise.creditReport;
      expect(r.financialRatios).toHaveLength(2);
      expect(r.creditHistory.overdueEpisodes).toBe(1);
      expect(r.riskEvaluation).toBeNull();
    });

    it('logs each disclosure of the report to a bank with the consents relied on', async () => {
      const before = await lastSeq();
      await report('bank', 'icbc');
      const entries = (await entriesAfter(before)).filter((e) => e.enterpriseId === 'ent-r');
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ party: 'bank', org: 'icbc', operationName: 'Report' });
      expect([...entries[0].fields].sort()).toEqual([
        'CreditReport.creditHistory',
        'CreditReport.financialRatios',
        'CreditReport.financingNeeds',
        'CreditReport.guarantees',
        'CreditReport.riskEvaluation',
        'CreditReportPatents.pledged',
        'CreditReportPatents.unpledgedValuation',
        'CreditReportPatents.valuedTotal',
      ]);
      expect(entries[0].basis).toEqual(
        expect.arrayContaining(
          ['FINANCIALS', 'PATENT_VALUATION', 'CREDIT_HISTORY'].map((dataSet) => ({
            policy: 'consent',
            dataSet,
            consentId: 'cons-r1',
          })),
        ),
      );
    });

    it('shows the enterprise its own report without logging it, and no other enterprise', async () => {
      const before = await lastSeq();
      const own = await report('enterprise', 'ent-r');
      expect(withheld(own.errors)).toEqual(['library.assessment']);
      expect(own.data.enterprise.creditReport.riskEvaluation).toMatchObject({
        score: 77,
        grade: 'B',
      });
      expect((await entriesAfter(before)).filter((e) => e.enterpriseId === 'ent-r')).toEqual([]);
      const other = await report('enterprise', 'ent-a');
      expect(other.data.enterprise).toBeNull();
    });

    it('shows agencies the assessment, and the evaluation to those holding credit scopes', async () => {
      const office = await report('finance_office');
      expect(withheld(office.errors)).toEqual([]);
      expect(office.data.enterprise.creditReport.riskEvaluation.grade).toBe('B');
      const bureau = await report('tech_bureau');
      // The technology bureau sees credit as aggregates only.
      expect(withheld(bureau.errors)).toEqual(
        expect.arrayContaining(['creditHistory', 'riskEvaluation']),
      );
    });

    it('keeps a loan marked overdue in the history, and the evaluation follows it', async () => {
      const mark = await ask(
        'bank',
        'icbc',
        `mutation { markLoanOverdue(loanId: "loan-s1", idempotencyKey: "report-overdue-s1") {
          loan { status statusChanges { status outstanding } } } }`,
      );
      expect(mark.errors).toBeUndefined();
      expect(mark.data.markLoanOverdue.loan).toEqual({
        status: 'OVERDUE',
        statusChanges: [{ status: 'OVERDUE', outstanding: '1000000.00' }],
      });
      const { data } = await report('bank', 'icbc', 'ent-s');
      const r = data.enterprise.creditReport;
      expect(r.creditHistory).toMatchObject({ overdueLoans: 1, overdueEpisodes: 1 });
      const conduct = r.riskEvaluation.factors.find(
        (f: { code: string }) => f.code === 'CREDIT_CONDUCT',
      );
      expect(conduct).toMatchObject({ points: 5, reason: 'a loan is overdue today (逾期)' });
      // Admitted without a certificate 6, overdue 5, nothing else on file: 11, grade E.
      expect(r.riskEvaluation).toMatchObject({ score: 11, grade: 'E' });
    });
  });
}
