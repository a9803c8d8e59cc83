/**
 * Labels in Chinese and English side by side: the city's staff read the first, the banks'
 * head offices and auditors often the second.
 */
export const PARTY_LABELS: Record<string, string> = {
  finance_office: '金融办 · Finance office',
  pboc: '人民银行 · PBOC',
  bank: '银行 · Bank',
  enterprise: '企业 · Enterprise',
  tech_bureau: '科技局 · Technology bureau',
};

export const STATUS_LABELS: Record<string, string> = {
  SUBMITTED: '待分派 · Submitted',
  OPEN: '开放抢单 · Open',
  ASSIGNED: '已分派 · Assigned',
  SOLUTION_PROPOSED: '已出方案 · Solution proposed',
  CREDIT_APPROVED: '已授信 · Credit approved',
  DISBURSED: '已放款 · Disbursed',
  WITHDRAWN: '已撤回 · Withdrawn',
  DECLINED: '已拒绝 · Declined',
};

export const DATA_SET_LABELS: Record<string, string> = {
  CONTACT: '联系方式 · Contact',
  FINANCIALS: '财务数据 · Financials',
  PATENT_VALUATION: '专利估值 · Patent valuation',
  CREDIT_HISTORY: '信贷记录 · Credit history',
};

export const CONSENT_STATUS_LABELS: Record<string, string> = {
  ACTIVE: '有效 · Active',
  EXPIRED: '已过期 · Expired',
  REVOKED: '已撤销 · Revoked',
};

/** Money is an exact decimal string in yuan; shown in 万元 (ten thousands), as the city reports. */
export function wan(money: string | null | undefined): string {
  if (money === null || money === undefined) return '—';
  const value = Number(money) / 10_000;
  return `${value.toLocaleString('zh-CN', { maximumFractionDigits: 2 })} 万元`;
}

export function ratio(decimal: string | null | undefined): string {
  if (decimal === null || decimal === undefined) return '—';
  return `${(Number(decimal) * 100).toFixed(1)}%`;
}

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString('zh-CN', { hour12: false });
}
