import { badInput } from '../kernel/errors.js';
import { mergeResolvers } from '../kernel/resolvers.js';
import { creditReportResolvers } from './credit-report/index.js';
import { internalResolvers } from './internal/index.js';
import { displayPatentNumber, usccProblem } from '../kernel/identifiers.js';
import { loadExisting } from '../kernel/loader.js';
import { pageOf } from '../kernel/pagination.js';
import { scalarResolvers } from '../kernel/scalars.js';
import type { Resolvers } from './generated/resolvers.js';
import type { PatentRow } from './repository.js';

const libraryResolvers: Resolvers = {
  ...scalarResolvers,
  Query: {
    enterprise: (_, { id }, { loaders }) => loaders.enterprise.load(id),
    enterpriseByUscc: (_, { uscc }, { loaders }) => {
      const problem = usccProblem(uscc);
      if (problem) throw badInput('uscc', problem);
      return loaders.enterpriseByUscc.load(uscc);
    },
    enterprises: (_, args, { repository, limits }) =>
      pageOf(
        args,
        limits,
        (limit, after) => repository.listEnterprises(args.filter ?? {}, limit, after),
        (row) => row.id,
      ),
    patent: (_, { id }, { loaders }) => loaders.patent.load(id),
    patents: (_, args, { repository, limits }) =>
      pageOf(
        args,
        limits,
        (limit, after) => repository.listPatents(args.filter ?? {}, limit, after),
        (row) => row.id,
      ),
  },
  Mutation: {
    registerEnterprise: (_, { input }, { library }) => library.register(input),
    updateEnterprise: (_, { id, input }, { library }) => library.update(id, input),
    submitAnnualFinancials: (_, { enterpriseId, input }, { library }) =>
      library.submitFinancials(enterpriseId, input),
    assessEnterprise: (_, { id, year }, { library }) => library.assess(id, year),
    changeLibraryStatus: (_, { id, action, reason }, { library }) =>
      library.changeStatus(id, action, reason),
  },
  Enterprise: {
    __resolveReference: (ref, { loaders }) =>
      'id' in ref ? loaders.enterprise.load(ref.id) : loaders.enterpriseByUscc.load(ref.uscc),
    patents: (row, _, { loaders }) => loaders.patentsByEnterprise.load(row.id),
    patentStats: async (row, _, { loaders }) =>
      patentStats(row.id, await loaders.patentsByEnterprise.load(row.id)),
    contact: (row) => ({
      legalRepresentative: row.legalRepresentative,
      contactPerson: row.contactPerson,
      phone: row.phone,
      address: row.address,
    }),
    financials: (row, _, { loaders }) => loaders.financials.load(row.id),
    libraryHistory: (row, _, { loaders }) => loaders.libraryHistory.load(row.id),
    assessment: (row, _, { loaders }) => loaders.assessment.load(row.id),
  },
  AnnualFinancials: {
    revenue: (row) => row.revenueFen,
    rdExpense: (row) => row.rdExpenseFen,
    totalAssets: (row) => row.totalAssetsFen,
  },
  LibraryAssessment: {
    breakdown: (row) => row.breakdown,
  },
  Patent: {
    __resolveReference: (ref, { loaders }) => loaders.patent.load(ref.id),
    number: (row) => displayPatentNumber(row.number, row.status === 'GRANTED'),
    owner: (row, _, { loaders }) =>
      loadExisting(loaders.enterprise, row.enterpriseId, 'enterprise'),
    valuation: (row) => row.valuationFen,
    pledge: (row) => ({
      status: row.pledgeStatus,
      pledgeeBankId: row.pledgeeBankId,
      valuedOn: row.valuedOn,
    }),
  },
};

export function patentStats(enterpriseId: string, rows: PatentRow[]) {
  const count = (test: (row: PatentRow) => boolean) => rows.filter(test).length;
  return {
    enterpriseId,
    total: rows.length,
    inventions: count((p) => p.kind === 'INVENTION' || p.kind === 'PCT_INVENTION'),
    utilityModels: count((p) => p.kind === 'UTILITY_MODEL' || p.kind === 'PCT_UTILITY_MODEL'),
    designs: count((p) => p.kind === 'DESIGN'),
    granted: count((p) => p.status === 'GRANTED'),
    pledged: count((p) => p.pledgeStatus === 'PLEDGED'),
  };
}

export const resolvers = mergeResolvers<Resolvers>(
  libraryResolvers,
  creditReportResolvers,
  internalResolvers,
);
