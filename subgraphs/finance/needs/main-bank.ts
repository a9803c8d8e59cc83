/**
 * 主办银行 — the main-bank rule of the city's plan, 三(三): "由企业选择主办行或由基本户开户行或最大贷款银行".
 * The enterprise's own choice comes first, then the bank of its basic settlement account, then
 * its largest lender. This list is the one place that order is written; triage and the seed both
 * follow it.
 */
export const MAIN_BANK_ORDER = ['NAMED_BY_ENTERPRISE', 'BASIC_ACCOUNT', 'LARGEST_LENDER'] as const;
export type MainBankRuleBasis = (typeof MAIN_BANK_ORDER)[number];

/** The bank each step of the rule would pick for one enterprise; null where it has none. */
export type MainBankCandidates = Record<MainBankRuleBasis, string | null>;

export interface MainBankChoice {
  bankId: string;
  basis: MainBankRuleBasis;
}

/**
 * The first candidate in `MAIN_BANK_ORDER` that exists and has not declined the need (a bank that
 * gave a need back is not assigned it again); null when none is left.
 */
export function chooseMainBank(
  candidates: MainBankCandidates,
  declined: readonly string[] = [],
): MainBankChoice | null {
  for (const basis of MAIN_BANK_ORDER) {
    const bankId = candidates[basis];
    if (bankId !== null && !declined.includes(bankId)) return { bankId, basis };
  }
  return null;
}
