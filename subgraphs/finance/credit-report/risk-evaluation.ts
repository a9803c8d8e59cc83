import type { RiskFactorCode, RiskGrade } from '../generated/resolvers.js';

/**
 * 风险评估 — the risk evaluation of a credit report. A pure function of the report's sections as
 * federation hands them over (`@requires`): money as yuan strings, ratios as four-decimal strings,
 * compared as integers so every threshold is the one a reader applies by hand. The method (factors,
 * weights, bands, caps) is documented in the finance subgraph's README; changing it changes METHOD.
 */
export const METHOD = 'KX-RISK-1';

/** The report's sections the evaluation reads: what `CreditReport.riskEvaluation` requires. */
export interface RiskInputs {
  library: { status: string; highTech: boolean };
  patents: { grantedInventions: number; unpledgedValuation: string | null };
  /** Newest first, as the report lists them; empty when no financials are on file. */
  financialRatios: {
    year: number;
    totalAssets: string;
    rdIntensity: string | null;
    revenueGrowth: string | null;
  }[];
  creditHistory: {
    outstanding: string;
    overdueLoans: number;
    overdueEpisodes: number;
    defaultedLoans: number;
    deferrals: number;
  };
}

export interface RiskFactorResult {
  code: RiskFactorCode;
  label: string;
  points: number;
  maxPoints: number;
  value: string | null;
  inputs: string[];
  reason: string;
}

export interface RiskEvaluationResult {
  method: string;
  score: number;
  grade: RiskGrade;
  cappedBy: string | null;
  factors: RiskFactorResult[];
}

/** A decimal string as an integer count of 10^-places units: "0.0600" → 600n at 4 places. */
export function decimalUnits(text: string, places: number): bigint {
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const units =
    BigInt(whole || '0') * 10n ** BigInt(places) +
    BigInt(fraction.padEnd(places, '0').slice(0, places) || '0');
  return negative ? -units : units;
}

/** Ratios compared in ten-thousandths (the four decimals they carry): 0.2000 is 2000. */
const bp = (text: string) => decimalUnits(text, 4);
const fen = (yuan: string) => decimalUnits(yuan, 2);

/** The points of the first band whose threshold holds, thresholds in descending order. */
function band(value: bigint, bands: [bigint, number][]): number {
  return bands.find(([threshold]) => value >= threshold)?.[1] ?? 0;
}

const HISTORY = 'CreditReport.creditHistory';
const RATIOS = 'CreditReport.financialRatios';

function creditConduct({ creditHistory: h }: RiskInputs): RiskFactorResult {
  const base = {
    code: 'CREDIT_CONDUCT' as const,
    label: '信用记录',
    maxPoints: 30,
    value: `defaulted ${h.defaultedLoans}, overdue now ${h.overdueLoans}, overdue spells ${h.overdueEpisodes}, deferrals ${h.deferrals}`,
    inputs: [
      `${HISTORY}.defaultedLoans`,
      `${HISTORY}.overdueLoans`,
      `${HISTORY}.overdueEpisodes`,
      `${HISTORY}.deferrals`,
    ],
  };
  if (h.defaultedLoans > 0) return { ...base, points: 0, reason: 'a loan is in default (违约)' };
  if (h.overdueLoans > 0) return { ...base, points: 5, reason: 'a loan is overdue today (逾期)' };
  const points = Math.max(10, 30 - 8 * h.overdueEpisodes - 2 * h.deferrals);
  return {
    ...base,
    points,
    reason:
      points === 30
        ? 'no default, overdue spell or deferral'
        : '30 less 8 per past overdue spell and 2 per deferral, at least 10',
  };
}

function leverage({ creditHistory, financialRatios }: RiskInputs): RiskFactorResult {
  const latest = financialRatios[0];
  const base = {
    code: 'LEVERAGE' as const,
    label: '负债水平',
    maxPoints: 15,
    inputs: [`${HISTORY}.outstanding`, `${RATIOS}.totalAssets`],
  };
  const outstanding = fen(creditHistory.outstanding);
  if (!latest || fen(latest.totalAssets) <= 0n) {
    return { ...base, points: 0, value: null, reason: 'no total assets on file' };
  }
  const assets = fen(latest.totalAssets);
  // outstanding ÷ assets against 0.30, 0.50, 0.80, in integers: outstanding × 100 ≤ assets × pct.
  const within = (pct: bigint) => outstanding * 100n <= assets * pct;
  const points = within(30n) ? 15 : within(50n) ? 10 : within(80n) ? 5 : 0;
  return {
    ...base,
    points,
    value: `${creditHistory.outstanding} / ${latest.totalAssets} (${latest.year})`,
    reason: 'outstanding ÷ total assets: ≤0.30 15, ≤0.50 10, ≤0.80 5, above 0',
  };
}

function revenueGrowth({ financialRatios }: RiskInputs): RiskFactorResult {
  const growth = financialRatios[0]?.revenueGrowth ?? null;
  const base = {
    code: 'REVENUE_GROWTH' as const,
    label: '成长性',
    maxPoints: 15,
    value: growth,
    inputs: [`${RATIOS}.revenueGrowth`],
  };
  if (growth === null) return { ...base, points: 0, reason: 'no two consecutive years on file' };
  return {
    ...base,
    points: band(bp(growth), [
      [2000n, 15],
      [500n, 10],
      [-500n, 5],
    ]),
    reason: 'latest revenue growth: ≥0.20 15, ≥0.05 10, ≥-0.05 5, below 0',
  };
}

function rdIntensity({ financialRatios }: RiskInputs): RiskFactorResult {
  const intensity = financialRatios[0]?.rdIntensity ?? null;
  const base = {
    code: 'RD_INTENSITY' as const,
    label: '研发强度',
    maxPoints: 15,
    value: intensity,
    inputs: [`${RATIOS}.rdIntensity`],
  };
  if (intensity === null) return { ...base, points: 0, reason: 'no revenue on file' };
  return {
    ...base,
    points: band(bp(intensity), [
      [600n, 15],
      [400n, 10],
      [200n, 5],
    ]),
    reason: 'latest R&D ÷ revenue: ≥0.06 15, ≥0.04 10, ≥0.02 5, below 0',
  };
}

function ipStrength({ patents }: RiskInputs): RiskFactorResult {
  const value = patents.unpledgedValuation === null ? 0n : fen(patents.unpledgedValuation);
  const inventionPoints = Math.min(10, 2 * patents.grantedInventions);
  const valuePoints = band(value, [
    [5_000_000_00n, 5],
    [1_000_000_00n, 3],
  ]);
  return {
    code: 'IP_STRENGTH',
    label: '知识产权',
    points: inventionPoints + valuePoints,
    maxPoints: 15,
    value: `${patents.grantedInventions} granted inventions, ${patents.unpledgedValuation ?? '0.00'} unpledged`,
    inputs: ['CreditReport.patents.grantedInventions', 'CreditReport.patents.unpledgedValuation'],
    reason: '2 per granted invention (at most 10); unpledged value ≥¥5M 5, ≥¥1M 3',
  };
}

const STATUS_POINTS: Record<string, number> = { ADMITTED: 6, CANDIDATE: 3 };

function libraryStanding({ library }: RiskInputs): RiskFactorResult {
  return {
    code: 'LIBRARY_STANDING',
    label: '入库与资质',
    points: (STATUS_POINTS[library.status] ?? 0) + (library.highTech ? 4 : 0),
    maxPoints: 10,
    value: `${library.status}${library.highTech ? ', high-tech' : ''}`,
    inputs: ['CreditReport.library.status', 'CreditReport.library.highTech'],
    reason: 'admitted 6, candidate 3, suspended or removed 0; a valid high-tech certificate 4',
  };
}

const GRADES: [number, RiskGrade][] = [
  [85, 'A'],
  [70, 'B'],
  [55, 'C'],
  [40, 'D'],
];
const ORDER: RiskGrade[] = ['A', 'B', 'C', 'D', 'E'];

/** The grade of a score's band, then capped: a default at D, a loan overdue today at C. */
function grade(score: number, history: RiskInputs['creditHistory']) {
  const banded = GRADES.find(([floor]) => score >= floor)?.[1] ?? 'E';
  const cap: [RiskGrade, string] | null =
    history.defaultedLoans > 0
      ? ['D', 'a loan in default caps the grade at D']
      : history.overdueLoans > 0
        ? ['C', 'a loan overdue today caps the grade at C']
        : null;
  if (cap && ORDER.indexOf(banded) < ORDER.indexOf(cap[0])) {
    return { grade: cap[0], cappedBy: cap[1] };
  }
  return { grade: banded, cappedBy: null };
}

export function evaluateRisk(inputs: RiskInputs): RiskEvaluationResult {
  const factors = [
    creditConduct,
    leverage,
    revenueGrowth,
    rdIntensity,
    ipStrength,
    libraryStanding,
  ].map((factor) => factor(inputs));
  const score = factors.reduce((sum, factor) => sum + factor.points, 0);
  return { method: METHOD, score, ...grade(score, inputs.creditHistory), factors };
}
