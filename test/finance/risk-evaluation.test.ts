import { describe, expect, it } from 'vitest';
import { evaluateRisk, type RiskInputs } from '../../subgraphs/finance/credit-report/index.js';

/** A sound enterprise: every factor at its full weight, 100 points. */
const sound: RiskInputs = {
  library: { status: 'ADMITTED', highTech: true },
  patents: { grantedInventions: 5, unpledgedValuation: '5000000.00' },
  financialRatios: [
    { year: 2025, totalAssets: '100000000.00', rdIntensity: '0.0600', revenueGrowth: '0.2000' },
    { year: 2024, totalAssets: '90000000.00', rdIntensity: '0.0100', revenueGrowth: null },
  ],
  creditHistory: {
    outstanding: '30000000.00',
    overdueLoans: 0,
    overdueEpisodes: 0,
    defaultedLoans: 0,
    deferrals: 0,
  },
};

const withHistory = (history: Partial<RiskInputs['creditHistory']>): RiskInputs => ({
  ...sound,
  creditHistory: { ...sound.creditHistory, ...history },
});

const points = (inputs: RiskInputs) =>
  Object.fromEntries(evaluateRisk(inputs).factors.map((f) => [f.code, f.points]));

describe('the risk evaluation (风险评估)', () => {
  it('gives a sound enterprise every factor in full: 100 points, grade A', () => {
    const result = evaluateRisk(sound);
    expect(points(sound)).toEqual({
      CREDIT_CONDUCT: 30,
      LEVERAGE: 15,
      REVENUE_GROWTH: 15,
      RD_INTENSITY: 15,
      IP_STRENGTH: 15,
      LIBRARY_STANDING: 10,
    });
    expect(result).toMatchObject({ method: 'KX-RISK-1', score: 100, grade: 'A', cappedBy: null });
    expect(result.factors.map((f) => f.maxPoints)).toEqual([30, 15, 15, 15, 15, 10]);
  });

  it('names the report fields each factor was computed from', () => {
    const inputs = Object.fromEntries(evaluateRisk(sound).factors.map((f) => [f.code, f.inputs]));
    expect(inputs.LEVERAGE).toEqual([
      'CreditReport.creditHistory.outstanding',
      'CreditReport.financialRatios.totalAssets',
    ]);
    expect(inputs.CREDIT_CONDUCT).toContain('CreditReport.creditHistory.defaultedLoans');
    expect(inputs.IP_STRENGTH).toContain('CreditReport.patents.unpledgedValuation');
    expect(inputs.LIBRARY_STANDING).toEqual([
      'CreditReport.library.status',
      'CreditReport.library.highTech',
    ]);
  });

  it('scores a hand-computed case: 20 + 10 + 10 + 10 + 7 + 7 = 64, grade C', () => {
    // Credit conduct: one past overdue spell and one deferral, 30 − 8 − 2 = 20. Leverage:
    // ¥20M ÷ ¥50M = 0.40, at most 0.50: 10. Growth 0.0500 and R&D 0.0400 sit on their bands'
    // floors: 10 each. Patents: two granted inventions 4, ¥1M unpledged 3. Library: a candidate
    // 3, with a valid high-tech certificate 4.
    const inputs: RiskInputs = {
      library: { status: 'CANDIDATE', highTech: true },
      patents: { grantedInventions: 2, unpledgedValuation: '1000000.00' },
      financialRatios: [
        { year: 2025, totalAssets: '50000000.00', rdIntensity: '0.0400', revenueGrowth: '0.0500' },
      ],
      creditHistory: {
        outstanding: '20000000.00',
        overdueLoans: 0,
        overdueEpisodes: 1,
        defaultedLoans: 0,
        deferrals: 1,
      },
    };
    expect(points(inputs)).toEqual({
      CREDIT_CONDUCT: 20,
      LEVERAGE: 10,
      REVENUE_GROWTH: 10,
      RD_INTENSITY: 10,
      IP_STRENGTH: 7,
      LIBRARY_STANDING: 7,
    });
    expect(evaluateRisk(inputs)).toMatchObject({ score: 64, grade: 'C', cappedBy: null });
  });

  it('puts each threshold in the band it opens', () => {
    const ratios = (rdIntensity: string | null, revenueGrowth: string | null) => ({
      ...sound,
      financialRatios: [{ ...sound.financialRatios[0], rdIntensity, revenueGrowth }],
    });
    expect(points(ratios('0.0599', '0.1999'))).toMatchObject({
      RD_INTENSITY: 10,
      REVENUE_GROWTH: 10,
    });
    expect(points(ratios('0.0200', '-0.0500'))).toMatchObject({
      RD_INTENSITY: 5,
      REVENUE_GROWTH: 5,
    });
    expect(points(ratios('0.0199', '-0.0501'))).toMatchObject({
      RD_INTENSITY: 0,
      REVENUE_GROWTH: 0,
    });
    const leverage = (outstanding: string) => points(withHistory({ outstanding })).LEVERAGE;
    // Total assets ¥100M: at most 0.30, 0.50, 0.80 of it.
    expect(leverage('30000000.00')).toBe(15);
    expect(leverage('30000000.01')).toBe(10);
    expect(leverage('50000000.00')).toBe(10);
    expect(leverage('80000000.00')).toBe(5);
    expect(leverage('80000000.01')).toBe(0);
  });

  it('gives missing data no points rather than guessing', () => {
    const bare: RiskInputs = {
      library: { status: 'REMOVED', highTech: false },
      patents: { grantedInventions: 0, unpledgedValuation: null },
      financialRatios: [],
      creditHistory: { ...sound.creditHistory, outstanding: '0.00' },
    };
    const result = evaluateRisk(bare);
    expect(points(bare)).toEqual({
      CREDIT_CONDUCT: 30,
      LEVERAGE: 0,
      REVENUE_GROWTH: 0,
      RD_INTENSITY: 0,
      IP_STRENGTH: 0,
      LIBRARY_STANDING: 0,
    });
    expect(result.factors.find((f) => f.code === 'LEVERAGE')).toMatchObject({
      value: null,
      reason: 'no total assets on file',
    });
    expect(result).toMatchObject({ score: 30, grade: 'E' });
  });

  it('floors past overdue spells and deferrals at 10 points', () => {
    expect(points(withHistory({ overdueEpisodes: 2, deferrals: 1 })).CREDIT_CONDUCT).toBe(12);
    expect(points(withHistory({ overdueEpisodes: 3, deferrals: 4 })).CREDIT_CONDUCT).toBe(10);
  });

  it('caps the grade at C while a loan is overdue and at D once one defaulted', () => {
    const overdue = evaluateRisk(withHistory({ overdueLoans: 1, overdueEpisodes: 1 }));
    // 5 + 15 + 15 + 15 + 15 + 10 = 75 is band B, capped at C.
    expect(overdue).toMatchObject({
      score: 75,
      grade: 'C',
      cappedBy: 'a loan overdue today caps the grade at C',
    });
    const defaulted = evaluateRisk(withHistory({ defaultedLoans: 1, overdueEpisodes: 1 }));
    expect(defaulted).toMatchObject({
      score: 70,
      grade: 'D',
      cappedBy: 'a loan in default caps the grade at D',
    });
    // A grade already below its cap stays where its band puts it.
    const weak = evaluateRisk({
      ...withHistory({ defaultedLoans: 1 }),
      financialRatios: [],
      patents: { grantedInventions: 0, unpledgedValuation: null },
    });
    expect(weak).toMatchObject({ score: 10, grade: 'E', cappedBy: null });
  });
});
