import DataLoader from 'dataloader';
import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../kernel/db.js';
import { enterpriseInRowScope } from '../../kernel/row-scope.js';
import { anyOf } from '../../kernel/sql.js';
import type { NeedStatus, Resolvers } from '../generated/resolvers.js';
import { guaranteeLosses, guarantees } from '../guarantees/index.js';
import { financingNeeds } from '../tables.js';
import { evaluateRisk, type RiskInputs } from './risk-evaluation.js';

/** A need's life in order: the order outcomes are listed in. */
const LIFE: NeedStatus[] = [
  'SUBMITTED',
  'OPEN',
  'ASSIGNED',
  'SOLUTION_PROPOSED',
  'CREDIT_APPROVED',
  'DISBURSED',
  'WITHDRAWN',
  'DECLINED',
];

export interface NeedsRecordValue {
  enterpriseId: string;
  needs: number;
  requestedAmount: bigint;
  disbursed: number;
  withdrawnOrDeclined: number;
  lastSubmittedAt: Date | null;
  outcomes: { status: NeedStatus; needs: number; amount: bigint }[];
}

export interface GuaranteeRecordValue {
  enterpriseId: string;
  guarantees: number;
  coveredAmount: bigint;
  coveredLoss: bigint;
  guarantors: string[];
}

/**
 * The finance office's sections of credit reports, for every enterprise a request asks about in
 * one statement per section. Over every bank: the gateway's policy on each section decides who
 * may read it.
 */
export class CreditReportSections {
  readonly needs: DataLoader<string, NeedsRecordValue>;
  readonly guarantees: DataLoader<string, GuaranteeRecordValue>;

  constructor(private readonly db: Db) {
    this.needs = new DataLoader((ids) => this.needsOf(ids));
    this.guarantees = new DataLoader((ids) => this.guaranteesOf(ids));
  }

  private async needsOf(ids: readonly string[]): Promise<NeedsRecordValue[]> {
    const rows = await this.db
      .select({
        enterpriseId: financingNeeds.enterpriseId,
        status: financingNeeds.status,
        needs: sql<number>`count(*)::int`,
        amount: sql<string>`sum(${financingNeeds.amountFen})::text`,
        lastSubmittedAt: sql<string>`max(${financingNeeds.submittedAt})::text`,
      })
      .from(financingNeeds)
      .where(anyOf(financingNeeds.enterpriseId, ids))
      .groupBy(financingNeeds.enterpriseId, financingNeeds.status);
    return ids.map((enterpriseId) => {
      const mine = rows.filter((row) => row.enterpriseId === enterpriseId);
      const count = (statuses: string[]) =>
        mine.filter((row) => statuses.includes(row.status)).reduce((n, row) => n + row.needs, 0);
      const last = mine.map((row) => new Date(row.lastSubmittedAt)).sort((a, b) => +b - +a)[0];
      return {
        enterpriseId,
        needs: count(LIFE),
        requestedAmount: mine.reduce((sum, row) => sum + BigInt(row.amount), 0n),
        disbursed: count(['DISBURSED']),
        withdrawnOrDeclined: count(['WITHDRAWN', 'DECLINED']),
        lastSubmittedAt: last ?? null,
        outcomes: LIFE.flatMap((status) => {
          const row = mine.find((r) => r.status === status);
          return row ? [{ status, needs: row.needs, amount: BigInt(row.amount) }] : [];
        }),
      };
    });
  }

  private async guaranteesOf(ids: readonly string[]): Promise<GuaranteeRecordValue[]> {
    const losses = this.db
      .select({
        guaranteeId: guaranteeLosses.guaranteeId,
        coveredLossFen: sql`sum(${guaranteeLosses.coveredLossFen})`.as('covered_loss_fen'),
      })
      .from(guaranteeLosses)
      .groupBy(guaranteeLosses.guaranteeId)
      .as('losses');
    const rows = await this.db
      .select({
        enterpriseId: guarantees.enterpriseId,
        guarantorName: guarantees.guarantorName,
        coveredAmountFen: guarantees.coveredAmountFen,
        coveredLossFen: sql<string>`coalesce(${losses.coveredLossFen}, 0)::text`,
      })
      .from(guarantees)
      .leftJoin(losses, eq(losses.guaranteeId, guarantees.id))
      .where(anyOf(guarantees.enterpriseId, ids))
      .orderBy(asc(guarantees.createdAt), asc(guarantees.id));
    return ids.map((enterpriseId) => {
      const mine = rows.filter((row) => row.enterpriseId === enterpriseId);
      return {
        enterpriseId,
        guarantees: mine.length,
        coveredAmount: mine.reduce((sum, row) => sum + BigInt(row.coveredAmountFen), 0n),
        coveredLoss: mine.reduce((sum, row) => sum + BigInt(row.coveredLossFen), 0n),
        guarantors: [...new Set(mine.map((row) => row.guarantorName))],
      };
    });
  }
}

/** What federation hands this subgraph for a report: its key and the sections it requires. */
type ReportRepresentation = { enterpriseId: string } & {
  [K in keyof RiskInputs]?: RiskInputs[K] | null;
};

/** The sections the evaluation needs, or null when one could not be had from its owner. */
function riskInputs(report: ReportRepresentation): RiskInputs | null {
  const { library, patents, financialRatios, creditHistory } = report;
  if (!library || !patents || !financialRatios || !creditHistory) return null;
  return { library, patents, financialRatios, creditHistory };
}

export const creditReportResolvers: Resolvers = {
  CreditReport: {
    // The representation carries the sections `riskEvaluation` requires; they are kept with it.
    __resolveReference: (ref, { caller }) =>
      enterpriseInRowScope(caller, ref.enterpriseId) ? ref : null,
    financingNeeds: ({ enterpriseId }, _, { creditReport }) =>
      creditReport.needs.load(enterpriseId),
    guarantees: ({ enterpriseId }, _, { creditReport }) =>
      creditReport.guarantees.load(enterpriseId),
    riskEvaluation: (report) => {
      const inputs = riskInputs(report as ReportRepresentation);
      return inputs ? { enterpriseId: report.enterpriseId, ...evaluateRisk(inputs) } : null;
    },
  },
};
