import { sql, type SQL } from 'drizzle-orm';
import type { Caller } from '../../kernel/caller.js';
import type { Db } from '../../kernel/db.js';
import { badInput } from '../../kernel/errors.js';
import type { Resolvers } from '../generated/resolvers.js';

const DAY_MS = 86_400_000;
/** Ten years of days: a period long enough for any report, short enough to bound the scan. */
const MAX_PERIOD_DAYS = 3_653;

export interface ServiceFigures {
  needsAssigned: number;
  solutionsOnTime: number;
  solutionsLate: number;
  stillOverdue: number;
  awaitingSolution: number;
  slaCompliance: string | null;
  newProducts: number;
  sciTechLoans: number;
  sciTechLendingFen: number;
  claims: number;
  claimsDeclined: number;
  claimDeclineRatio: string | null;
}

export type BankServiceRow = ServiceFigures & { bankId: string };
export type ServiceTotalsRow = ServiceFigures & { activeBanks: number };

export interface ServiceStatisticsPeriod {
  from: string;
  to: string;
}

/**
 * Which figures a caller gets, from its token's scopes (the SDL's @requiresScopes): `stats:read`
 * every bank's row and the city totals, `stats:own` a bank its own row, `stats:aggregate` (the
 * technology bureau) the city totals only.
 */
export function statisticsScope(caller: Caller): { rows: 'all' | string | null; totals: boolean } {
  const read = caller.scopes.has('stats:read');
  const own = caller.party === 'bank' && caller.org && caller.scopes.has('stats:own');
  return {
    rows: read ? 'all' : own ? caller.org : null,
    totals: read || caller.scopes.has('stats:aggregate'),
  };
}

type RawFigures = Record<string, string | number | null>;

function figures(row: RawFigures): ServiceFigures {
  return {
    needsAssigned: Number(row.needs_assigned),
    solutionsOnTime: Number(row.on_time),
    solutionsLate: Number(row.late),
    stillOverdue: Number(row.overdue),
    awaitingSolution: Number(row.awaiting),
    slaCompliance: row.sla === null ? null : String(row.sla),
    newProducts: Number(row.new_products),
    sciTechLoans: Number(row.loans),
    sciTechLendingFen: Number(row.lending),
    claims: Number(row.claims),
    claimsDeclined: Number(row.claims_declined),
    claimDeclineRatio: row.claim_ratio === null ? null : String(row.claim_ratio),
  };
}

/**
 * 四(二) service statistics (统计通报) per bank and for the city over a period of calendar days in
 * Xianning time: the main bank's solution SLA (一企一策 within one day of assignment), new
 * products, and new sci-tech lending. Each figure is one SQL aggregate over indexed columns
 * (`financing_needs.assigned_at`, `financial_products.created_at`: migration
 * 0006_statistics_indexes; `bank_events` by kind and date), with the caller's rows chosen in SQL.
 */
export class ServiceStatistics {
  constructor(
    private readonly db: Db,
    private readonly caller: Caller,
  ) {}

  period(from: string, to: string): ServiceStatisticsPeriod {
    const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
    if (days < 1) throw badInput('to', `must not be before from (${from}), got ${to}`);
    if (days > MAX_PERIOD_DAYS) {
      throw badInput('to', `a period is at most ten years (${MAX_PERIOD_DAYS} days), got ${days}`);
    }
    return { from, to };
  }

  /**
   * One row per bank with any of the figures in the period (needs assigned to it, products
   * published, sci-tech loans disbursed), by bank id: every bank for `stats:read`, a bank its own.
   */
  async banks({ from, to }: ServiceStatisticsPeriod): Promise<BankServiceRow[]> {
    const scope = statisticsScope(this.caller);
    if (scope.rows === null) return [];
    const rows = await this.run(
      sql`select * from (${perBank(from, to, scope.rows === 'all' ? null : scope.rows)}) b order by bank_id`,
    );
    return rows.map((row) => ({ bankId: String(row.bank_id), ...figures(row) }));
  }

  /** The same figures over every bank; `activeBanks` counts the banks with a row. */
  async totals({ from, to }: ServiceStatisticsPeriod): Promise<ServiceTotalsRow | null> {
    if (!statisticsScope(this.caller).totals) return null;
    const [row] = await this.run(sql`
      select count(*)::int as active_banks,
        coalesce(sum(needs_assigned), 0)::int as needs_assigned,
        coalesce(sum(on_time), 0)::int as on_time,
        coalesce(sum(late), 0)::int as late,
        coalesce(sum(overdue), 0)::int as overdue,
        coalesce(sum(awaiting), 0)::int as awaiting,
        round(sum(on_time)::numeric / nullif(sum(on_time + late + overdue), 0), 4)::text as sla,
        coalesce(sum(new_products), 0)::int as new_products,
        coalesce(sum(loans), 0)::int as loans,
        coalesce(sum(lending), 0)::text as lending,
        coalesce(sum(claims), 0)::int as claims,
        coalesce(sum(claims_declined), 0)::int as claims_declined,
        round(sum(claims_declined)::numeric / nullif(sum(claims), 0), 4)::text as claim_ratio
      from (${perBank(from, to, null)}) b`);
    return { activeBanks: Number(row.active_banks), ...figures(row) };
  }

  private async run(query: SQL): Promise<RawFigures[]> {
    const result = await this.db.execute(query);
    return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as RawFigures[];
  }
}

/**
 * The per-bank figures of a period, all banks or one. Claims (抢单) count by when they were
 * made, declined when the bank gave the need back (受理回告 decline, or declining the need). Needs count by the current assignment:
 * on time when the solution came by its deadline, late when after it, still overdue when the need
 * is still ASSIGNED without one past its deadline; the SLA compliance is on time over those three
 * (a need withdrawn before its deadline, or not yet due, is neither kept nor missed).
 */
function perBank(from: string, to: string, bankId: string | null): SQL {
  const start = sql`(${from}::date::timestamp at time zone 'Asia/Shanghai')`;
  const end = sql`((${to}::date + 1)::timestamp at time zone 'Asia/Shanghai')`;
  const needsBank = bankId === null ? sql`` : sql`and main_bank_id = ${bankId}`;
  const productsBank = bankId === null ? sql`` : sql`and bank_id = ${bankId}`;
  const eventsBank = bankId === null ? sql`` : sql`and e.bank_id = ${bankId}`;
  const claimsBank = bankId === null ? sql`` : sql`and bank_id = ${bankId}`;
  return sql`
    with needs as (
      select main_bank_id as bank_id,
        count(*) as needs_assigned,
        count(*) filter (where solution_proposed_at <= solution_due_at) as on_time,
        count(*) filter (where solution_proposed_at > solution_due_at) as late,
        count(*) filter (where status = 'ASSIGNED' and solution_proposed_at is null
                           and solution_due_at < now()) as overdue,
        count(*) filter (where status = 'ASSIGNED' and solution_proposed_at is null
                           and solution_due_at >= now()) as awaiting
      from financing_needs
      where assigned_at >= ${start} and assigned_at < ${end} and main_bank_id is not null ${needsBank}
      group by main_bank_id
    ), products as (
      select bank_id, count(*) as new_products
      from financial_products
      where created_at >= ${start} and created_at < ${end} ${productsBank}
      group by bank_id
    ), lending as (
      select e.bank_id, count(*) as loans, sum(e.amount_fen) as lending
      from bank_events e
      join enterprise_profiles p on p.enterprise_id = e.enterprise_id
      where e.kind = 'LOAN_DISBURSED' and e.occurred_on between ${from}::date and ${to}::date
        and p.library_status = 'ADMITTED' ${eventsBank}
      group by e.bank_id
    ), claims as (
      select bank_id, count(*) as claims,
        count(*) filter (where outcome = 'DECLINED') as claims_declined
      from need_claims
      where claimed_at >= ${start} and claimed_at < ${end} ${claimsBank}
      group by bank_id
    )
    select bank_id,
      coalesce(needs_assigned, 0)::int as needs_assigned,
      coalesce(on_time, 0)::int as on_time,
      coalesce(late, 0)::int as late,
      coalesce(overdue, 0)::int as overdue,
      coalesce(awaiting, 0)::int as awaiting,
      round(on_time::numeric / nullif(on_time + late + overdue, 0), 4)::text as sla,
      coalesce(new_products, 0)::int as new_products,
      coalesce(loans, 0)::int as loans,
      coalesce(lending, 0)::bigint as lending,
      coalesce(claims, 0)::int as claims,
      coalesce(claims_declined, 0)::int as claims_declined,
      round(claims_declined::numeric / nullif(claims, 0), 4)::text as claim_ratio
    from needs full join products using (bank_id) full join lending using (bank_id)
      full join claims using (bank_id)`;
}

export const statisticsResolvers: Resolvers = {
  Query: {
    serviceStatistics: (_, { from, to }, { statistics }) => statistics.period(from, to),
  },
  ServiceStatistics: {
    banks: (period, _, { statistics }) => statistics.banks(period),
    cityTotals: (period, _, { statistics }) => statistics.totals(period),
  },
  BankServiceStatistics: {
    bank: (row) => ({ id: row.bankId }),
    sciTechLending: (row) => row.sciTechLendingFen,
  },
  ServiceTotals: {
    sciTechLending: (row) => row.sciTechLendingFen,
  },
};
