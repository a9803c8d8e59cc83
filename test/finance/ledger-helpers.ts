import { sql } from 'drizzle-orm';
import type { Database } from '../../subgraphs/kernel/db.js';
import { BankEventLedger, type BankEventInput } from '../../subgraphs/finance/bank-events/index.js';
import { bankEventFollowers } from '../../subgraphs/finance/index.js';
import { insertNeeds } from './helpers.js';

/**
 * Bank events as the banks subgraph reports them on a bank's behalf, through the ledger and the
 * followers the finance subgraph registers (the 4321 shares among them).
 */
export function bankReports(finance: () => Database) {
  let counter = 0;
  const record = (bankId: string, event: Omit<BankEventInput, 'key'> & { key?: string }) =>
    new BankEventLedger(
      finance().db,
      {
        party: 'bank',
        org: bankId,
        actor: 'banks',
        sub: `banks-${bankId}`,
        scopes: new Set(),
        requestId: `t-${++counter}`,
      },
      bankEventFollowers,
    ).record({ ...event, key: event.key ?? `${event.kind}-${++counter}` });

  return {
    record,
    /** A credit line approved on a need the bank is main bank of (the ledger wants the need). */
    async approveLine(
      bankId: string,
      line: { creditLineId: string; enterpriseId: string; amount: number; on?: string },
    ) {
      const needId = `need-${line.creditLineId}`;
      await insertNeeds(finance(), [
        {
          id: needId,
          enterpriseId: line.enterpriseId,
          amountFen: line.amount,
          status: 'SOLUTION_PROPOSED',
          visibility: 'MAIN_BANK_ONLY',
          mainBankId: bankId,
        },
      ]);
      return record(bankId, {
        kind: 'CREDIT_APPROVED',
        needId,
        creditLineId: line.creditLineId,
        amount: line.amount,
        rate: '0.0400',
        termMonths: 12,
        occurredOn: line.on ?? '2025-02-01',
      });
    },
    disburse(
      bankId: string,
      loan: {
        loanId: string;
        enterpriseId: string;
        amount: number;
        creditLineId?: string;
        rate?: string;
        on?: string;
      },
    ) {
      return record(bankId, {
        kind: 'LOAN_DISBURSED',
        enterpriseId: loan.enterpriseId,
        creditLineId: loan.creditLineId ?? null,
        loanId: loan.loanId,
        amount: loan.amount,
        rate: loan.rate ?? '0.0400',
        firstLoan: false,
        occurredOn: loan.on ?? '2025-02-10',
      });
    },
    defaulted(
      bankId: string,
      loan: {
        loanId: string;
        enterpriseId: string;
        outstanding: number;
        on?: string;
        key?: string;
      },
    ) {
      return record(bankId, {
        key: loan.key,
        kind: 'LOAN_DEFAULTED',
        enterpriseId: loan.enterpriseId,
        loanId: loan.loanId,
        amount: loan.outstanding,
        occurredOn: loan.on ?? '2025-06-30',
      });
    },
  };
}

/** The finance office's read model of the library, as the seed fills it. */
export async function insertProfiles(
  finance: Database,
  profiles: { enterpriseId: string; libraryStatus: string }[],
): Promise<void> {
  for (const p of profiles) {
    await finance.db.execute(sql`insert into enterprise_profiles
      (enterprise_id, district, industry, high_tech, library_status)
      values (${p.enterpriseId}, 'XIANAN', 'C39', true, ${p.libraryStatus})
      on conflict (enterprise_id) do update set library_status = excluded.library_status`);
  }
}

export async function count(finance: Database, table: string): Promise<number> {
  const [row] = await finance.rows<{ n: number }>(
    sql`select count(*)::int as n from ${sql.identifier(table)}`,
  );
  return Number(row.n);
}
