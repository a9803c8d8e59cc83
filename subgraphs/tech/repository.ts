import {
  and,
  asc,
  eq,
  gt,
  ilike,
  inArray,
  isNotNull,
  like,
  or,
  sql,
  type Placeholder,
  type SQL,
} from 'drizzle-orm';
import type { Caller } from '../kernel/caller.js';
import type { Db } from '../kernel/db.js';
import { anyOf, anyOfPlaceholder, CALLER_ORG, preparedOnce, scopeShape } from '../kernel/sql.js';
import type { EnterpriseFilter, PatentFilter } from './generated/resolvers.js';
import {
  annualFinancials,
  enterprises,
  libraryAssessments,
  libraryEvents,
  patents,
} from './tables.js';

export type EnterpriseRow = typeof enterprises.$inferSelect;
export type PatentRow = typeof patents.$inferSelect;
export type FinancialsRow = typeof annualFinancials.$inferSelect;
export type AssessmentRow = typeof libraryAssessments.$inferSelect;
export type LibraryEventRow = typeof libraryEvents.$inferSelect;
/** `Enterprise.patentStats`: how many of an enterprise's patents are of each kind and state. */
export interface PatentStatsRow {
  enterpriseId: string;
  total: number;
  inventions: number;
  utilityModels: number;
  designs: number;
  granted: number;
  pledged: number;
}

/** The kinds `PatentStats.inventions` and `utilityModels` count. */
export const INVENTION_KINDS = ['INVENTION', 'PCT_INVENTION'];
export const UTILITY_MODEL_KINDS = ['UTILITY_MODEL', 'PCT_UTILITY_MODEL'];

/** A patent's pledge as `Patent.pledge` builds it from the patent's row. */
export type PatentPledgeValue = { status: string } & Pick<PatentRow, 'pledgeeBankId' | 'valuedOn'>;

/**
 * Rows an enterprise caller may see are its own; every other party sees every enterprise. `org`
 * is `CALLER_ORG` in a prepared statement.
 */
function enterpriseScope(
  caller: Caller,
  org: string | Placeholder = caller.org ?? '',
): SQL | undefined {
  if (caller.party === 'enterprise') return eq(enterprises.id, org);
  return undefined;
}

function patentScope(
  caller: Caller,
  org: string | Placeholder = caller.org ?? '',
): SQL | undefined {
  if (caller.party === 'enterprise') return eq(patents.enterpriseId, org);
  return undefined;
}

export class TechRepository {
  constructor(
    private readonly db: Db,
    private readonly caller: Caller,
  ) {}

  async enterprisesByIds(ids: readonly string[]): Promise<EnterpriseRow[]> {
    const { db, caller } = this;
    return preparedOnce(db, `tech.enterprisesByIds.${scopeShape(caller)}`, (name) =>
      db
        .select()
        .from(enterprises)
        .where(and(anyOfPlaceholder(enterprises.id, 'ids'), enterpriseScope(caller, CALLER_ORG)))
        .prepare(name),
    ).execute({ ids, org: caller.org ?? '' });
  }

  async enterprisesByUsccs(usccs: readonly string[]): Promise<EnterpriseRow[]> {
    return this.db
      .select()
      .from(enterprises)
      .where(and(anyOf(enterprises.uscc, usccs), enterpriseScope(this.caller)));
  }

  async listEnterprises(
    filter: EnterpriseFilter,
    limit: number,
    after?: string,
  ): Promise<EnterpriseRow[]> {
    const conditions: (SQL | undefined)[] = [enterpriseScope(this.caller)];
    if (after) conditions.push(gt(enterprises.id, after));
    if (filter.districts?.length) conditions.push(inArray(enterprises.district, filter.districts));
    if (filter.stages?.length) conditions.push(inArray(enterprises.stage, filter.stages));
    if (filter.libraryStatuses?.length) {
      conditions.push(inArray(enterprises.libraryStatus, filter.libraryStatuses));
    }
    if (filter.industries?.length) {
      conditions.push(
        or(...filter.industries.map((code) => like(enterprises.industry, `${escapeLike(code)}%`))),
      );
    }
    if (filter.highTech === true) conditions.push(isNotNull(enterprises.highTechCertificate));
    if (filter.highTech === false) conditions.push(sql`${enterprises.highTechCertificate} is null`);
    if (filter.nameContains)
      conditions.push(ilike(enterprises.name, `%${escapeLike(filter.nameContains)}%`));
    return this.db
      .select()
      .from(enterprises)
      .where(and(...conditions))
      .orderBy(asc(enterprises.id))
      .limit(limit + 1);
  }

  async patentsByIds(ids: readonly string[]): Promise<PatentRow[]> {
    return this.db
      .select()
      .from(patents)
      .where(and(anyOf(patents.id, ids), patentScope(this.caller)));
  }

  async patentsByEnterprises(enterpriseIds: readonly string[]): Promise<PatentRow[]> {
    const { db, caller } = this;
    return preparedOnce(db, `tech.patentsByEnterprises.${scopeShape(caller)}`, (name) =>
      db
        .select()
        .from(patents)
        .where(and(anyOfPlaceholder(patents.enterpriseId, 'ids'), patentScope(caller, CALLER_ORG)))
        .orderBy(asc(patents.enterpriseId), asc(patents.id))
        .prepare(name),
    ).execute({ ids: enterpriseIds, org: caller.org ?? '' });
  }

  /**
   * Each enterprise's patent counts (`Enterprise.patentStats`), counted by PostgreSQL: one small
   * row per enterprise that has patents, instead of every patent row sent over to be counted here.
   */
  async patentStatsByEnterprises(enterpriseIds: readonly string[]): Promise<PatentStatsRow[]> {
    const { db, caller } = this;
    const p = patents;
    const count = (condition: SQL) => sql<number>`(count(*) filter (where ${condition}))::int`;
    return preparedOnce(db, `tech.patentStatsByEnterprises.${scopeShape(caller)}`, (name) =>
      db
        .select({
          enterpriseId: p.enterpriseId,
          total: sql<number>`count(*)::int`,
          inventions: count(inArray(p.kind, INVENTION_KINDS)),
          utilityModels: count(inArray(p.kind, UTILITY_MODEL_KINDS)),
          designs: count(eq(p.kind, 'DESIGN')),
          granted: count(eq(p.status, 'GRANTED')),
          pledged: count(eq(p.pledgeStatus, 'PLEDGED')),
        })
        .from(p)
        .where(and(anyOfPlaceholder(p.enterpriseId, 'ids'), patentScope(caller, CALLER_ORG)))
        .groupBy(p.enterpriseId)
        .prepare(name),
    ).execute({ ids: enterpriseIds, org: caller.org ?? '' });
  }

  async listPatents(filter: PatentFilter, limit: number, after?: string): Promise<PatentRow[]> {
    const conditions: (SQL | undefined)[] = [patentScope(this.caller)];
    if (after) conditions.push(gt(patents.id, after));
    if (filter.enterpriseId) conditions.push(eq(patents.enterpriseId, filter.enterpriseId));
    if (filter.kinds?.length) conditions.push(inArray(patents.kind, filter.kinds));
    if (filter.statuses?.length) conditions.push(inArray(patents.status, filter.statuses));
    return this.db
      .select()
      .from(patents)
      .where(and(...conditions))
      .orderBy(asc(patents.id))
      .limit(limit + 1);
  }

  async financialsByEnterprises(enterpriseIds: readonly string[]): Promise<FinancialsRow[]> {
    const { db } = this;
    return preparedOnce(db, 'tech.financialsByEnterprises', (name) =>
      db
        .select()
        .from(annualFinancials)
        .where(anyOfPlaceholder(annualFinancials.enterpriseId, 'ids'))
        .orderBy(asc(annualFinancials.enterpriseId), sql`${annualFinancials.year} desc`)
        .prepare(name),
    ).execute({ ids: enterpriseIds });
  }

  async assessmentsByEnterprises(enterpriseIds: readonly string[]): Promise<AssessmentRow[]> {
    return this.db
      .select()
      .from(libraryAssessments)
      .where(anyOf(libraryAssessments.enterpriseId, enterpriseIds));
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}
