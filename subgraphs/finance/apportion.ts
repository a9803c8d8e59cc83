/**
 * Exact arithmetic on integer fen for the finance office's ledgers (4321 loss shares, pool
 * compensation, interest subsidies, bank rewards): BigInt throughout, so no amount passes through a
 * float, and every split adds up to the whole to the fen.
 */

const RATE_SCALE = 1_000_000n;

/** A decimal rate ("0.5", "0.043500") as millionths; the Decimal columns keep six decimals. */
export function rateMillionths(rate: string): bigint {
  const match = /^(\d+)(?:\.(\d{1,6}))?$/.exec(rate.trim());
  if (!match) throw new Error(`"${rate}" is not a decimal rate with at most six decimals`);
  return BigInt(match[1]) * RATE_SCALE + BigInt((match[2] ?? '').padEnd(6, '0'));
}

/** `fen × rate`, rounded down to the fen: a payment never exceeds what the rate grants. */
export function applyRate(fen: number, rate: string): number {
  return Number((BigInt(fen) * rateMillionths(rate)) / RATE_SCALE);
}

/** The smaller of two rates, as given. */
export function minRate(a: string, b: string): string {
  return rateMillionths(a) <= rateMillionths(b) ? a : b;
}

/**
 * Splits `totalFen` in proportion to `weights` by the largest-remainder method: each part gets
 * the floor of its exact share, and the fen left over (fewer than the number of parts) go one each
 * to the parts with the largest remainders; equal remainders favour the earlier part. The parts
 * always sum to `totalFen`. All weights zero: nothing is split, every part is 0.
 */
export function largestRemainder(
  totalFen: number,
  weights: readonly (number | bigint)[],
): number[] {
  const total = BigInt(totalFen);
  const big = weights.map((w) => BigInt(w));
  const sum = big.reduce((a, b) => a + b, 0n);
  if (sum === 0n) return weights.map(() => 0);
  const floors = big.map((w) => (total * w) / sum);
  const remainders = big.map((w, i) => ({ i, r: (total * w) % sum }));
  let left = total - floors.reduce((a, b) => a + b, 0n);
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of remainders) {
    if (left === 0n) break;
    floors[i] += 1n;
    left -= 1n;
  }
  return floors.map(Number);
}

/** "4321" (SPEC 三(十一)): guarantee company, provincial re-guarantee, bank, government. */
export const FOUR_THREE_TWO_ONE = [40, 30, 20, 10] as const;

export interface LossShares {
  guarantorShareFen: number;
  reGuaranteeShareFen: number;
  bankShareFen: number;
  governmentShareFen: number;
}

/** A covered loss shared 40/30/20/10, exactly: the odd fen go by largest remainder. */
export function shareLoss(coveredLossFen: number): LossShares {
  const [guarantor, reGuarantee, bank, government] = largestRemainder(
    coveredLossFen,
    FOUR_THREE_TWO_ONE,
  );
  return {
    guarantorShareFen: guarantor,
    reGuaranteeShareFen: reGuarantee,
    bankShareFen: bank,
    governmentShareFen: government,
  };
}
