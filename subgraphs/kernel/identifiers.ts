/** 统一社会信用代码 (GB 32100-2015) and CNIPA patent numbers: check characters and formats. */

export const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = Array.from({ length: 17 }, (_, i) => 3 ** i % 31);

/** The 18th character of a USCC whose first 17 are given. */
export function usccCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = USCC_CHARSET.indexOf(first17[i]);
    if (value < 0) throw new Error(`invalid USCC character "${first17[i]}"`);
    sum += value * USCC_WEIGHTS[i];
  }
  return USCC_CHARSET[(31 - (sum % 31)) % 31];
}

/** Why a USCC is invalid, or null when it is valid. */
export function usccProblem(uscc: string): string | null {
  if (uscc.length !== 18) return `must be 18 characters, got ${uscc.length}`;
  for (const ch of uscc) {
    if (!USCC_CHARSET.includes(ch)) {
      return `character "${ch}" is not allowed (digits and ${USCC_CHARSET.slice(10)} only)`;
    }
  }
  const expected = usccCheckChar(uscc.slice(0, 17));
  if (uscc[17] !== expected) return `check character should be "${expected}", got "${uscc[17]}"`;
  return null;
}

export function isValidUscc(uscc: string): boolean {
  return usccProblem(uscc) === null;
}

const PATENT_WEIGHTS = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
const PATENT_KINDS: Record<string, PatentKind> = {
  '1': 'INVENTION',
  '2': 'UTILITY_MODEL',
  '3': 'DESIGN',
  '8': 'PCT_INVENTION',
  '9': 'PCT_UTILITY_MODEL',
};
export type PatentKind =
  'INVENTION' | 'UTILITY_MODEL' | 'DESIGN' | 'PCT_INVENTION' | 'PCT_UTILITY_MODEL';

/** The check character of a 12-digit application number (since 2003): Σ dᵢwᵢ mod 11, 10 → X. */
export function patentCheckChar(digits12: string): string {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(digits12[i]) * PATENT_WEIGHTS[i];
  const check = sum % 11;
  return check === 10 ? 'X' : String(check);
}

/** Accepts `201710601862.3`, with or without the `ZL` prefix of a granted patent. */
export function parsePatentNumber(
  input: string,
): { number: string; year: number; kind: PatentKind } | { problem: string } {
  const bare = input.trim().replace(/^ZL/i, '');
  const match = /^(\d{4})(\d)(\d{7})\.([\dX])$/.exec(bare);
  if (!match) return { problem: 'must look like YYYYTNNNNNNN.C, e.g. 201710601862.3' };
  const [, year, type, , check] = match;
  const kind = PATENT_KINDS[type];
  if (!kind) return { problem: `type digit ${type} is not one of 1, 2, 3, 8, 9` };
  if (Number(year) < 2003) return { problem: 'numbers in this format start in 2003' };
  const expected = patentCheckChar(bare.slice(0, 12));
  if (check !== expected) return { problem: `check digit should be ${expected}, got ${check}` };
  return { number: bare, year: Number(year), kind };
}

/** How a patent number is shown: granted patents carry the ZL prefix. */
export function displayPatentNumber(number: string, granted: boolean): string {
  return granted ? `ZL${number}` : number;
}
