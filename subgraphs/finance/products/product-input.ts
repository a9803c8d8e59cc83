import { badInput } from '../../kernel/errors.js';
import { parseRate } from '../../kernel/money.js';
import { boundedText } from '../../kernel/text.js';
import { amount, collateral, termMonths, text } from '../needs/index.js';
import type { ProductRow } from '../repository.js';

export const MAX_PRODUCT_NAME_CHARS = 100;
export const MAX_DISPLAY_ORDER = 9999;

/**
 * The collateral that makes a product one of the kinds of 三(七): a product must accept at least
 * one kind of its category (a credit loan exactly NONE), so that searching by category finds what
 * the name promises.
 */
export const CATEGORY_COLLATERAL: Record<string, readonly string[]> = {
  IP_PLEDGE_LOAN: ['PATENT_PLEDGE', 'TRADEMARK_PLEDGE'],
  EQUITY_PLEDGE_LOAN: ['EQUITY_PLEDGE'],
  ORDER_LOAN: ['ORDER_PLEDGE'],
  WAREHOUSE_RECEIPT_LOAN: ['WAREHOUSE_RECEIPT_PLEDGE'],
  INSURANCE_POLICY_LOAN: ['INSURANCE_POLICY_PLEDGE'],
  CREDIT_LOAN: ['NONE'],
  GUARANTEE_LOAN: ['GUARANTEE', 'REAL_ESTATE'],
  SUPPLY_CHAIN: ['RECEIVABLES', 'ORDER_PLEDGE'],
  RECEIVABLES_FINANCE: ['RECEIVABLES'],
};

/** A product as the bank sends it, amounts already in integer fen (the Money scalar). */
export interface ProductInput {
  name: string;
  category: string;
  collateral: string[];
  minAmount: number;
  maxAmount: number;
  rateFloor: string;
  rateCap: string;
  maxTermMonths: number;
  requiresHighTech?: boolean | null;
  requiresPatents?: boolean | null;
}

export type EditProductInput = Partial<ProductInput>;

/** The columns publishing or editing writes. */
export interface ProductFields {
  name: string;
  category: string;
  collateral: string[];
  minAmountFen: number;
  maxAmountFen: number;
  rateFloor: string;
  rateCap: string;
  maxTermMonths: number;
  requiresHighTech: boolean;
  requiresPatents: boolean;
}

export interface CurateProductInput {
  category?: string | null;
  featured?: boolean | null;
  hidden?: boolean | null;
  displayOrder?: number | null;
  note?: string | null;
}

export interface CurationFields {
  category?: string;
  featured?: boolean;
  hidden?: boolean;
  displayOrder?: number | null;
  curationNote?: string | null;
}

function name(value: string, field: string): string {
  return boundedText(value, field, MAX_PRODUCT_NAME_CHARS);
}

/** Millionths of a rate, exact: "0.0385" → 38500. */
function micros(rate: string): number {
  const [whole, fraction = ''] = rate.split('.');
  return Number(whole) * 1_000_000 + Number(fraction.padEnd(6, '0'));
}

function rate(value: string, field: string): string {
  const parsed = parseRate(value, field);
  const m = micros(parsed);
  if (m <= 0 || m >= 1_000_000) {
    throw badInput(field, `must be more than 0 and less than 1 (an annual rate such as "0.0385")`);
  }
  return parsed;
}

/** Why this collateral does not make a product of this category, or null when it does. */
export function categoryProblem(category: string, kinds: readonly string[]): string | null {
  const wanted = CATEGORY_COLLATERAL[category];
  if (!wanted) return `${category} is not a product category`;
  if (category === 'CREDIT_LOAN') {
    return kinds.length === 1 && kinds[0] === 'NONE'
      ? null
      : `a CREDIT_LOAN (信用贷) takes no collateral: its collateral must be [NONE], got [${kinds.join(', ')}]`;
  }
  if (kinds.some((kind) => wanted.includes(kind))) return null;
  return `a ${category} product must accept ${wanted.join(' or ')}, got [${kinds.join(', ')}]`;
}

/** The rules that tie fields together, checked on the product as it would be written. */
function checkTogether(fields: ProductFields, given: (key: string) => boolean): void {
  const pick = (preferred: string, other: string) =>
    `input.${given(preferred) || !given(other) ? preferred : other}`;
  if (fields.minAmountFen > fields.maxAmountFen) {
    throw badInput(pick('maxAmount', 'minAmount'), 'maxAmount must be at least minAmount');
  }
  if (micros(fields.rateFloor) > micros(fields.rateCap)) {
    throw badInput(pick('rateCap', 'rateFloor'), 'rateCap must be at least rateFloor');
  }
  const problem = categoryProblem(fields.category, fields.collateral);
  if (problem) throw badInput(pick('collateral', 'category'), problem);
}

export function validateProduct(input: ProductInput): ProductFields {
  const fields: ProductFields = {
    name: name(input.name, 'input.name'),
    category: input.category,
    collateral: collateral(input.collateral, 'input.collateral'),
    minAmountFen: amount(input.minAmount, 'input.minAmount'),
    maxAmountFen: amount(input.maxAmount, 'input.maxAmount'),
    rateFloor: rate(input.rateFloor, 'input.rateFloor'),
    rateCap: rate(input.rateCap, 'input.rateCap'),
    maxTermMonths: termMonths(input.maxTermMonths, 'input.maxTermMonths'),
    requiresHighTech: input.requiresHighTech ?? false,
    requiresPatents: input.requiresPatents ?? false,
  };
  checkTogether(fields, () => true);
  return fields;
}

/** Only the fields given, checked alone and then together with the product's other values. */
export function validateProductEdit(
  input: EditProductInput,
  current: ProductRow,
): Partial<ProductFields> {
  for (const [key, value] of Object.entries(input)) {
    if (value === null) {
      throw badInput(`input.${key}`, 'cannot be null; leave it out to keep the current value');
    }
  }
  const changes: Partial<ProductFields> = {};
  if (input.name != null) changes.name = name(input.name, 'input.name');
  if (input.category != null) changes.category = input.category;
  if (input.collateral != null) {
    changes.collateral = collateral(input.collateral, 'input.collateral');
  }
  if (input.minAmount != null) changes.minAmountFen = amount(input.minAmount, 'input.minAmount');
  if (input.maxAmount != null) changes.maxAmountFen = amount(input.maxAmount, 'input.maxAmount');
  if (input.rateFloor != null) changes.rateFloor = rate(input.rateFloor, 'input.rateFloor');
  if (input.rateCap != null) changes.rateCap = rate(input.rateCap, 'input.rateCap');
  if (input.maxTermMonths != null) {
    changes.maxTermMonths = termMonths(input.maxTermMonths, 'input.maxTermMonths');
  }
  if (input.requiresHighTech != null) changes.requiresHighTech = input.requiresHighTech;
  if (input.requiresPatents != null) changes.requiresPatents = input.requiresPatents;
  if (Object.keys(changes).length === 0) {
    throw badInput('input', 'give at least one field to change');
  }
  const merged: ProductFields = {
    name: current.name,
    category: current.category,
    collateral: current.collateral,
    minAmountFen: current.minAmountFen,
    maxAmountFen: current.maxAmountFen,
    rateFloor: current.rateFloor,
    rateCap: current.rateCap,
    maxTermMonths: current.maxTermMonths,
    requiresHighTech: current.requiresHighTech,
    requiresPatents: current.requiresPatents,
    ...changes,
  };
  checkTogether(merged, (key) => key in input);
  return changes;
}

export function validateCuration(input: CurateProductInput, current: ProductRow): CurationFields {
  for (const key of ['category', 'featured', 'hidden'] as const) {
    if (key in input && input[key] === null) {
      throw badInput(`input.${key}`, 'cannot be null; leave it out to keep the current value');
    }
  }
  const changes: CurationFields = {};
  if (input.category != null) {
    const problem = categoryProblem(input.category, current.collateral);
    if (problem) throw badInput('input.category', `${problem} (the product's collateral)`);
    changes.category = input.category;
  }
  if (input.featured != null) changes.featured = input.featured;
  if (input.hidden != null) changes.hidden = input.hidden;
  if ('displayOrder' in input) {
    const order = input.displayOrder;
    if (order != null && (!Number.isInteger(order) || order < 1 || order > MAX_DISPLAY_ORDER)) {
      throw badInput('input.displayOrder', `must be from 1 to ${MAX_DISPLAY_ORDER}, got ${order}`);
    }
    changes.displayOrder = order ?? null;
  }
  if ('note' in input) {
    changes.curationNote = input.note == null ? null : text(input.note, 'input.note');
  }
  if (Object.keys(changes).length === 0) {
    throw badInput('input', 'give at least one field to curate');
  }
  // A bank whose product disappears from the catalogue is owed the reason.
  if (changes.hidden === true && !changes.curationNote) {
    throw badInput('input.note', 'hiding a product needs a note saying why');
  }
  if (changes.curationNote === null && (changes.hidden ?? current.hidden)) {
    throw badInput('input.note', 'a hidden product keeps its note; unhide it to clear the note');
  }
  return changes;
}
