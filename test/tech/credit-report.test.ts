import { describe, expect, it } from 'vitest';
import { financialRatios, patentSection } from '../../subgraphs/tech/credit-report/index.js';
import type { FinancialsRow, PatentRow } from '../../subgraphs/tech/repository.js';

const year = (
  y: number,
  revenueYuan: number,
  extra: Partial<FinancialsRow> = {},
): FinancialsRow => ({
  enterpriseId: 'ent-1',
  year: y,
  revenueFen: revenueYuan * 100,
  rdExpenseFen: revenueYuan * 5,
  employees: 100,
  techStaff: 30,
  totalAssetsFen: revenueYuan * 200,
  ...extra,
});

describe("a credit report's financial ratios", () => {
  it('show the three newest years, newest first, growth against the calendar year before', () => {
    const rows = [2021, 2022, 2023, 2025].map((y, i) => year(y, 1_000_000 * (i + 1)));
    const ratios = financialRatios(rows);
    expect(ratios.map((r) => r.year)).toEqual([2025, 2023, 2022]);
    // 2024 is missing, so 2025 has no growth; 2023 grew from ¥2M to ¥3M.
    expect(ratios.map((r) => r.revenueGrowth)).toEqual([null, '0.5000', '1.0000']);
    expect(ratios[0]).toMatchObject({
      rdIntensity: '0.0500',
      techStaffRatio: '0.3000',
      assetTurnover: '0.5000',
    });
  });

  it('leave a ratio null where its divisor is zero', () => {
    const [ratios] = financialRatios([
      year(2025, 0, { employees: 0, totalAssetsFen: 0 }),
      year(2024, 0),
    ]);
    expect(ratios).toMatchObject({
      rdIntensity: null,
      techStaffRatio: null,
      assetTurnover: null,
      revenueGrowth: null,
    });
  });
});

describe("a credit report's patents", () => {
  const patent = (id: string, extra: Partial<PatentRow>): PatentRow =>
    ({
      id,
      enterpriseId: 'ent-1',
      kind: 'INVENTION',
      status: 'GRANTED',
      valuationFen: null,
      pledgeStatus: 'NONE',
      ...extra,
    }) as PatentRow;

  it('count granted inventions and value only the valued patents, pledged ones apart', () => {
    expect(
      patentSection('ent-1', [
        patent('p1', { valuationFen: 100_00 }),
        patent('p2', { kind: 'PCT_INVENTION', valuationFen: 50_00, pledgeStatus: 'PLEDGED' }),
        patent('p3', { kind: 'UTILITY_MODEL', valuationFen: 7_00, pledgeStatus: 'RELEASED' }),
        patent('p4', { status: 'PENDING' }),
      ]),
    ).toEqual({
      enterpriseId: 'ent-1',
      total: 4,
      granted: 3,
      grantedInventions: 2,
      valuedTotal: 157_00,
      unpledgedValuation: 107_00,
      pledged: 1,
    });
  });
});
