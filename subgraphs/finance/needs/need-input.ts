import { badInput } from '../../kernel/errors.js';
import { fenToYuan } from '../../kernel/money.js';
import { boundedText } from '../../kernel/text.js';

/** ¥1,000,000,000 in fen: the largest need the platform takes. */
export const MAX_NEED_AMOUNT_FEN = 100_000_000_000;
export const MAX_TERM_MONTHS = 360;
export const MAX_TEXT_CHARS = 500;

export type NeedVisibility = 'OPEN_TO_ALL_BANKS' | 'MAIN_BANK_ONLY';

/** A submission as the Money scalar hands it over: amounts already in integer fen. */
export interface SubmitNeedInput {
  amount: number;
  termMonths: number;
  purpose: string;
  collateral: string[];
  visibility: NeedVisibility;
  preferredBankId?: string | null;
}

export type EditNeedInput = Partial<SubmitNeedInput>;

/** The columns a submission or an edit writes. */
export interface NeedFields {
  amountFen: number;
  termMonths: number;
  purpose: string;
  collateral: string[];
  visibility: NeedVisibility;
  preferredBankId: string | null;
}

export function amount(fen: number, field: string): number {
  if (!(fen > 0) || fen > MAX_NEED_AMOUNT_FEN) {
    throw badInput(
      field,
      `must be more than 0 and at most ${fenToYuan(MAX_NEED_AMOUNT_FEN)} yuan, got ${fenToYuan(fen)}`,
    );
  }
  return fen;
}

export function termMonths(months: number, field: string): number {
  if (!Number.isInteger(months) || months < 1 || months > MAX_TERM_MONTHS) {
    throw badInput(
      field,
      `must be a whole number of months from 1 to ${MAX_TERM_MONTHS}, got ${months}`,
    );
  }
  return months;
}

/** Free text: trimmed, not empty, at most `MAX_TEXT_CHARS` characters (code points, not bytes). */
export function text(value: string, field: string): string {
  return boundedText(value, field, MAX_TEXT_CHARS);
}

export function collateral(kinds: string[], field: string): string[] {
  if (kinds.length === 0) throw badInput(field, 'must name at least one collateral kind');
  const repeated = kinds.find((kind, i) => kinds.indexOf(kind) !== i);
  if (repeated) throw badInput(field, `must name each kind once; ${repeated} is repeated`);
  if (kinds.includes('NONE') && kinds.length > 1) {
    throw badInput(field, 'NONE (信用, no collateral) cannot be combined with other kinds');
  }
  return kinds;
}

const BANK_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** A bank id given by a caller: the banks' own register lives in another subgraph. */
export function bankId(id: string, field: string): string {
  if (!BANK_ID.test(id)) {
    throw badInput(field, `"${id}" is not a bank id (1–64 letters, digits, "-" or "_")`);
  }
  return id;
}

export function validateSubmission(input: SubmitNeedInput): NeedFields {
  return {
    amountFen: amount(input.amount, 'input.amount'),
    termMonths: termMonths(input.termMonths, 'input.termMonths'),
    purpose: text(input.purpose, 'input.purpose'),
    collateral: collateral(input.collateral, 'input.collateral'),
    visibility: input.visibility,
    preferredBankId:
      input.preferredBankId == null ? null : bankId(input.preferredBankId, 'input.preferredBankId'),
  };
}

/** Only the fields given; an explicit null clears the named bank, other nulls are refused. */
export function validateEdit(input: EditNeedInput): Partial<NeedFields> {
  const changes: Partial<NeedFields> = {};
  const required = ['amount', 'termMonths', 'purpose', 'collateral', 'visibility'] as const;
  for (const key of required) {
    if (key in input && input[key] === null) {
      throw badInput(`input.${key}`, 'cannot be null; leave it out to keep the current value');
    }
  }
  if (input.amount != null) changes.amountFen = amount(input.amount, 'input.amount');
  if (input.termMonths != null) {
    changes.termMonths = termMonths(input.termMonths, 'input.termMonths');
  }
  if (input.purpose != null) changes.purpose = text(input.purpose, 'input.purpose');
  if (input.collateral != null) {
    changes.collateral = collateral(input.collateral, 'input.collateral');
  }
  if (input.visibility != null) changes.visibility = input.visibility;
  if ('preferredBankId' in input) {
    changes.preferredBankId =
      input.preferredBankId == null ? null : bankId(input.preferredBankId, 'input.preferredBankId');
  }
  if (Object.keys(changes).length === 0) {
    throw badInput('input', 'give at least one field to change');
  }
  return changes;
}
