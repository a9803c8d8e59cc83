import { today } from '../../kernel/clock.js';
import { ratio } from '../../kernel/money.js';
import type { FinancialRatios, LibraryStatus, Resolvers } from '../generated/resolvers.js';
import type { FinancialsRow, PatentRow } from '../repository.js';

/** What a credit report is to this subgraph: the enterprise it is about. */
export interface CreditReportRef {
  enterpriseId: string;
}

/** Years of ratios a report shows. */
const REPORT_YEARS = 3;

/**
 * The ratios of the newest years on file, newest first; growth is measured against the calendar
 * year before, and is null when that year is missing or had no revenue.
 */
export function financialRatios(rows: readonly FinancialsRow[]): FinancialRatios[] {
  const byYear = new Map(rows.map((row) => [row.year, row]));
  return [...rows]
    .sort((a, b) => b.year - a.year)
    .slice(0, REPORT_YEARS)
    .map((row) => {
      const before = byYear.get(row.year - 1);
      return {
        year: row.year,
        revenue: row.revenueFen,
        totalAssets: row.totalAssetsFen,
        rdIntensity: ratio(row.rdExpenseFen, row.revenueFen),
        techStaffRatio: ratio(row.techStaff, row.employees),
        revenueGrowth: before ? ratio(row.revenueFen - before.revenueFen, before.revenueFen) : null,
        assetTurnover: ratio(row.revenueFen, row.totalAssetsFen),
      };
    });
}

const isInvention = (p: PatentRow) => p.kind === 'INVENTION' || p.kind === 'PCT_INVENTION';

export function patentSection(enterpriseId: string, rows: readonly PatentRow[]) {
  const valued = rows.filter((p) => p.valuationFen !== null);
  const sum = (list: PatentRow[]) => list.reduce((total, p) => total + (p.valuationFen ?? 0), 0);
  return {
    enterpriseId,
    total: rows.length,
    granted: rows.filter((p) => p.status === 'GRANTED').length,
    grantedInventions: rows.filter((p) => p.status === 'GRANTED' && isInvention(p)).length,
    valuedTotal: sum(valued),
    unpledgedValuation: sum(valued.filter((p) => p.pledgeStatus !== 'PLEDGED')),
    pledged: rows.filter((p) => p.pledgeStatus === 'PLEDGED').length,
  };
}

export const creditReportResolvers: Resolvers = {
  Enterprise: {
    creditReport: (row) => ({ enterpriseId: row.id }),
  },
  CreditReport: {
    // The enterprise row scope holds here too: an enterprise's own report only.
    __resolveReference: async (ref, { loaders }) =>
      (await loaders.enterprise.load(ref.enterpriseId)) ? { enterpriseId: ref.enterpriseId } : null,
    asOf: () => today(),
    library: async ({ enterpriseId }, _, { loaders }) => {
      const row = await loaders.enterprise.load(enterpriseId);
      if (!row) throw new Error(`enterprise "${enterpriseId}" is missing`);
      return row;
    },
    patents: async ({ enterpriseId }, _, { loaders }) =>
      patentSection(enterpriseId, await loaders.patentsByEnterprise.load(enterpriseId)),
    financialRatios: async ({ enterpriseId }, _, { loaders }) =>
      financialRatios(await loaders.financials.load(enterpriseId)),
  },
  CreditReportLibrary: {
    enterpriseId: (row) => row.id,
    status: (row) => row.libraryStatus as LibraryStatus,
    highTech: (row) =>
      row.highTechCertificate !== null &&
      (row.highTechValidUntil === null || row.highTechValidUntil >= today()),
    assessment: (row, _, { loaders }) => loaders.assessment.load(row.id),
  },
};
