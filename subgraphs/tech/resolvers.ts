import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { badInput } from '../kernel/errors.js';
import { mergeResolvers } from '../kernel/resolvers.js';
import { internalResolvers } from './internal/index.js';
import { displayPatentNumber, usccProblem } from '../kernel/identifiers.js';
import { pageOf, type PageArgs } from '../kernel/pagination.js';
import { scalarResolvers } from '../kernel/scalars.js';
import type { TechContext } from './index.js';
import type {
  FinancialsInput,
  LibraryAction,
  RegisterInput,
  UpdateInput,
} from './library/index.js';
import type {
  AssessmentRow,
  EnterpriseFilter,
  EnterpriseRow,
  PatentFilter,
  PatentRow,
} from './repository.js';

const libraryResolvers: GraphQLResolverMap<TechContext> = {
  ...scalarResolvers,
  Query: {
    enterprise: (_: unknown, { id }: { id: string }, { loaders }: TechContext) =>
      loaders.enterprise.load(id),
    enterpriseByUscc: (_: unknown, { uscc }: { uscc: string }, { loaders }: TechContext) => {
      const problem = usccProblem(uscc);
      if (problem) throw badInput('uscc', problem);
      return loaders.enterpriseByUscc.load(uscc);
    },
    enterprises: (
      _: unknown,
      args: PageArgs & { filter?: EnterpriseFilter },
      { repository, limits }: TechContext,
    ) =>
      pageOf(
        args,
        limits,
        (limit, after) => repository.listEnterprises(args.filter ?? {}, limit, after),
        (row) => row.id,
      ),
    patent: (_: unknown, { id }: { id: string }, { loaders }: TechContext) =>
      loaders.patent.load(id),
    patents: (
      _: unknown,
      args: PageArgs & { filter?: PatentFilter },
      { repository, limits }: TechContext,
    ) =>
      pageOf(
        args,
        limits,
        (limit, after) => repository.listPatents(args.filter ?? {}, limit, after),
        (row) => row.id,
      ),
  },
  Mutation: {
    registerEnterprise: (
      _: unknown,
      { input }: { input: RegisterInput },
      { library }: TechContext,
    ) => library.register(input),
    updateEnterprise: (
      _: unknown,
      { id, input }: { id: string; input: UpdateInput },
      { library }: TechContext,
    ) => library.update(id, input),
    submitAnnualFinancials: (
      _: unknown,
      { enterpriseId, input }: { enterpriseId: string; input: FinancialsInput },
      { library }: TechContext,
    ) => library.submitFinancials(enterpriseId, input),
    assessEnterprise: (
      _: unknown,
      { id, year }: { id: string; year?: number | null },
      { library }: TechContext,
    ) => library.assess(id, year),
    changeLibraryStatus: (
      _: unknown,
      { id, action, reason }: { id: string; action: LibraryAction; reason: string },
      { library }: TechContext,
    ) => library.changeStatus(id, action, reason),
  },
  Enterprise: {
    __resolveReference: (ref: { id?: string; uscc?: string }, { loaders }: TechContext) =>
      ref.id !== undefined
        ? loaders.enterprise.load(ref.id)
        : loaders.enterpriseByUscc.load(ref.uscc!),
    patents: (row: EnterpriseRow, _: unknown, { loaders }: TechContext) =>
      loaders.patentsByEnterprise.load(row.id),
    patentStats: async (row: EnterpriseRow, _: unknown, { loaders }: TechContext) =>
      patentStats(row.id, await loaders.patentsByEnterprise.load(row.id)),
    contact: (row: EnterpriseRow) => ({
      legalRepresentative: row.legalRepresentative,
      contactPerson: row.contactPerson,
      phone: row.phone,
      address: row.address,
    }),
    financials: (row: EnterpriseRow, _: unknown, { loaders }: TechContext) =>
      loaders.financials.load(row.id),
    libraryHistory: (row: EnterpriseRow, _: unknown, { loaders }: TechContext) =>
      loaders.libraryHistory.load(row.id),
    assessment: (row: EnterpriseRow, _: unknown, { loaders }: TechContext) =>
      loaders.assessment.load(row.id),
  },
  AnnualFinancials: {
    revenue: (row: { revenueFen: number }) => row.revenueFen,
    rdExpense: (row: { rdExpenseFen: number }) => row.rdExpenseFen,
    totalAssets: (row: { totalAssetsFen: number }) => row.totalAssetsFen,
  },
  LibraryAssessment: {
    breakdown: (row: AssessmentRow) => row.breakdown,
  },
  Patent: {
    __resolveReference: (ref: { id: string }, { loaders }: TechContext) =>
      loaders.patent.load(ref.id),
    number: (row: PatentRow) => displayPatentNumber(row.number, row.status === 'GRANTED'),
    owner: (row: PatentRow, _: unknown, { loaders }: TechContext) =>
      loaders.enterprise.load(row.enterpriseId),
    valuation: (row: PatentRow) => row.valuationFen,
    pledge: (row: PatentRow) => ({
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

export const resolvers = mergeResolvers<TechContext>(libraryResolvers, internalResolvers);
