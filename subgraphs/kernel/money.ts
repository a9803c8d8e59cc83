import { badInput } from './errors.js';

/**
 * Money is carried as integer fen inside the exchange and as a decimal yuan string ("1250000.00")
 * on the wire, so no amount ever passes through a float.
 */
export function fenToYuan(fen: number | bigint | string): string {
  const value = BigInt(fen);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const yuan = abs / 100n;
  const cents = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${yuan}.${cents}`;
}

const MONEY = /^(-?)(\d{1,13})(?:\.(\d{1,2}))?$/;

/** Parses "1250000", "1250000.5" or "1250000.50" (yuan) into fen; rejects more than two decimals. */
export function yuanToFen(input: string, field: string): number {
  const match = MONEY.exec(input.trim());
  if (!match) {
    throw badInput(field, `"${input}" is not an amount in yuan with at most two decimals`);
  }
  const [, sign, whole, frac = ''] = match;
  const fen = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  return sign ? -fen : fen;
}

/** A rate such as "0.0385"; kept as a string so it round-trips exactly through numeric columns. */
export function parseRate(input: string, field: string): string {
  const trimmed = input.trim();
  if (!/^0?\.\d{1,6}$|^0$|^1(\.0{1,6})?$/.test(trimmed)) {
    throw badInput(field, `"${input}" is not a rate between 0 and 1 with at most six decimals`);
  }
  return trimmed.startsWith('.') ? `0${trimmed}` : trimmed;
}

/**
 * `numerator ÷ denominator` as an exact decimal string of `places` decimals, rounded half away
 * from zero, e.g. ratio(6, 100) → "0.0600"; null when the denominator is not positive. Integer
 * arithmetic throughout, so a threshold compared on the result is the one a reader computes by hand.
 */
export function ratio(
  numerator: number | bigint,
  denominator: number | bigint,
  places = 4,
): string | null {
  const d = BigInt(denominator);
  if (d <= 0n) return null;
  const n = BigInt(numerator);
  const scale = 10n ** BigInt(places);
  const negative = n < 0n;
  const abs = negative ? -n : n;
  const scaled = (abs * scale * 2n + d) / (2n * d);
  const whole = (scaled / scale).toString();
  const fraction = (scaled % scale).toString().padStart(places, '0');
  const text = places > 0 ? `${whole}.${fraction}` : whole;
  return negative && scaled !== 0n ? `-${text}` : text;
}
