import { badInput } from '../kernel/errors.js';
import { mergeResolvers } from '../kernel/resolvers.js';
import { creditReportResolvers } from './credit-report/index.js';
import { internalResolvers } from './internal/index.js';
import { displayPatentNumber, usccProblem } from '../kernel/identifiers.js';
import { loadExisting } from '../kernel/loader.js';
import { pageOf } from '../kernel/pagination.js';
import { scalarResolvers } from '../kernel/scalars.js';
import type { Resolvers } from './generated/resolvers.js';
import {
  INVENTION_KINDS,
  UTILITY_MODEL_KINDS,
  type PatentRow,
  type PatentStatsRow,
} from './repository.js';

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
    patents: (row, _, { loaders }) => {
      loaders.patentRowsAsked.add(row.id);
      return loaders.patentsByEnterprise.load(row.id);
    },
    patentStats: async (row, _, { loaders }) => {
      // The object's other fields are resolved in the same turn: after it, `patents` has said
      // whether this request loads the rows anyway, and the counts are then taken from them.
      await null;
      if (loaders.patentRowsAsked.has(row.id)) {
        return patentStats(row.id, await loaders.patentsByEnterprise.load(row.id));
      }
      return (await loaders.patentStats.load(row.id)) ?? noPatents(row.id);
    },
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

export function patentStats(enterpriseId: string, rows: PatentRow[]): PatentStatsRow {
  const count = (test: (row: PatentRow) => boolean) => rows.filter(test).length;
  return {
    enterpriseId,
    total: rows.length,
    inventions: count((p) => INVENTION_KINDS.includes(p.kind)),
    utilityModels: count((p) => UTILITY_MODEL_KINDS.includes(p.kind)),
    designs: count((p) => p.kind === 'DESIGN'),
    granted: count((p) => p.status === 'GRANTED'),
    pledged: count((p) => p.pledgeStatus === 'PLEDGED'),
  };
}

function noPatents(enterpriseId: string): PatentStatsRow {
  return {
    enterpriseId,
    total: 0,
    inventions: 0,
    utilityModels: 0,
    designs: 0,
    granted: 0,
    pledged: 0,
  };
}

export const resolvers = mergeResolvers<Resolvers>(
  libraryResolvers,
  creditReportResolvers,
  internalResolvers,
);
