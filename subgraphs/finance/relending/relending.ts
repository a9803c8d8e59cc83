import { randomUUID } from 'node:crypto';
import {
  and,
  asc,
  eq,
  gte,
  inArray,
  isNotNull,
  lte,
  sql,
  type AnyColumn,
  type SQL,
} from 'drizzle-orm';
import type { Caller } from '../../kernel/caller.js';
import { addYears } from '../../kernel/clock.js';
import type { Db } from '../../kernel/db.js';
import { badInput, conflict, forbidden, notFound } from '../../kernel/errors.js';
import { rowLoader } from '../../kernel/loader.js';
import { fenToYuan, parseRate } from '../../kernel/money.js';
import { pageOf } from '../../kernel/pagination.js';
import { anyOf } from '../../kernel/sql.js';
import type { BankEventFollower, BankEventRow } from '../bank-events/index.js';
import type {
  AdjustRelendingQuotaInput,
  CreateRelendingQuotaInput,
  RelendingBankUseFilter,
  RelendingQuotaFilter,
  RelendingUseFilter,
  Resolvers,
} from '../generated/resolvers.js';
import { bankId } from '../needs/index.js';
import { financialProducts } from '../tables.js';
import { relendingQuotas, relendingUses } from './tables.js';
import { boundedText, optionalText } from '../../kernel/text.js';
import { loadExisting } from '../../kernel/loader.js';

export type QuotaRow = typeof relendingQuotas.$inferSelect;
export type RelendingUseRow = typeof relendingUses.$inferSelect;

export const QUOTA_KINDS = ['RELENDING', 'REDISCOUNT'] as const;
/** ¥10,000,000,000 in fen: far above any one branch's quota, well inside exact integers. */
export const MAX_QUOTA_FEN = 1_000_000_000_000;
const MAX_PERIOD_YEARS = 5;
const MAX_NAME_CHARS = 200;
const MAX_NOTE_CHARS = 500;

export interface BankUseRow {
  bankId: string;
  quotas: number;
  quotaAmountFen: number;
  quotaUsedFen: number;
  loans: number;
  loanAmountFen: number;
  averageRate: string | null;
  averageComparableRate: string | null;
  loansNotBelowComparableRate: number;
  loansWithoutComparableProduct: number;
}

const NO_ROWS = sql`false`;

/** A rate string ("0.0385", "0.038500") as integer millionths, exactly. */
function rateMicros(rate: string): number {
  const negative = rate.trim().startsWith('-');
  const [whole, frac = ''] = rate.trim().replace(/^[-+]/, '').split('.');
  const micros = Number(whole || '0') * 1_000_000 + Number(frac.padEnd(6, '0').slice(0, 6));
  return negative ? -micros : micros;
}

function formatMicros(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  return `${sign}${Math.floor(abs / 1_000_000)}.${String(abs % 1_000_000).padStart(6, '0')}`;
}

function quotaAmount(fen: number, field: string): number {
  if (!Number.isSafeInteger(fen) || fen <= 0 || fen > MAX_QUOTA_FEN) {
    throw badInput(
      field,
      `must be more than 0 and at most ${fenToYuan(MAX_QUOTA_FEN)} yuan, got ${fenToYuan(fen)}`,
    );
  }
  return fen;
}

function ceiling(rate: string, field: string): string {
  const parsed = parseRate(rate, field);
  if (rateMicros(parsed) === 0) throw badInput(field, 'must be more than 0');
  return parsed;
}

function kinds(values: string[], field: string): string[] {
  const unknown = values.find((kind) => !(QUOTA_KINDS as readonly string[]).includes(kind));
  if (unknown) throw badInput(field, `"${unknown}" is not one of ${QUOTA_KINDS.join(', ')}`);
  return values;
}

/** The bounds of one date range filter, checked for order. */
function dateRange(from: string | null | undefined, to: string | null | undefined, field: string) {
  if (from && to && from > to) throw badInput(`${field}.to`, `must not be before from (${from})`);
  return { from: from ?? null, to: to ?? null };
}

/** The parts of a decoded keyset cursor. */
function splitCursor(after: string, parts: number): string[] {
  const values = after.split('|');
  if (values.length !== parts) throw badInput('after', 'is not a cursor returned by this API');
  return values;
}

/**
 * Which quotas and uses a caller sees: the PBOC, which manages them, and the finance office all of
 * them; a bank its own; nobody else any.
 */
function bankScope(caller: Caller, column: AnyColumn): SQL | undefined {
  if (caller.party === 'pboc' || caller.party === 'finance_office') return undefined;
  if (caller.party === 'bank' && caller.org) return eq(column, caller.org);
  return NO_ROWS;
}

/**
 * 再贷款、再贴现 (SPEC 三(一)): the PBOC's quotas per bank, the loans the banks fund from them, and
 * how the rates of those loans compare with the banks' own product rates.
 */
export class Relending {
  readonly quota;

  constructor(
    private readonly db: Db,
    private readonly caller: Caller,
  ) {
    this.quota = rowLoader(
      (ids) =>
        this.db
          .select()
          .from(relendingQuotas)
          .where(and(anyOf(relendingQuotas.id, ids), this.quotaScope())),
      (row) => row.id,
    );
  }

  private quotaScope() {
    return bankScope(this.caller, relendingQuotas.bankId);
  }

  private useScope() {
    return bankScope(this.caller, relendingUses.bankId);
  }

  private requirePboc(): string {
    if (this.caller.party !== 'pboc') {
      throw forbidden('only the PBOC grants and adjusts relending and rediscount quotas');
    }
    return this.caller.sub;
  }

  async create(input: CreateRelendingQuotaInput): Promise<QuotaRow> {
    const createdBy = this.requirePboc();
    const values = {
      id: `rq-${randomUUID()}`,
      bankId: bankId(input.bankId, 'input.bankId'),
      kind: kinds([input.kind], 'input.kind')[0],
      name: boundedText(input.name, 'input.name', MAX_NAME_CHARS),
      amountFen: quotaAmount(input.amount, 'input.amount'),
      validFrom: input.validFrom,
      validTo: input.validTo,
      rateCeiling:
        input.rateCeiling == null ? null : ceiling(input.rateCeiling, 'input.rateCeiling'),
      note: optionalText(input.note, 'input.note', MAX_NOTE_CHARS),
      createdBy,
    };
    if (values.validTo < values.validFrom) {
      throw badInput('input.validTo', `must not be before validFrom (${values.validFrom})`);
    }
    const latest = addYears(values.validFrom, MAX_PERIOD_YEARS);
    if (values.validTo > latest) {
      throw badInput(
        'input.validTo',
        `a quota runs at most ${MAX_PERIOD_YEARS} years: no later than ${latest}`,
      );
    }
    const [row] = await this.db.insert(relendingQuotas).values(values).returning();
    return row;
  }

  async adjust(id: string, input: AdjustRelendingQuotaInput): Promise<QuotaRow> {
    this.requirePboc();
    for (const key of ['name', 'amount', 'validTo'] as const) {
      if (key in input && input[key] === null) {
        throw badInput(`input.${key}`, 'cannot be null; leave it out to keep the current value');
      }
    }
    const changes: Partial<typeof relendingQuotas.$inferInsert> = {};
    if (input.name != null) changes.name = boundedText(input.name, 'input.name', MAX_NAME_CHARS);
    if (input.amount != null) changes.amountFen = quotaAmount(input.amount, 'input.amount');
    if (input.validTo != null) changes.validTo = input.validTo;
    if ('rateCeiling' in input) {
      changes.rateCeiling =
        input.rateCeiling == null ? null : ceiling(input.rateCeiling, 'input.rateCeiling');
    }
    if ('note' in input) changes.note = optionalText(input.note, 'input.note', MAX_NOTE_CHARS);
    if (Object.keys(changes).length === 0) {
      throw badInput('input', 'give at least one field to change');
    }
    return this.db.transaction(async (tx) => {
      // The same lock a loan drawing on the quota takes: the amount cannot shrink under a draw.
      const [quota] = await tx
        .select()
        .from(relendingQuotas)
        .where(eq(relendingQuotas.id, id))
        .for('update');
      if (!quota) throw notFound('relending quota', id);
      if (changes.amountFen != null && changes.amountFen < quota.usedFen) {
        throw badInput(
          'input.amount',
          `must not be below the ${fenToYuan(quota.usedFen)} yuan already used, got ${fenToYuan(changes.amountFen)}`,
        );
      }
      if (changes.validTo != null) {
        if (changes.validTo < quota.validFrom) {
          throw badInput('input.validTo', `must not be before validFrom (${quota.validFrom})`);
        }
        const latest = addYears(quota.validFrom, MAX_PERIOD_YEARS);
        if (changes.validTo > latest) {
          throw badInput(
            'input.validTo',
            `a quota runs at most ${MAX_PERIOD_YEARS} years: no later than ${latest}`,
          );
        }
        const [last] = await tx
          .select({ occurredOn: relendingUses.occurredOn })
          .from(relendingUses)
          .where(eq(relendingUses.quotaId, id))
          .orderBy(sql`${relendingUses.occurredOn} desc`)
          .limit(1);
        if (last && changes.validTo < last.occurredOn) {
          throw badInput(
            'input.validTo',
            `must not be before ${last.occurredOn}, when a loan drew on the quota`,
          );
        }
      }
      const [row] = await tx
        .update(relendingQuotas)
        .set({ ...changes, updatedAt: sql`now()` })
        .where(eq(relendingQuotas.id, id))
        .returning();
      return row;
    });
  }

  async listQuotas(
    filter: RelendingQuotaFilter,
    limit: number,
    after?: string,
  ): Promise<QuotaRow[]> {
    const conditions: (SQL | undefined)[] = [this.quotaScope()];
    if (after) {
      const [bank, from, id] = splitCursor(after, 3);
      conditions.push(
        sql`(${relendingQuotas.bankId}, ${relendingQuotas.validFrom}, ${relendingQuotas.id}) > (${bank}, ${from}::date, ${id})`,
      );
    }
    if (filter.bankId) conditions.push(eq(relendingQuotas.bankId, filter.bankId));
    if (filter.kinds?.length) {
      conditions.push(inArray(relendingQuotas.kind, kinds(filter.kinds, 'filter.kinds')));
    }
    if (filter.activeOn) {
      conditions.push(
        lte(relendingQuotas.validFrom, filter.activeOn),
        gte(relendingQuotas.validTo, filter.activeOn),
      );
    }
    return this.db
      .select()
      .from(relendingQuotas)
      .where(and(...conditions))
      .orderBy(asc(relendingQuotas.bankId), asc(relendingQuotas.validFrom), asc(relendingQuotas.id))
      .limit(limit + 1);
  }

  async listUses(
    filter: RelendingUseFilter,
    limit: number,
    after?: string,
  ): Promise<RelendingUseRow[]> {
    const { from, to } = dateRange(filter.from, filter.to, 'filter');
    const conditions: (SQL | undefined)[] = [this.useScope()];
    if (after) {
      const [on, id] = splitCursor(after, 2);
      conditions.push(
        sql`(${relendingUses.occurredOn}, ${relendingUses.id}) > (${on}::date, ${id})`,
      );
    }
    if (filter.quotaId) conditions.push(eq(relendingUses.quotaId, filter.quotaId));
    if (filter.bankId) conditions.push(eq(relendingUses.bankId, filter.bankId));
    if (filter.kinds?.length) {
      conditions.push(
        inArray(
          relendingUses.quotaId,
          this.db
            .select({ id: relendingQuotas.id })
            .from(relendingQuotas)
            .where(inArray(relendingQuotas.kind, kinds(filter.kinds, 'filter.kinds'))),
        ),
      );
    }
    if (from) conditions.push(gte(relendingUses.occurredOn, from));
    if (to) conditions.push(lte(relendingUses.occurredOn, to));
    if (filter.notBelowComparableRate != null) {
      conditions.push(eq(relendingUses.belowProductRate, !filter.notBelowComparableRate));
    }
    return this.db
      .select()
      .from(relendingUses)
      .where(and(...conditions))
      .orderBy(asc(relendingUses.occurredOn), asc(relendingUses.id))
      .limit(limit + 1);
  }

  /**
   * Per bank: the quotas in force at some time in the window with what is used on them, and the
   * loans drawn in the window with their amount-weighted rates. Two grouped statements.
   */
  async useByBank(filter: RelendingBankUseFilter): Promise<BankUseRow[]> {
    const { from, to } = dateRange(filter.from, filter.to, 'filter');
    const kindList = filter.kinds?.length ? kinds(filter.kinds, 'filter.kinds') : null;
    const quotaConditions: (SQL | undefined)[] = [this.quotaScope()];
    if (filter.bankId) quotaConditions.push(eq(relendingQuotas.bankId, filter.bankId));
    if (kindList) quotaConditions.push(inArray(relendingQuotas.kind, kindList));
    if (from) quotaConditions.push(gte(relendingQuotas.validTo, from));
    if (to) quotaConditions.push(lte(relendingQuotas.validFrom, to));
    const quotas = await this.db
      .select({
        bankId: relendingQuotas.bankId,
        quotas: sql<number>`count(*)::int`,
        amountFen: sql<string>`sum(${relendingQuotas.amountFen})::text`,
        usedFen: sql<string>`sum(${relendingQuotas.usedFen})::text`,
      })
      .from(relendingQuotas)
      .where(and(...quotaConditions))
      .groupBy(relendingQuotas.bankId);

    const useConditions: (SQL | undefined)[] = [this.useScope()];
    if (filter.bankId) useConditions.push(eq(relendingUses.bankId, filter.bankId));
    if (kindList) useConditions.push(inArray(relendingQuotas.kind, kindList));
    if (from) useConditions.push(gte(relendingUses.occurredOn, from));
    if (to) useConditions.push(lte(relendingUses.occurredOn, to));
    const compared = isNotNull(relendingUses.productRateFloor);
    const uses = await this.db
      .select({
        bankId: relendingUses.bankId,
        loans: sql<number>`count(*)::int`,
        amountFen: sql<string>`sum(${relendingUses.amountFen})::text`,
        averageRate: sql<string>`round(sum(${relendingUses.rate} * ${relendingUses.amountFen}) / sum(${relendingUses.amountFen}), 6)::text`,
        averageComparableRate: sql<
          string | null
        >`round(sum(${relendingUses.productRateFloor} * ${relendingUses.amountFen}) filter (where ${compared}) / nullif(sum(${relendingUses.amountFen}) filter (where ${compared}), 0), 6)::text`,
        notBelow: sql<number>`(count(*) filter (where ${relendingUses.belowProductRate} = false))::int`,
        withoutProduct: sql<number>`(count(*) filter (where not ${compared}))::int`,
      })
      .from(relendingUses)
      .innerJoin(relendingQuotas, eq(relendingQuotas.id, relendingUses.quotaId))
      .where(and(...useConditions))
      .groupBy(relendingUses.bankId);

    return mergeByBank(quotas, uses);
  }
}

/** The quota and loan figures of each bank as one row, banks in id order. */
function mergeByBank(
  quotas: { bankId: string; quotas: number; amountFen: string; usedFen: string }[],
  uses: {
    bankId: string;
    loans: number;
    amountFen: string;
    averageRate: string;
    averageComparableRate: string | null;
    notBelow: number;
    withoutProduct: number;
  }[],
): BankUseRow[] {
  const banks = new Map<string, BankUseRow>();
  const entry = (bank: string) => {
    let row = banks.get(bank);
    if (!row) {
      row = {
        bankId: bank,
        quotas: 0,
        quotaAmountFen: 0,
        quotaUsedFen: 0,
        loans: 0,
        loanAmountFen: 0,
        averageRate: null,
        averageComparableRate: null,
        loansNotBelowComparableRate: 0,
        loansWithoutComparableProduct: 0,
      };
      banks.set(bank, row);
    }
    return row;
  };
  for (const q of quotas) {
    Object.assign(entry(q.bankId), {
      quotas: Number(q.quotas),
      quotaAmountFen: Number(q.amountFen),
      quotaUsedFen: Number(q.usedFen),
    });
  }
  for (const u of uses) {
    Object.assign(entry(u.bankId), {
      loans: Number(u.loans),
      loanAmountFen: Number(u.amountFen),
      averageRate: u.averageRate,
      averageComparableRate: u.averageComparableRate,
      loansNotBelowComparableRate: Number(u.notBelow),
      loansWithoutComparableProduct: Number(u.withoutProduct),
    });
  }
  return [...banks.values()].sort((a, b) => (a.bankId < b.bankId ? -1 : 1));
}

/**
 * Draws a loan tagged with a quota on that quota, in the transaction recording the disbursement.
 * The quota row is locked first, so simultaneous loans on one quota queue there and each sees
 * what the ones before it used; a refusal throws, and the bank's loan is refused with it.
 * Other kinds of event may carry the loan's tag (a repayment, say) and draw nothing.
 */
export const drawOnRelendingQuota: BankEventFollower = async (tx, event) => {
  if (event.kind !== 'LOAN_DISBURSED' || !event.relendingQuotaId) return;
  const quotaId = event.relendingQuotaId;
  const { loanId, rate } = drawingLoan(event);
  const quota = await quotaWithRoom(tx, quotaId, event, rateMicros(rate));
  const product = await comparableProduct(tx, event.productIds);
  const [use] = await tx
    .insert(relendingUses)
    .values({
      id: `rlu-${randomUUID()}`,
      quotaId,
      bankId: event.bankId,
      eventKey: event.key,
      loanId,
      creditLineId: event.creditLineId,
      enterpriseId: event.enterpriseId,
      amountFen: event.amountFen,
      rate,
      productId: product?.id ?? null,
      productRateFloor: product?.rateFloor ?? null,
      belowProductRate: product ? rateMicros(rate) < rateMicros(product.rateFloor) : null,
      occurredOn: event.occurredOn,
    })
    .onConflictDoNothing()
    .returning({ id: relendingUses.id });
  if (!use) {
    throw conflict(`loan "${loanId}" already draws on a relending or rediscount quota`);
  }
  await tx
    .update(relendingQuotas)
    .set({
      usedFen: sql`${relendingQuotas.usedFen} + ${event.amountFen}`,
      updatedAt: sql`now()`,
    })
    .where(eq(relendingQuotas.id, quota.id));
};

/** What a loan drawing on a quota must carry: its id, its rate, an amount. */
function drawingLoan(event: BankEventRow): { loanId: string; rate: string } {
  if (!event.loanId) {
    throw badInput(
      'input.loanId',
      'a loan drawing on a relending or rediscount quota must name the loan',
    );
  }
  if (!event.rate) {
    throw badInput(
      'input.rate',
      'a loan drawing on a relending or rediscount quota must give its rate',
    );
  }
  if (!(event.amountFen > 0)) {
    throw badInput('input.amount', `a loan drawing on a quota must be more than 0 yuan`);
  }
  return { loanId: event.loanId, rate: event.rate };
}

/**
 * The bank's quota, locked, checked to be in force on the disbursement date, above the loan's
 * rate and with room for its amount.
 */
async function quotaWithRoom(
  tx: Db,
  quotaId: string,
  event: BankEventRow,
  rate: number,
): Promise<QuotaRow> {
  const [quota] = await tx
    .select()
    .from(relendingQuotas)
    .where(eq(relendingQuotas.id, quotaId))
    .for('update');
  // Another bank's quota is refused in the same words as none at all: it is none of this bank's.
  if (!quota || quota.bankId !== event.bankId) {
    throw badInput(
      'input.relendingQuotaId',
      `"${quotaId}" is not a relending or rediscount quota of yours`,
    );
  }
  if (event.occurredOn < quota.validFrom || event.occurredOn > quota.validTo) {
    throw badInput(
      'input.disbursedOn',
      `a loan disbursed on ${event.occurredOn} cannot draw on quota "${quotaId}", in force from ` +
        `${quota.validFrom} to ${quota.validTo}`,
    );
  }
  if (quota.rateCeiling != null && rate > rateMicros(quota.rateCeiling)) {
    throw badInput(
      'input.rate',
      `${formatMicros(rate)} is above the rate ceiling ${formatMicros(rateMicros(quota.rateCeiling))} ` +
        `of quota "${quotaId}"`,
    );
  }
  const remaining = quota.amountFen - quota.usedFen;
  if (event.amountFen > remaining) {
    throw conflict(
      `quota "${quotaId}" has ${fenToYuan(remaining)} yuan left of ${fenToYuan(quota.amountFen)}: ` +
        `a loan of ${fenToYuan(event.amountFen)} yuan does not fit`,
    );
  }
  return quota;
}

/**
 * The product a loan's rate is compared with: the line's; of several, the cheapest, so a flag is
 * never avoided by naming a dearer one beside it.
 */
async function comparableProduct(
  tx: Db,
  productIds: string[],
): Promise<{ id: string; rateFloor: string } | undefined> {
  if (!productIds.length) return undefined;
  const [product] = await tx
    .select({ id: financialProducts.id, rateFloor: financialProducts.rateFloor })
    .from(financialProducts)
    .where(anyOf(financialProducts.id, productIds))
    .orderBy(asc(financialProducts.rateFloor), asc(financialProducts.id))
    .limit(1);
  return product;
}

export const relendingResolvers: Resolvers = {
  Query: {
    relendingQuota: (_, { id }, { relending }) => relending.quota.load(id),
    relendingQuotas: (_, args, { relending, limits }) =>
      pageOf(
        args,
        limits,
        (limit, after) => relending.listQuotas(args.filter ?? {}, limit, after),
        (row) => `${row.bankId}|${row.validFrom}|${row.id}`,
      ),
    relendingUses: (_, args, { relending, limits }) =>
      pageOf(
        args,
        limits,
        (limit, after) => relending.listUses(args.filter ?? {}, limit, after),
        (row) => `${row.occurredOn}|${row.id}`,
      ),
    relendingUseByBank: (_, { filter }, { relending }) => relending.useByBank(filter ?? {}),
  },
  Mutation: {
    createRelendingQuota: async (_, { input }, { relending }) => ({
      quota: await relending.create(input),
    }),
    adjustRelendingQuota: async (_, { id, input }, { relending }) => ({
      quota: await relending.adjust(id, input),
    }),
  },
  RelendingQuota: {
    bank: (row) => ({ id: row.bankId }),
    amount: (row) => row.amountFen,
    used: (row) => row.usedFen,
    remaining: (row) => row.amountFen - row.usedFen,
  },
  RelendingUse: {
    quota: (row, _, { relending }) => loadExisting(relending.quota, row.quotaId, 'relending quota'),
    bank: (row) => ({ id: row.bankId }),
    enterprise: (row) => ({ __typename: 'Enterprise', id: row.enterpriseId }),
    amount: (row) => row.amountFen,
    comparableProduct: (row, _, { loaders }) =>
      row.productId ? loaders.product.load(row.productId) : null,
    comparableProductId: (row) => row.productId,
    comparableRate: (row) => row.productRateFloor,
    belowComparableRate: (row) => row.belowProductRate,
    rateAdvantage: (row) =>
      row.productRateFloor == null
        ? null
        : formatMicros(rateMicros(row.productRateFloor) - rateMicros(row.rate)),
    disbursedOn: (row) => row.occurredOn,
  },
  RelendingBankUse: {
    bank: (row) => ({ id: row.bankId }),
    quotaAmount: (row) => row.quotaAmountFen,
    quotaUsed: (row) => row.quotaUsedFen,
    quotaRemaining: (row) => row.quotaAmountFen - row.quotaUsedFen,
    loanAmount: (row) => row.loanAmountFen,
  },
};
