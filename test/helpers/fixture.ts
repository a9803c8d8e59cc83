import type { SubgraphName } from '../../subgraphs/kernel/config.js';
import type { Database } from '../../subgraphs/kernel/db.js';
import * as tech from '../../subgraphs/tech/tables.js';
import * as finance from '../../subgraphs/finance/tables.js';
import { libraryProfiles } from '../../subgraphs/finance/enterprise-profiles/index.js';
import * as banks from '../../subgraphs/banks/tables.js';
import * as exchange from '../../subgraphs/exchange/tables.js';

const DAY = 86_400_000;

/**
 * A small city whose every row is known, so the permitted-share tests can say exactly what each
 * party should see:
 * - ent-a offers an open need; it consented CONTACT+FINANCIALS to abc, CONTACT to icbc (revoked).
 * - ent-b's need is assigned to icbc (main bank); icbc holds a credit line for it.
 * - ent-c's need is disbursed by abc (closed); its PATENT_VALUATION consent to icbc expired.
 * - ent-a holds a high-tech certificate and one granted, unpledged patent; ent-c's is pledged.
 */
export async function loadFixture(databases: Record<SubgraphName, Database>): Promise<void> {
  const now = Date.now();
  await databases.banks.db.insert(banks.banks).values([
    { id: 'icbc', name: '工商银行咸宁分行', kind: 'STATE_OWNED', techBranch: '工行咸宁科技支行' },
    { id: 'abc', name: '农业银行咸宁分行', kind: 'STATE_OWNED', techBranch: null },
    { id: 'boc', name: '中国银行咸宁分行', kind: 'STATE_OWNED', techBranch: null },
  ]);
  const enterprise = (
    id: string,
    uscc: string,
    name: string,
    district: string,
    highTech: string | null,
  ) => ({
    id,
    uscc,
    name,
    district,
    industry: 'C39',
    stage: 'GROWTH',
    foundedOn: '2015-03-01',
    highTechCertificate: highTech,
    techSmeRegistered: true,
    libraryStatus: 'ADMITTED',
    legalRepresentative: `${name}法人`,
    contactPerson: `${name}联系人`,
    phone: '13800000000',
    address: '咸宁市',
  });
  const library = [
    enterprise('ent-a', '91421200MA4F0A0A0J', '咸宁甲科技有限公司', 'XIANAN', 'GR202442001001'),
    enterprise('ent-b', '91421200MA4F0B0B0T', '咸宁乙科技有限公司', 'JIAYU', null),
    enterprise('ent-c', '91421200MA4F0C0C03', '咸宁丙科技有限公司', 'CHIBI', null),
  ];
  const patents: (typeof tech.patents.$inferInsert)[] = [
    {
      id: 'pat-a1',
      number: '201710601862.3',
      kind: 'INVENTION',
      title: '一种储能电池管理方法',
      status: 'GRANTED',
      filedOn: '2017-07-20',
      grantedOn: '2019-05-10',
      ipcClass: 'H01M 10/42',
      enterpriseId: 'ent-a',
      valuationFen: 500_000_000,
      pledgeStatus: 'NONE',
    },
    {
      id: 'pat-c1',
      number: '202020123456.8',
      kind: 'UTILITY_MODEL',
      title: '一种传感器外壳',
      status: 'PENDING',
      filedOn: '2020-02-01',
      ipcClass: 'G01D 11/24',
      enterpriseId: 'ent-c',
      valuationFen: 80_000_000,
      pledgeStatus: 'PLEDGED',
      pledgeeBankId: 'abc',
    },
  ];
  await databases.tech.db.insert(tech.enterprises).values(library);
  await databases.tech.db.insert(tech.patents).values(patents);
  // The finance office's read model of the library (prospect-feed filters, product eligibility).
  await databases.finance.db
    .insert(finance.enterpriseProfiles)
    .values(libraryProfiles(library, patents));
  await databases.tech.db.insert(tech.annualFinancials).values([
    {
      enterpriseId: 'ent-a',
      year: 2025,
      revenueFen: 4_000_000_000,
      rdExpenseFen: 240_000_000,
      employees: 120,
      techStaff: 30,
      totalAssetsFen: 9_000_000_000,
    },
    {
      enterpriseId: 'ent-b',
      year: 2025,
      revenueFen: 1_000_000_000,
      rdExpenseFen: 20_000_000,
      employees: 40,
      techStaff: 3,
      totalAssetsFen: 2_000_000_000,
    },
  ]);
  await databases.tech.db.insert(tech.libraryAssessments).values({
    enterpriseId: 'ent-a',
    year: 2025,
    highTechEligible: true,
    rdIntensity: '0.060000',
    techStaffRatio: '0.250000',
    techSmeScore: 80,
    techSmeEligible: true,
    prospectRating: 'A',
    policyPriority: 'HIGH',
    breakdown: [{ criterion: 'rd', points: 50, maxPoints: 50 }],
  });
  await databases.finance.db.insert(finance.financingNeeds).values([
    {
      id: 'need-a1',
      enterpriseId: 'ent-a',
      amountFen: 300_000_000,
      termMonths: 12,
      purpose: '研发投入',
      collateral: ['PATENT_PLEDGE'],
      visibility: 'OPEN_TO_ALL_BANKS',
      status: 'OPEN',
      submittedAt: new Date(now - 3 * DAY),
    },
    {
      id: 'need-b1',
      enterpriseId: 'ent-b',
      amountFen: 100_000_000,
      termMonths: 12,
      purpose: '流动资金',
      collateral: ['NONE'],
      visibility: 'MAIN_BANK_ONLY',
      status: 'ASSIGNED',
      mainBankId: 'icbc',
      mainBankBasis: 'BASIC_ACCOUNT',
      submittedAt: new Date(now - 5 * DAY),
      assignedAt: new Date(now - 3 * DAY),
      solutionDueAt: new Date(now - 2 * DAY),
    },
    {
      id: 'need-c1',
      enterpriseId: 'ent-c',
      amountFen: 50_000_000,
      termMonths: 6,
      purpose: '订单生产',
      collateral: ['ORDER_PLEDGE'],
      visibility: 'MAIN_BANK_ONLY',
      status: 'DISBURSED',
      mainBankId: 'abc',
      mainBankBasis: 'LARGEST_LENDER',
      submittedAt: new Date(now - 90 * DAY),
      assignedAt: new Date(now - 89 * DAY),
      solutionDueAt: new Date(now - 88 * DAY),
      solutionProposedAt: new Date(now - 88.5 * DAY),
    },
  ]);
  await databases.finance.db.insert(finance.financialProducts).values([
    {
      id: 'prod-icbc-01',
      bankId: 'icbc',
      name: '科创知识产权质押贷',
      category: 'IP_PLEDGE_LOAN',
      collateral: ['PATENT_PLEDGE'],
      minAmountFen: 10_000_000,
      maxAmountFen: 1_000_000_000,
      rateFloor: '0.0350',
      rateCap: '0.0550',
      maxTermMonths: 36,
      requiresPatents: true,
    },
    {
      id: 'prod-abc-01',
      bankId: 'abc',
      name: '科技信用贷',
      category: 'CREDIT_LOAN',
      collateral: ['NONE'],
      minAmountFen: 10_000_000,
      maxAmountFen: 300_000_000,
      rateFloor: '0.0380',
      rateCap: '0.0600',
      maxTermMonths: 24,
    },
  ]);
  await databases.banks.db.insert(banks.creditLines).values([
    {
      id: 'cl-1',
      bankId: 'icbc',
      enterpriseId: 'ent-b',
      needId: 'need-b1',
      amountFen: 100_000_000,
      rate: '0.0400',
      termMonths: 12,
      approvedOn: '2026-01-15',
    },
    {
      id: 'cl-2',
      bankId: 'abc',
      enterpriseId: 'ent-c',
      needId: 'need-c1',
      amountFen: 50_000_000,
      rate: '0.0420',
      termMonths: 6,
      approvedOn: '2025-09-01',
    },
  ]);
  await databases.banks.db.insert(banks.loans).values([
    {
      id: 'loan-1',
      creditLineId: 'cl-1',
      bankId: 'icbc',
      enterpriseId: 'ent-b',
      amountFen: 60_000_000,
      outstandingFen: 60_000_000,
      disbursedOn: '2026-01-20',
      maturesOn: '2027-01-20',
      firstLoan: true,
      status: 'CURRENT',
    },
    {
      id: 'loan-2',
      creditLineId: 'cl-2',
      bankId: 'abc',
      enterpriseId: 'ent-c',
      amountFen: 50_000_000,
      outstandingFen: 0,
      disbursedOn: '2025-09-05',
      maturesOn: '2026-03-05',
      firstLoan: true,
      status: 'REPAID',
    },
  ]);
  await databases.banks.db.insert(banks.financingSolutions).values({
    id: 'sol-1',
    needId: 'need-b1',
    bankId: 'icbc',
    enterpriseId: 'ent-b',
    productIds: ['prod-icbc-01'],
    amountFen: 100_000_000,
    rate: '0.0400',
    termMonths: 12,
    conditions: '按季付息',
    proposedAt: new Date(now - 2.5 * DAY),
  });
  await databases.exchange.db.insert(exchange.participatingBanks).values([
    { id: 'icbc', name: '工商银行咸宁分行' },
    { id: 'abc', name: '农业银行咸宁分行' },
    { id: 'boc', name: '中国银行咸宁分行' },
  ]);
  await databases.exchange.db.insert(exchange.consents).values([
    {
      id: 'cons-1',
      enterpriseId: 'ent-a',
      bankId: 'abc',
      dataSets: ['CONTACT', 'FINANCIALS'],
      purpose: '授信审查',
      grantedAt: new Date(now - DAY),
      expiresAt: new Date(now + 30 * DAY),
    },
    {
      id: 'cons-2',
      enterpriseId: 'ent-a',
      bankId: 'icbc',
      dataSets: ['CONTACT'],
      purpose: '授信审查',
      grantedAt: new Date(now - 10 * DAY),
      expiresAt: new Date(now + 30 * DAY),
      revokedAt: new Date(now - DAY),
    },
    {
      id: 'cons-3',
      enterpriseId: 'ent-c',
      bankId: 'icbc',
      dataSets: ['PATENT_VALUATION', 'CREDIT_HISTORY'],
      purpose: '贷前调查',
      grantedAt: new Date(now - 100 * DAY),
      expiresAt: new Date(now - DAY),
    },
  ]);
}

/**
 * Banks and enterprises a test acts as without needing their data: the gateway refuses a token
 * whose org names no bank of the banks subgraph or no enterprise of the library.
 */
export async function registerParticipants(
  databases: Record<SubgraphName, Database>,
  {
    banks: bankIds = [],
    enterprises: enterpriseIds = [],
  }: { banks?: string[]; enterprises?: string[] },
): Promise<void> {
  if (bankIds.length > 0) {
    await databases.banks.db
      .insert(banks.banks)
      .values(bankIds.map((id) => ({ id, name: `${id} 咸宁分行`, kind: 'CITY_COMMERCIAL' })))
      .onConflictDoNothing();
  }
  if (enterpriseIds.length > 0) {
    await databases.tech.db
      .insert(tech.enterprises)
      .values(
        enterpriseIds.map((id) => ({
          id,
          uscc: `TEST-${id}`,
          name: `${id} 有限公司`,
          district: 'XIANAN',
          industry: 'C39',
          stage: 'GROWTH',
          foundedOn: '2015-03-01',
          libraryStatus: 'ADMITTED',
          legalRepresentative: '法人',
          contactPerson: '联系人',
          phone: '13800000000',
          address: '咸宁市',
        })),
      )
      .onConflictDoNothing();
  }
}
