/**
 * The library assessment (入库评价) by the national criteria, on one year's financials and the
 * patents granted by then. Integer arithmetic on fen and head counts, so thresholds are exact.
 */

const YUAN = 100;

export interface AssessmentInput {
  revenueFen: number;
  rdExpenseFen: number;
  employees: number;
  techStaff: number;
  /** Granted invention patents (I类知识产权). */
  grantedInventions: number;
  /** Granted utility models and designs (II类). */
  grantedOthers: number;
  /** Revenue growth over the previous year, e.g. 0.12; decides the prospect rating. */
  revenueGrowth: number;
}

export interface ScoreItem {
  criterion: string;
  points: number;
  maxPoints: number;
}

export interface Assessment {
  highTechEligible: boolean;
  rdIntensity: string;
  techStaffRatio: string;
  techSmeScore: number;
  techSmeEligible: boolean;
  prospectRating: 'A' | 'B' | 'C' | 'D';
  policyPriority: 'HIGH' | 'MEDIUM' | 'LOW';
  breakdown: ScoreItem[];
  notes: string | null;
}

/** First points value whose threshold holds, thresholds in descending order. */
function band(thresholds: [boolean, number][]): number {
  return thresholds.find(([holds]) => holds)?.[1] ?? 0;
}

export function assess(input: AssessmentInput): Assessment {
  const { revenueFen: revenue, rdExpenseFen: rd, employees, techStaff } = input;
  // 高新技术企业: R&D ≥5% of revenue up to ¥50M, ≥4% up to ¥200M, ≥3% above; tech staff ≥10%.
  const revenueYuan = revenue / YUAN;
  const thresholdPct = revenueYuan <= 50_000_000 ? 5 : revenueYuan <= 200_000_000 ? 4 : 3;
  const rdOk = rd * 100 >= revenue * thresholdPct;
  const staffOk = techStaff * 10 >= employees;
  const highTechEligible = rdOk && staffOk;

  // 科技型中小企业评价: tech staff 20, R&D 50 (the better of amount and ratio), IP 30; pass ≥60.
  const staffShare = (pct: number) => techStaff * 100 >= employees * pct;
  const staffPoints = band([
    [staffShare(30), 20],
    [staffShare(25), 16],
    [staffShare(20), 12],
    [staffShare(15), 8],
    [staffShare(10), 4],
  ]);
  const rdYuan = rd / YUAN;
  const amountPoints = band([
    [rdYuan >= 10_000_000, 50],
    [rdYuan >= 8_000_000, 40],
    [rdYuan >= 6_000_000, 30],
    [rdYuan >= 4_000_000, 20],
    [rdYuan >= 2_000_000, 10],
  ]);
  const rdShare = (pct: number) => rd * 100 >= revenue * pct;
  const ratioPoints = band([
    [rdShare(6), 50],
    [rdShare(5), 40],
    [rdShare(4), 30],
    [rdShare(3), 20],
    [rdShare(2), 10],
  ]);
  const rdPoints = Math.max(amountPoints, ratioPoints);
  const ipPoints =
    input.grantedInventions > 0 ? 30 : input.grantedOthers >= 4 ? 24 : input.grantedOthers * 6;
  const score = staffPoints + rdPoints + ipPoints;
  const techSmeEligible = score >= 60;

  const g = input.revenueGrowth;
  const prospectRating =
    score >= 80 && g >= 0.2 ? 'A' : score >= 60 && g >= 0.05 ? 'B' : g >= -0.05 ? 'C' : 'D';
  const policyPriority =
    highTechEligible && techSmeEligible && (prospectRating === 'A' || prospectRating === 'B')
      ? 'HIGH'
      : highTechEligible || techSmeEligible
        ? 'MEDIUM'
        : 'LOW';
  const notes: string[] = [];
  if (!rdOk) notes.push(`研发费用占营业收入比例未达高新技术企业标准（≥${thresholdPct}%）`);
  if (!staffOk) notes.push('科技人员占职工总数比例低于10%');
  if (ipPoints === 0) notes.push('尚无已授权知识产权，建议加强专利布局');
  if (prospectRating === 'A') notes.push('营收增长较快，建议列入重点培育名单');
  return {
    highTechEligible,
    rdIntensity: revenue > 0 ? (rd / revenue).toFixed(6) : '0.000000',
    techStaffRatio: employees > 0 ? (techStaff / employees).toFixed(6) : '0.000000',
    techSmeScore: score,
    techSmeEligible,
    prospectRating,
    policyPriority,
    breakdown: [
      { criterion: '科技人员指标', points: staffPoints, maxPoints: 20 },
      { criterion: '研发投入指标', points: rdPoints, maxPoints: 50 },
      { criterion: '科技成果指标', points: ipPoints, maxPoints: 30 },
    ],
    notes: notes.length > 0 ? notes.join('；') : null,
  };
}
