import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generate, type CodegenConfig } from '@graphql-codegen/cli';
import prettier from 'prettier';
import { subgraphSdlFiles } from '../subgraphs/kernel/sdl.js';
import { SUBGRAPH_NAMES, type SubgraphName } from '../subgraphs/kernel/config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * What each subgraph's resolvers receive as the parent of an object type, where that is not the
 * GraphQL type itself: the rows and domain values its repositories return. Paths are relative to
 * the generated file, `subgraphs/<name>/generated/resolvers.ts`.
 */
const MAPPERS: Record<SubgraphName, Record<string, string>> = {
  tech: {
    Enterprise: '../repository.js#EnterpriseRow',
    Patent: '../repository.js#PatentRow',
    AnnualFinancials: '../repository.js#FinancialsRow',
    LibraryAssessment: '../repository.js#AssessmentRow',
    LibraryEvent: '../repository.js#LibraryEventRow',
    PatentPledge: '../repository.js#PatentPledgeValue',
    CreditReport: '../credit-report/index.js#CreditReportRef',
    CreditReportLibrary: '../repository.js#EnterpriseRow',
  },
  finance: {
    FinancingNeed: '../repository.js#NeedRow',
    FinancialProduct: '../repository.js#ProductRow',
    NeedFeedback: '../repository.js#FeedbackRow',
    OverdueNeedCount: '../repository.js#OverdueCountRow',
    ProspectFeedEntry: '../needs/index.js#ProspectFeedEntry',
    ProductCategoryGroup: '../products/index.js#CategoryGroup',
    RiskPool: '../risk-pool/index.js#RiskPoolRow',
    RiskPoolEntry: '../risk-pool/index.js#RiskPoolEntryRow',
    RiskPoolClaim: '../risk-pool/index.js#RiskPoolClaimRow',
    BankCompensation: '../risk-pool/index.js#BankCompensationRow',
    SubsidyPeriod: '../subsidies/index.js#SubsidyPeriodRow',
    InterestSubsidy: '../subsidies/index.js#InterestSubsidyRow',
    BankReward: '../subsidies/index.js#BankRewardRow',
    ServiceStatistics: '../statistics/index.js#ServiceStatisticsPeriod',
    BankServiceStatistics: '../statistics/index.js#BankServiceRow',
    ServiceTotals: '../statistics/index.js#ServiceTotalsRow',
    ServiceRating: '../ratings/index.js#ServiceRatingRow',
    BankEvaluation: '../evaluation/index.js#EvaluationRow',
    BankEvaluationScore: '../evaluation/index.js#EvaluationScoreRow',
    BankServiceRating: '../ratings/index.js#BankRatingRow',
    ServiceRatingTotals: '../ratings/index.js#RatingTotalsRow',
    RelendingQuota: '../relending/index.js#QuotaRow',
    RelendingUse: '../relending/index.js#RelendingUseRow',
    RelendingBankUse: '../relending/index.js#BankUseRow',
    CultivationPlan: '../cultivation/index.js#PlanRow',
    CultivationItem: '../cultivation/index.js#ItemRow',
    SigningEvent: '../signing-events/index.js#SigningEventRow',
    SigningEventRegistration: '../signing-events/index.js#RegistrationRow',
    CreditSigning: '../signing-events/index.js#SigningRow',
    SigningOutcome: '../signing-events/index.js#OutcomeRow',
    SigningEventSummary: '../signing-events/index.js#SummaryRow',
    Notice: '../notices/index.js#NoticeRow',
    NoticeReceipt: '../notices/index.js#ReceiptRow',
    EnterpriseNoticeReceipt: '../notices/index.js#EnterpriseReceiptRow',
    ListingTierChange: '../listing-seeds/index.js#ListingTierChangeRow',
    ListingSeed: '../listing-seeds/index.js#ListingSeedRow',
    ListingTierPayload: '../listing-seeds/index.js#TierOutcome',
    Guarantee: '../guarantees/index.js#GuaranteeRow',
    GuaranteeLoss: '../guarantees/index.js#GuaranteeLossRow',
    NeedsRecord: '../credit-report/index.js#NeedsRecordValue',
    GuaranteeRecord: '../credit-report/index.js#GuaranteeRecordValue',
    // Extensions and references: this subgraph holds only their id (and a need's enterprise
    // its copy of the library's public attributes).
    Enterprise: '../enterprise-profiles/index.js#EnterpriseRef',
    Bank: '{ id: string }',
  },
  banks: {
    Bank: '../repository.js#BankRow',
    FinancingSolution: '../repository.js#SolutionRow',
    CreditLine: '../repository.js#CreditLineRow',
    Loan: '../repository.js#LoanRow',
    CreditSummary: '../repository.js#CreditSummaryRow',
    BankCreditStatistics: '../repository.js#StatisticsRow',
    CreditTotals: '../repository.js#StatisticsRow',
    CreditComparisonRow: '../early-spring/index.js#Comparison',
    CreditComparisonTotals: '../early-spring/index.js#Comparison',
    BankMonthEndBalance: '../balances/index.js#BalanceWithGrowth',
    CityMonthEndBalance: '../balances/index.js#CityMonthEndBalance',
    LoanStatusChange: '../repository.js#LoanStatusEventRow',
    CreditHistory: '../credit-report/index.js#CreditHistoryValue',
    CreditHistoryLine: '../credit-report/index.js#HistoryLine',
    CreditHistoryLoan: '../credit-report/index.js#HistoryLoan',
    CreditReport: '{ enterpriseId: string }',
    // Extensions: this subgraph holds only facts keyed by their id.
    Enterprise: '{ id: string }',
    FinancingNeed: '{ id: string }',
  },
  exchange: {
    Consent: '../repository.js#ConsentRow',
    Disclosure: '../repository.js#DisclosureRow',
    TreeHead: '../log-store.js#SignedTreeHead',
  },
};

/**
 * Enums whose resolvers map a GraphQL value to another internal one: the type resolvers see is
 * the internal value, and the enum's resolver map must give exactly these.
 */
const ENUM_VALUES: Partial<Record<SubgraphName, Record<string, Record<string, string>>>> = {
  // The disclosure log stores a basis's policy under the name @policy gives it.
  exchange: {
    DisclosurePolicy: {
      CONSENT: 'consent',
      MAIN_BANK: 'main_bank',
      SELF: 'self',
      MANDATE: 'unrestricted',
    },
  },
};

const CONTEXTS: Record<SubgraphName, string> = {
  tech: '../index.js#TechContext',
  finance: '../index.js#FinanceContext',
  banks: '../index.js#BanksContext',
  exchange: '../index.js#ExchangeContext',
};

const HEADER = "// Generated by `npm run codegen` from this subgraph's SDL: do not edit.\n\n";

function generatedPath(name: SubgraphName): string {
  return path.join('subgraphs', name, 'generated', 'resolvers.ts');
}

const codegenConfig: CodegenConfig = {
  silent: true,
  generates: Object.fromEntries(
    SUBGRAPH_NAMES.map((name) => [
      generatedPath(name),
      {
        schema: subgraphSdlFiles(name),
        plugins: ['typescript', 'typescript-resolvers'],
        config: {
          federation: true,
          contextType: CONTEXTS[name],
          mappers: MAPPERS[name],
          // A row type may share its GraphQL type's name (ProspectFeedEntry); imported as <Name>Model.
          mapperTypeSuffix: 'Model',
          enumValues: ENUM_VALUES[name],
          useTypeImports: true,
          enumsAsTypes: true,
          // The values resolvers exchange with the scalars of subgraphs/kernel/scalars.ts.
          scalars: {
            Money: { input: 'number', output: 'number | bigint | string' },
            Date: { input: 'string', output: 'string | Date' },
            DateTime: { input: 'Date', output: 'Date | string' },
            Decimal: { input: 'string', output: 'string | number' },
          },
        },
      },
    ]),
  ),
};

/** Every generated file, by path from the repository root, formatted as Prettier would. */
export async function generateResolverTypes(): Promise<Map<string, string>> {
  const outputs: { filename: string; content: string }[] = await generate(
    { ...codegenConfig, cwd: root },
    false,
  );
  const files = new Map<string, string>();
  for (const { filename, content } of outputs) {
    const absolute = path.resolve(root, filename);
    const options = await prettier.resolveConfig(absolute);
    const formatted = await prettier.format(HEADER + content, { ...options, filepath: absolute });
    files.set(path.relative(root, absolute), formatted);
  }
  return files;
}

// Writes each subgraph's generated/resolvers.ts from its SDL; `--check` only compares.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const check = process.argv.includes('--check');
  const stale: string[] = [];
  for (const [file, text] of await generateResolverTypes()) {
    const absolute = path.join(root, file);
    const current = fs.existsSync(absolute) ? fs.readFileSync(absolute, 'utf8') : '';
    if (current === text) continue;
    stale.push(file);
    if (!check) {
      fs.mkdirSync(path.dirname(absolute), { recursive: true });
      fs.writeFileSync(absolute, text);
      console.log(`wrote ${file}`);
    }
  }
  if (check && stale.length) {
    console.error(`stale: ${stale.join(', ')}: run npm run codegen`);
    process.exit(1);
  }
  if (!stale.length) console.log('generated resolver types are up to date');
}
