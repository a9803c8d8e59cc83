import { randomUUID } from 'node:crypto';
import type DataLoader from 'dataloader';
import { and, asc, desc, eq, exists, gt, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Caller } from '../../kernel/caller.js';
import * as clock from '../../kernel/clock.js';
import type { Db } from '../../kernel/db.js';
import { badInput, conflict, forbidden, notFound } from '../../kernel/errors.js';
import { groupLoader, rowLoader } from '../../kernel/loader.js';
import { pageOf } from '../../kernel/pagination.js';
import { anyOf } from '../../kernel/sql.js';
import { inReadScope } from '../../kernel/scope.js';
import { optionalText } from '../../kernel/text.js';
import type {
  CultivationItemInput,
  CultivationPlanFilter,
  GovernmentDepartment,
  Resolvers,
  StartCultivationPlanInput,
  UpdateCultivationItemInput,
} from '../generated/resolvers.js';
import { amount, text } from '../needs/index.js';
import { enterpriseProfiles, financingNeeds, needFeedback } from '../tables.js';
import { cultivationItems, cultivationPlans } from './tables.js';

export type PlanRow = typeof cultivationPlans.$inferSelect;
export type ItemRow = typeof cultivationItems.$inferSelect;

export const MAX_ITEMS_PER_PLAN = 50;
const MAX_DEPARTMENT_NAME_CHARS = 100;
const OPEN_STATUSES = ['OPEN', 'IN_PROGRESS'];

type ItemFields = Pick<ItemRow, 'kind' | 'description' | 'department' | 'departmentName' | 'dueOn'>;

/**
 * An item's id is its plan's and its place in the plan: the items of one statement share their
 * `created_at`, and the id keeps them in the order the bank gave them. The plan is locked while
 * items are added, so two additions never number alike.
 */
function itemId(planId: string, index: number): string {
  return `${planId}-${String(index + 1).padStart(2, '0')}`;
}

function dueOn(date: string | null | undefined, field: string): string | null {
  if (date == null) return null;
  const today = clock.today();
  if (date < today)
    throw badInput(field, `must not be in the past (today is ${today}), got ${date}`);
  return date;
}

/** The department rules: named exactly for DEPARTMENT_SUPPORT, with a name exactly for OTHER. */
function department(
  fields: Pick<ItemFields, 'kind' | 'department' | 'departmentName'>,
  at: string,
): void {
  if (fields.kind === 'DEPARTMENT_SUPPORT' && !fields.department) {
    throw badInput(`${at}.department`, 'a DEPARTMENT_SUPPORT item must name the department');
  }
  if (fields.kind === 'MISSING_CONDITION' && fields.department) {
    throw badInput(
      `${at}.department`,
      'a MISSING_CONDITION item names no department; record the matter as DEPARTMENT_SUPPORT',
    );
  }
  if (fields.department === 'OTHER' && !fields.departmentName) {
    throw badInput(`${at}.departmentName`, 'department OTHER needs the department’s name');
  }
  if (fields.department !== 'OTHER' && fields.departmentName) {
    throw badInput(`${at}.departmentName`, 'is given only with department OTHER');
  }
  if (fields.departmentName && [...fields.departmentName].length > MAX_DEPARTMENT_NAME_CHARS) {
    throw badInput(
      `${at}.departmentName`,
      `must be at most ${MAX_DEPARTMENT_NAME_CHARS} characters`,
    );
  }
}

function validateItems(items: CultivationItemInput[], field: string): ItemFields[] {
  if (items.length === 0) throw badInput(field, 'give at least one item');
  if (items.length > MAX_ITEMS_PER_PLAN) {
    throw badInput(field, `at most ${MAX_ITEMS_PER_PLAN} items, got ${items.length}`);
  }
  return items.map((item, i) => {
    const at = `${field}[${i}]`;
    const fields: ItemFields = {
      kind: item.kind,
      description: text(item.description, `${at}.description`),
      department: item.department ?? null,
      departmentName: optionalText(item.departmentName, `${at}.departmentName`, 200),
      dueOn: dueOn(item.dueOn, `${at}.dueOn`),
    };
    department(fields, at);
    return fields;
  });
}

/**
 * 信用培植 — a bank's plans for the enterprises it serves. The finance office reads every plan, a
 * bank its own, an enterprise those about itself; only the bank that made a plan writes to it.
 * Each mutation is one transaction that locks the plan, so items never change under a closing.
 */
export class Cultivation {
  private planLoader?: DataLoader<string, PlanRow | null>;
  private itemLoader?: DataLoader<string, ItemRow[]>;
  private byEnterpriseLoader?: DataLoader<string, PlanRow[]>;

  constructor(
    private readonly db: Db,
    private readonly caller: Caller,
  ) {}

  /** The rows the caller may read, in SQL. */
  private scope(): SQL | undefined {
    const p = cultivationPlans;
    if (this.caller.scopes.has('cultivation:read')) return undefined;
    if (!this.caller.scopes.has('cultivation:own') || !this.caller.org) return sql`false`;
    if (this.caller.party === 'bank') return eq(p.bankId, this.caller.org);
    if (this.caller.party === 'enterprise') return eq(p.enterpriseId, this.caller.org);
    return sql`false`;
  }

  private bankId(): string {
    if (this.caller.party !== 'bank' || !this.caller.org) {
      throw forbidden('only a bank records and updates credit-cultivation plans (信用培植)');
    }
    return this.caller.org;
  }

  /**
   * The plan, locked, when it is the calling bank's and still active. It is looked up in the
   * caller's read scope first: another bank's plan is NOT_FOUND like a missing one.
   */
  private async ownActivePlan(tx: Db, id: string): Promise<PlanRow> {
    const bank = this.bankId();
    const plan = await inReadScope(
      tx
        .select()
        .from(cultivationPlans)
        .where(and(eq(cultivationPlans.id, id), this.scope()))
        .for('update'),
      'cultivation plan',
      id,
    );
    if (plan.bankId !== bank) {
      throw forbidden(`cultivation plan "${id}" is another bank's: a bank changes only its own`);
    }
    if (plan.status !== 'ACTIVE') {
      throw conflict(`cultivation plan "${id}" is ${plan.status}: only an ACTIVE plan changes`);
    }
    return plan;
  }

  private async touch(tx: Db, id: string): Promise<PlanRow> {
    const [plan] = await tx
      .update(cultivationPlans)
      .set({ updatedAt: sql`now()` })
      .where(eq(cultivationPlans.id, id))
      .returning();
    return plan;
  }

  async start(input: StartCultivationPlanInput): Promise<PlanRow> {
    const bank = this.bankId();
    const goal = text(input.goal, 'input.goal');
    const targetAmountFen =
      input.targetAmount == null ? null : amount(input.targetAmount, 'input.targetAmount');
    const items = validateItems(input.items, 'input.items');
    return this.db.transaction(async (tx) => {
      const [profile] = await tx
        .select({ id: enterpriseProfiles.enterpriseId })
        .from(enterpriseProfiles)
        .where(eq(enterpriseProfiles.enterpriseId, input.enterpriseId));
      if (!profile) {
        throw badInput(
          'input.enterpriseId',
          `"${input.enterpriseId}" is not an enterprise of the sci-tech library (科创企业库)`,
        );
      }
      const n = financingNeeds;
      const f = needFeedback;
      const [served] = await tx
        .select({ id: n.id })
        .from(n)
        .where(
          and(
            eq(n.enterpriseId, input.enterpriseId),
            or(
              eq(n.mainBankId, bank),
              exists(
                tx
                  .select({ one: sql`1` })
                  .from(f)
                  .where(and(eq(f.needId, n.id), eq(f.bankId, bank))),
              ),
            ),
          ),
        )
        .limit(1);
      if (!served) {
        throw forbidden(
          `your bank does not serve enterprise "${input.enterpriseId}": a bank cultivates an ` +
            'enterprise it is or was main bank for, or whose assignment it answered (受理回告)',
        );
      }
      const [plan] = await tx
        .insert(cultivationPlans)
        .values({
          id: `cult-${randomUUID()}`,
          bankId: bank,
          enterpriseId: input.enterpriseId,
          goal,
          targetAmountFen,
          status: 'ACTIVE',
        })
        .onConflictDoNothing()
        .returning();
      if (!plan) {
        throw conflict(
          `your bank already has an ACTIVE cultivation plan for enterprise "${input.enterpriseId}": add items to it`,
        );
      }
      await tx.insert(cultivationItems).values(
        items.map((item, i) => ({
          ...item,
          id: itemId(plan.id, i),
          planId: plan.id,
          status: 'OPEN',
        })),
      );
      return plan;
    });
  }

  async addItems(planId: string, input: CultivationItemInput[]): Promise<PlanRow> {
    this.bankId();
    const items = validateItems(input, 'items');
    return this.db.transaction(async (tx) => {
      const db = tx as unknown as Db;
      await this.ownActivePlan(db, planId);
      const [{ count }] = await tx
        .select({ count: sql<number>`count(*)::int` })
        .from(cultivationItems)
        .where(eq(cultivationItems.planId, planId));
      if (count + items.length > MAX_ITEMS_PER_PLAN) {
        throw badInput(
          'items',
          `a plan holds at most ${MAX_ITEMS_PER_PLAN} items; it has ${count}, ${items.length} more would be too many`,
        );
      }
      await tx.insert(cultivationItems).values(
        items.map((item, i) => ({
          ...item,
          id: itemId(planId, count + i),
          planId,
          status: 'OPEN',
        })),
      );
      return this.touch(db, planId);
    });
  }

  async updateItem(
    id: string,
    input: UpdateCultivationItemInput,
  ): Promise<{ item: ItemRow; plan: PlanRow }> {
    this.bankId();
    for (const key of ['status', 'description', 'department'] as const) {
      if (key in input && input[key] === null) {
        throw badInput(`input.${key}`, 'cannot be null; leave it out to keep the current value');
      }
    }
    if (Object.keys(input).length === 0) {
      throw badInput('input', 'give at least one field to change');
    }
    return this.db.transaction(async (tx) => {
      const db = tx as unknown as Db;
      // The item in the caller's read scope (the scope of its plan), else NOT_FOUND as missing.
      const found = await inReadScope(
        tx
          .select({ planId: cultivationItems.planId })
          .from(cultivationItems)
          .innerJoin(cultivationPlans, eq(cultivationPlans.id, cultivationItems.planId))
          .where(and(eq(cultivationItems.id, id), this.scope())),
        'cultivation item',
        id,
      );
      await this.ownActivePlan(db, found.planId);
      const [current] = await tx
        .select()
        .from(cultivationItems)
        .where(eq(cultivationItems.id, id))
        .for('update');
      const changes: Partial<ItemRow> = {};
      if (input.description != null) {
        changes.description = text(input.description, 'input.description');
      }
      if ('note' in input) {
        changes.note = input.note == null ? null : text(input.note, 'input.note');
      }
      if ('dueOn' in input) changes.dueOn = dueOn(input.dueOn, 'input.dueOn');
      if (input.department != null) changes.department = input.department;
      if ('departmentName' in input) {
        changes.departmentName = optionalText(input.departmentName, 'input.departmentName', 200);
      } else if (input.department != null && input.department !== 'OTHER') {
        // Moving to a named department drops the name that only OTHER carries.
        changes.departmentName = null;
      }
      department({ ...current, ...changes }, 'input');
      let resolvedAt: SQL | null | undefined;
      if (input.status != null) {
        changes.status = input.status;
        const note = 'note' in changes ? changes.note : current.note;
        if (input.status === 'DROPPED' && !note) {
          throw badInput('input.note', 'dropping an item needs a note saying why');
        }
        if (input.status !== current.status) {
          resolvedAt = input.status === 'RESOLVED' ? sql`now()` : null;
        }
      }
      const [item] = await tx
        .update(cultivationItems)
        .set({
          ...changes,
          ...(resolvedAt !== undefined ? { resolvedAt } : {}),
          updatedAt: sql`now()`,
        })
        .where(eq(cultivationItems.id, id))
        .returning();
      return { item, plan: await this.touch(db, found.planId) };
    });
  }

  async close(id: string, outcome: string, noteText: string): Promise<PlanRow> {
    this.bankId();
    if (outcome === 'ACTIVE') {
      throw badInput('outcome', 'must be CREDIT_GRANTED or CLOSED: a plan closes with an outcome');
    }
    const note = text(noteText, 'note');
    return this.db.transaction(async (tx) => {
      await this.ownActivePlan(tx as unknown as Db, id);
      if (outcome === 'CREDIT_GRANTED') {
        const [{ open }] = await tx
          .select({ open: sql<number>`count(*)::int` })
          .from(cultivationItems)
          .where(
            and(eq(cultivationItems.planId, id), inArray(cultivationItems.status, OPEN_STATUSES)),
          );
        if (open > 0) {
          throw conflict(
            `cultivation plan "${id}" has ${open} open ${open === 1 ? 'item' : 'items'}: resolve or drop them before recording credit granted`,
          );
        }
      }
      const [plan] = await tx
        .update(cultivationPlans)
        .set({ status: outcome, closingNote: note, closedAt: sql`now()`, updatedAt: sql`now()` })
        .where(eq(cultivationPlans.id, id))
        .returning();
      return plan;
    });
  }

  plan(id: string): Promise<PlanRow | null> {
    this.planLoader ??= rowLoader(
      (ids) =>
        this.db
          .select()
          .from(cultivationPlans)
          .where(and(anyOf(cultivationPlans.id, ids), this.scope())),
      (row) => row.id,
    );
    return this.planLoader.load(id);
  }

  async list(filter: CultivationPlanFilter, limit: number, after?: string): Promise<PlanRow[]> {
    const p = cultivationPlans;
    const i = cultivationItems;
    const conditions: (SQL | undefined)[] = [this.scope()];
    if (after) conditions.push(gt(p.id, after));
    if (filter.enterpriseId) conditions.push(eq(p.enterpriseId, filter.enterpriseId));
    if (filter.bankId) conditions.push(eq(p.bankId, filter.bankId));
    if (filter.statuses?.length) conditions.push(inArray(p.status, filter.statuses));
    if (filter.department) {
      conditions.push(
        exists(
          this.db
            .select({ one: sql`1` })
            .from(i)
            .where(
              and(
                eq(i.planId, p.id),
                eq(i.department, filter.department),
                inArray(i.status, OPEN_STATUSES),
              ),
            ),
        ),
      );
    }
    return this.db
      .select()
      .from(p)
      .where(and(...conditions))
      .orderBy(asc(p.id))
      .limit(limit + 1);
  }

  plansOf(enterpriseId: string): Promise<PlanRow[]> {
    this.byEnterpriseLoader ??= groupLoader(
      (ids) =>
        this.db
          .select()
          .from(cultivationPlans)
          .where(and(anyOf(cultivationPlans.enterpriseId, ids), this.scope()))
          .orderBy(asc(cultivationPlans.enterpriseId), asc(cultivationPlans.id)),
      (row) => row.enterpriseId,
    );
    return this.byEnterpriseLoader.load(enterpriseId);
  }

  /** A plan's items; the plan itself was read under the caller's scope. */
  itemsOf(planId: string): Promise<ItemRow[]> {
    this.itemLoader ??= groupLoader(
      (ids) =>
        this.db
          .select()
          .from(cultivationItems)
          .where(anyOf(cultivationItems.planId, ids))
          .orderBy(asc(cultivationItems.planId), asc(cultivationItems.id)),
      (row) => row.planId,
    );
    return this.itemLoader.load(planId);
  }

  /** Open department matters of active plans, per department, for the finance office. */
  async departmentSupport() {
    const p = cultivationPlans;
    const i = cultivationItems;
    const openItems = sql<number>`count(*)::int`;
    return this.db
      .select({
        department: sql<GovernmentDepartment>`${i.department}`,
        departmentName: i.departmentName,
        openItems,
        plans: sql<number>`count(distinct ${i.planId})::int`,
      })
      .from(i)
      .innerJoin(p, eq(p.id, i.planId))
      .where(
        and(
          this.scope(),
          eq(p.status, 'ACTIVE'),
          eq(i.kind, 'DEPARTMENT_SUPPORT'),
          inArray(i.status, OPEN_STATUSES),
        ),
      )
      .groupBy(i.department, i.departmentName)
      .orderBy(desc(openItems), asc(i.department), asc(i.departmentName));
  }
}

export const cultivationResolvers: Resolvers = {
  Query: {
    cultivationPlan: (_, { id }, { cultivation }) => cultivation.plan(id),
    cultivationPlans: (_, args, { cultivation, limits }) =>
      pageOf(
        args,
        limits,
        (limit, after) => cultivation.list(args.filter ?? {}, limit, after),
        (row) => row.id,
      ),
    departmentSupport: (_, __, { cultivation }) => cultivation.departmentSupport(),
  },
  Mutation: {
    startCultivationPlan: async (_, { input }, { cultivation }) => ({
      plan: await cultivation.start(input),
    }),
    addCultivationItems: async (_, { planId, items }, { cultivation }) => ({
      plan: await cultivation.addItems(planId, items),
    }),
    updateCultivationItem: (_, { id, input }, { cultivation }) => cultivation.updateItem(id, input),
    closeCultivationPlan: async (_, { id, outcome, note }, { cultivation }) => ({
      plan: await cultivation.close(id, outcome, note),
    }),
  },
  CultivationPlan: {
    bank: (plan) => ({ id: plan.bankId }),
    enterprise: (plan) => ({ __typename: 'Enterprise', id: plan.enterpriseId }),
    targetAmount: (plan) => plan.targetAmountFen,
    items: (plan, _, { cultivation }) => cultivation.itemsOf(plan.id),
    openItems: async (plan, _, { cultivation }) =>
      (await cultivation.itemsOf(plan.id)).filter((item) => OPEN_STATUSES.includes(item.status))
        .length,
  },
  Enterprise: {
    cultivationPlans: (ref, _, { cultivation }) => cultivation.plansOf(ref.id),
  },
};
