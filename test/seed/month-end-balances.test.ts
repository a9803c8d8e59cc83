import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { reconstructMonthEndBalances } from '../../subgraphs/banks/balances/index.js';
import { seedDatabases } from '../../scripts/seed/load.js';
import { createTestDatabases } from '../helpers/databases.js';

describe('seeded month-end balances', () => {
  const drops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const drop of drops) await drop();
  });

  it('reconstructs each month from the loans, repaid evenly up to today', async () => {
    const dbs = await createTestDatabases('pglite');
    drops.push(dbs.drop);
    const banks = dbs.databases.banks;
    await banks.db.execute(sql`insert into banks (id, name, kind) values
      ('mb-a', 'A', 'CITY_COMMERCIAL'), ('mb-b', 'B', 'CITY_COMMERCIAL')`);
    await banks.db.execute(sql`insert into credit_lines (id, bank_id, enterprise_id, amount_fen,
      rate, term_months, approved_on) values ('cl', 'mb-a', 'e1', 1000000, '0.04', 12, '2026-01-01')`);
    // Repaid in full by its maturity, 181 days after disbursement: by 31 March (89 days), 89/181
    // of it, 89,000 fen, was repaid. The other is half repaid by 1 November, 304 days on: by 31
    // March, 89/304 of the 152,000 fen repaid so far, 44,500 fen.
    await banks.db.execute(sql`insert into loans (id, credit_line_id, bank_id, enterprise_id,
      amount_fen, outstanding_fen, disbursed_on, matures_on, first_loan, status) values
      ('l1', 'cl', 'mb-a', 'e1', 181000, 0, '2026-01-01', '2026-07-01', true, 'REPAID'),
      ('l2', 'cl', 'mb-a', 'e2', 304000, 152000, '2026-01-01', '2027-01-01', true, 'CURRENT')`);
    await reconstructMonthEndBalances(banks.db, '2026-11-01', 12);
    const rows = await banks.rows<{ bank_id: string; month: string; outstanding_fen: string }>(
      sql`select bank_id, month, outstanding_fen::text from month_end_balances
          where month in ('2025-12', '2026-03', '2026-10') order by month, bank_id`,
    );
    expect(rows.map((r) => [r.bank_id, r.month, Number(r.outstanding_fen)])).toEqual([
      ['mb-a', '2025-12', 0],
      ['mb-b', '2025-12', 0],
      ['mb-a', '2026-03', 92_000 + 259_500],
      ['mb-b', '2026-03', 0],
      // l1 repaid; l2 at 31 October: 303/304 of its repayment, 151,500 fen, made.
      ['mb-a', '2026-10', 152_500],
      ['mb-b', '2026-10', 0],
    ]);
    const [months] = await banks.rows<{ n: number }>(
      sql`select count(distinct month)::int as n from month_end_balances`,
    );
    expect(Number(months.n)).toBe(12);
  });

  it('are written by the seed for the year before its "now", every bank every month', async () => {
    const dbs = await createTestDatabases('pglite');
    drops.push(dbs.drop);
    await seedDatabases(dbs.databases, 0.02);
    const rows = await dbs.databases.banks.rows<{ month: string; banks: number; fen: string }>(
      sql`select month, count(*)::int as banks, sum(outstanding_fen)::text as fen
          from month_end_balances group by month order by month`,
    );
    const [bankCount] = await dbs.databases.banks.rows<{ n: number }>(
      sql`select count(*)::int as n from banks`,
    );
    expect(rows.map((r) => r.month)).toEqual([
      '2025-11',
      '2025-12',
      ...Array.from({ length: 10 }, (_, i) => `2026-${String(i + 1).padStart(2, '0')}`),
    ]);
    expect(rows.every((r) => Number(r.banks) === Number(bankCount.n))).toBe(true);
    expect(Number(rows.at(-1)!.fen)).toBeGreaterThan(0);
  }, 300_000);
});
